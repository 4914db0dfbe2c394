import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, createBookingService } from '../../src/booking/booking-service.js';
import { createNotifier, notifyBookingChanged } from '../../src/notify/notifier.js';
import { setPhonePin } from '../../src/phone-service/phone-auth.js';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { Phone } from '../phone-service/phone.js';

// Tuesday 1 Dec 2026, 09:00 in Berlin.
const NOW = '2026-12-01T08:00:00.000Z';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** A local SMTP server that keeps what it receives; `next()` waits for the next message. */
async function startCapture() {
  const mails: Mail[] = [];
  const waiters: ((m: Mail) => void)[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        mails.push(mail);
        waiters.shift()?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  let taken = 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    next(): Promise<Mail> {
      const ready = mails[taken];
      taken++;
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Header folding undone and quoted-printable decoded: enough to read a message's text. */
function unfold(raw: string): string {
  const soft = raw.replace(/=\r\n/g, '').replace(/\r\n[ \t]/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const m = /^=([0-9A-F]{2})/.exec(soft.slice(i, i + 3));
    if (m) {
      bytes.push(parseInt(m[1]!, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe.each(dbTargets)('email notices (%s)', (target) => {
  let db: TestDatabase;
  let clock: ManualClock;
  let capture: Awaited<ReturnType<typeof startCapture>>;
  let app: FastifyInstance | undefined;
  let desk: Awaited<ReturnType<typeof createDesk>>;
  let ada: Awaited<ReturnType<typeof createUser>>;
  let staff: Awaited<ReturnType<typeof createUser>>;
  const mailConfig = () => ({ smtpUrl: capture.url, mailFrom: 'Roost <roost@test.example>' });

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    capture = await startCapture();
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin', name: 'Berlin HQ' });
    desk = await createDesk(db.prisma, (await createFloor(db.prisma, site.id, 'Floor 3')).id, {
      label: '3.14',
    });
    ada = await createUser(db.prisma, { email: 'ada@notify.test', emUserId: 'ada' });
    staff = await createUser(db.prisma, { role: 'FACILITIES' });
    await db.prisma.user.update({ where: { id: staff.id }, data: { displayName: 'Frances Facilities' } });
    await setPhonePin(db.prisma, ada.id, '482615');
  });
  afterAll(async () => {
    await capture?.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    clock.set(NOW);
    await db.prisma.phoneAction.deleteMany();
    await db.prisma.reservation.deleteMany();
    await db.prisma.auditEvent.deleteMany();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('emails "booking confirmed" with the booking as .ics when a desk is booked on its phone', async () => {
    app = await createTestApp(db, clock, mailConfig());
    const phone = new Phone(app, desk.phone!.deviceName);
    const signIn = await phone.get(`/phone/book/sign-in?device=${phone.device}&until=20261201T1100Z`);
    const done = await phone.submit(signIn, { user: 'ada', pin: '482615' });
    expect(done.text).toMatch(/until 12:00 CET/);
    const mail = await capture.next();
    expect(mail.to).toEqual(['ada@notify.test']);
    expect(mail.from).toBe('roost@test.example');
    const raw = unfold(mail.raw);
    expect(raw).toMatch(/^Subject: Desk 3\.14 booked: Tue 1 Dec 2026, 09:00–12:00 CET|^Subject: =\?UTF-8\?/m);
    expect(raw).toMatch(/text\/calendar/);
    expect(raw).toContain('confirmed');
  });

  it('emails "cancelled by staff" when staff cancel, and nothing when the owner cancels', async () => {
    const notifier = createNotifier({ config: mailConfig(), prisma: db.prisma, clock });
    const service = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    const mk = (day: string) =>
      service.book({
        actor: actorFor(ada),
        userId: ada.id,
        deskId: desk.id,
        startsAt: new Date(`${day}T08:00:00Z`),
        endsAt: new Date(`${day}T12:00:00Z`),
      });
    const first = await mk('2026-12-02');
    const second = await mk('2026-12-03');
    const before = capture.mails.length;

    const byOwner = await service.cancel({ actor: actorFor(ada), reservationId: first.id });
    await notifyBookingChanged(notifier, { before: first, after: byOwner, actor: actorFor(ada) });
    await notifier.idle();
    expect(capture.mails.length).toBe(before);

    const byStaff = await service.cancel({ actor: actorFor(staff), reservationId: second.id });
    void notifyBookingChanged(notifier, {
      before: second,
      after: byStaff,
      actor: { ...actorFor(staff), displayName: 'Frances Facilities' },
    });
    const mail = await capture.next();
    expect(capture.mails.length).toBe(before + 1);
    expect(mail.to).toEqual(['ada@notify.test']);
    const raw = unfold(mail.raw);
    expect(raw).toMatch(/cancelled by Frances Facilities/);
    expect(raw).toContain('STATUS:CANCELLED');
    await notifier.close();
  });

  it('emails the owner when the phone could not be logged in (for the scheduler to call)', async () => {
    const notifier = createNotifier({ config: mailConfig(), prisma: db.prisma, clock });
    const service = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    const r = await service.book({
      actor: actorFor(ada),
      userId: ada.id,
      deskId: desk.id,
      startsAt: new Date('2026-12-01T08:30:00Z'),
      endsAt: new Date('2026-12-01T12:00:00Z'),
    });
    // The scheduler names the kind of problem; the owner reads plain words, never an EM code.
    void notifier.phoneLoginFailed(r.id, 'em-disabled');
    const mail = await capture.next();
    const raw = unfold(mail.raw);
    expect(raw).toMatch(/could not be logged in/);
    expect(raw).toContain('Extension Mobility is switched off on this desk');
    expect(raw).not.toMatch(/EM code|code \d+|\(2[235]\)/);
    await notifier.close();
  });

  it('tells every facilities and admin account when phones have waited for EM, each in their language', async () => {
    const cluster = await db.prisma.emCluster.create({
      data: { name: 'CUCM Berlin', serviceUrl: 'http://127.0.0.1:1', appUser: 'a', secretRef: 'env:X' },
    });
    await db.prisma.site.updateMany({ data: { emClusterId: cluster.id } });
    const german = await createUser(db.prisma, { role: 'ADMIN', email: 'admin@notify.test' });
    await db.prisma.user.update({ where: { id: german.id }, data: { language: 'de' } });
    const notifier = createNotifier({ config: mailConfig(), prisma: db.prisma, clock });
    const before = capture.mails.length;
    await notifier.emWaiting({ clusterId: cluster.id, count: 3, since: new Date('2026-12-01T07:50:00Z') });
    await notifier.idle();
    const mails = [await capture.next(), await capture.next()].map((m) => unfold(m.raw));
    // Frances (facilities, English) and the German admin; never an employee.
    expect(capture.mails.length - before).toBe(2);
    const english = mails.find((m) => m.includes(staff.email))!;
    expect(english).toContain('Subject: Roost: phones waiting for EM cluster CUCM Berlin');
    expect(english).toContain('3 phone logins and logouts have been waiting for the phone system');
    expect(english).toContain('since Tue 1 Dec 2026, 08:50 CET');
    const deutsch = mails.find((m) => m.includes('admin@notify.test'))!;
    expect(deutsch).toContain('warten seit Di., 1. Dez. 2026, 08:50 MEZ auf die Telefonanlage');
    expect(mails.some((m) => m.includes(ada.email))).toBe(false);
    await notifier.close();
    await db.prisma.user.delete({ where: { id: german.id } });
    await db.prisma.site.updateMany({ data: { emClusterId: null } });
    await db.prisma.emCluster.delete({ where: { id: cluster.id } });
  });

  it('sends nothing when SMTP is not configured', async () => {
    const notifier = createNotifier({
      config: { smtpUrl: undefined, mailFrom: 'Roost <roost@localhost>' },
      prisma: db.prisma,
      clock,
    });
    expect(notifier.enabled).toBe(false);
    app = await createTestApp(db, clock); // default test config: no ROOST_SMTP_URL
    const before = capture.mails.length;
    const phone = new Phone(app, desk.phone!.deviceName);
    const signIn = await phone.get(`/phone/book/sign-in?device=${phone.device}&until=20261201T1100Z`);
    expect((await phone.submit(signIn, { user: 'ada', pin: '482615' })).text).toMatch(/until 12:00 CET/);
    await notifier.bookingConfirmed((await db.prisma.reservation.findFirstOrThrow()).id);
    await notifier.idle();
    expect(capture.mails.length).toBe(before);
  });

  it('records a notice that could not be sent in the audit trail, without failing the booking', async () => {
    const notifier = createNotifier({
      config: { smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, mailFrom: 'Roost <roost@test.example>' },
      prisma: db.prisma,
      clock,
    });
    const service = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    const r = await service.book({
      actor: actorFor(ada),
      userId: ada.id,
      deskId: desk.id,
      startsAt: new Date('2026-12-01T08:30:00Z'),
      endsAt: new Date('2026-12-01T12:00:00Z'),
    });
    await expect(notifier.bookingConfirmed(r.id)).resolves.toBeUndefined();
    const failed = await db.prisma.auditEvent.findMany({ where: { action: 'notice.failed' } });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ subjectType: 'Reservation', subjectId: String(r.id) });
    expect(failed[0]!.details).toMatchObject({ notice: 'confirmed' });
    await notifier.close();
  });
});
