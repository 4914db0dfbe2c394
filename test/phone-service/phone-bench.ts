import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { setPhonePin } from '../../src/phone-service/phone-auth.js';
import type { Language } from '../../src/i18n/languages.js';
import { createTestApp } from '../helpers/app.js';
import type { DbTarget } from '../helpers/db.js';
import { createBench, type Bench } from '../scheduler/harness.js';
import { Phone } from './phone.js';

// Tuesday 1 Dec 2026, 09:00 in Berlin (UTC+1).
export const START = '2026-12-01T08:00:00.000Z';
export const PIN = '482615';

/**
 * The set-up the phone service's tests share, in English and in German: four desks with
 * phones and four employees on a Berlin site whose default language is `siteLanguage`,
 * employees 0–2 with PIN, the clock at START, and a fresh app per test (so the wrong-PIN
 * throttle starts empty). Call inside a describe; read the fields inside tests.
 */
export function usePhoneBench(target: DbTarget, opts: { siteLanguage: Language }) {
  const ctx = {
    bench: undefined as unknown as Bench,
    app: undefined as unknown as FastifyInstance,
    phone: (i: number) => new Phone(ctx.app, ctx.bench.desks[i]!.deviceName),
    emId: (i: number) => ctx.bench.users[i]!.emUserId,
    userRow: (i: number) =>
      ctx.bench.db.prisma.user.findUniqueOrThrow({ where: { id: ctx.bench.users[i]!.id } }),
  };
  beforeAll(async () => {
    ctx.bench = await createBench({ target, n: 4, start: START, policy: { releaseNoShowAfterMinutes: 20 } });
    for (const i of [0, 1, 2]) await setPhonePin(ctx.bench.db.prisma, ctx.bench.users[i]!.id, PIN);
    await ctx.bench.db.prisma.site.updateMany({ data: { defaultLanguage: opts.siteLanguage } });
  });
  afterAll(async () => ctx.bench?.close());
  beforeEach(async () => {
    await ctx.bench.at(START, { tick: false });
    await ctx.bench.db.prisma.phoneAction.deleteMany();
    await ctx.bench.db.prisma.reservation.deleteMany();
    ctx.app = await createTestApp(ctx.bench.db, ctx.bench.clock);
  });
  afterEach(async () => ctx.app?.close());
  return ctx;
}
