import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { setPhonePin } from '../../src/phone-service/phone-auth.js';
import { createManualClock } from '../../src/time/clock.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { Phone } from './phone.js';

describe.each(dbTargets)('phone service logs (%s)', (target) => {
  let db: TestDatabase;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(target);
  });
  afterAll(async () => db?.destroy());

  it('never writes a PIN or a token to the request log', async () => {
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const clock = createManualClock('2026-12-01T08:00:00Z');
    const app = await buildApp({ config: testConfig(), db, clock, logger });
    await app.ready();
    const site = await createSite(db.prisma);
    const desk = await createDesk(db.prisma, (await createFloor(db.prisma, site.id)).id);
    const user = await createUser(db.prisma, { emUserId: 'logcheck' });
    await setPhonePin(db.prisma, user.id, '482615');
    const phone = new Phone(app, desk.phone!.deviceName);
    const done = await phone.submit(
      await phone.get(`/phone/book/sign-in?device=${phone.device}&until=20261201T1100Z`),
      { user: 'logcheck', pin: '482615' },
    );
    const manage = done.softKeys.find((k) => k.name === 'Manage')!;
    const token = new URL(manage.url).searchParams.get('token')!;
    await phone.get(manage.url);
    await app.close();
    const log = lines.join('');
    expect(log).toContain('/phone/book/confirm');
    expect(log).toContain('pin=***');
    expect(log).not.toContain('482615');
    expect(log).not.toContain(token.split('.')[2]!);
  });
});
