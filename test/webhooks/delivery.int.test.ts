import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, createBookingService, type BookingActor } from '../../src/booking/booking-service.js';
import { claimDueActions, finishAction } from '../../src/scheduler/claim.js';
import { createManualClock, DAY_MS, MINUTE_MS, type ManualClock } from '../../src/time/clock.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createWebhookEndpointsService } from '../../src/webhooks/endpoints-service.js';
import { createUrlGuard } from '../../src/webhooks/url-guard.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { Receiver } from './receiver.js';

// Tuesday 1 Dec 2026, 07:00 in Berlin (UTC+1).
const NOW = '2026-12-01T06:00:00Z';
const at = (hhmmZ: string) => new Date(`2026-12-01T${hhmmZ}:00Z`);
const quiet = { info() {}, warn() {}, error() {} };

describe.each(dbTargets)('webhook deliveries (%s)', (target) => {
  let db: TestDatabase;
  let clock: ManualClock;
  let bookings: ReturnType<typeof createBookingService>;
  let endpoints: ReturnType<typeof createWebhookEndpointsService>;
  let dispatcher: WebhookDispatcher;
  let receiver: Receiver;
  let deskIds: number[];
  let ada: BookingActor;
  let frances: BookingActor;
  const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'] });
  const newDispatcher = (instanceId: string, timeoutMs = 2_000) =>
    createWebhookDispatcher({ prisma: db.prisma, clock, log: quiet, guard, instanceId, timeoutMs });

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    bookings = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    endpoints = createWebhookEndpointsService({ prisma: db.prisma, clock, guard });
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    const floor = await createFloor(db.prisma, site.id);
    deskIds = [];
    for (let i = 0; i < 12; i++) deskIds.push((await createDesk(db.prisma, floor.id)).id);
    ada = actorFor(await createUser(db.prisma, { homeSiteId: site.id }));
    frances = actorFor(await createUser(db.prisma, { role: 'FACILITIES', homeSiteId: site.id }));
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await db?.destroy();
  });

  beforeEach(async () => {
    clock.set(NOW);
    receiver.received = [];
    receiver.hits = [];
    receiver.mode = { kind: 'ok' };
    await db.prisma.webhookEndpoint.deleteMany();
    await db.prisma.phoneAction.deleteMany();
    await db.prisma.reservation.deleteMany();
    dispatcher = newDispatcher('roost-a');
  });

  async function subscribe(events: string[], url = receiver.url) {
    const { endpoint, secret } = await endpoints.create(frances, { url, events });
    receiver.secret = secret;
    return endpoint;
  }
  const book = (desk: number, from: string, to: string, actor = ada) =>
    bookings.book({ actor, userId: actor.id!, deskId: deskIds[desk]!, startsAt: at(from), endsAt: at(to) });
  const deliveries = () => db.prisma.webhookDelivery.findMany({ orderBy: { id: 'asc' } });

  it('signs each delivery per Standard Webhooks; the secret is whsec_ and shown once', async () => {
    const endpoint = await subscribe(['reservation.created', 'reservation.cancelled']);
    expect(receiver.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(JSON.stringify(await endpoints.list())).not.toContain(receiver.secret);
    const r = await book(0, '08:00', '12:00');
    await bookings.cancel({ actor: ada, reservationId: r.id });

    const report = await dispatcher.tick(clock.now());
    expect(report).toMatchObject({ claimed: 2, delivered: 2, retried: 0, failed: 0 });
    expect(receiver.types()).toEqual(['reservation.created', 'reservation.cancelled']);
    for (const m of receiver.received) {
      expect(m.verified).toBe(true);
      expect(m.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(m.timestamp).toBe(Math.floor(clock.now().getTime() / 1000));
      expect(m.json.data.reservation).toMatchObject({ id: r.id, start: at('08:00').toISOString() });
    }
    expect(receiver.received[1]!.json.data.reservation.status).toBe('CANCELLED');
    // A tampered body does not verify with that secret.
    const { id, timestamp, signature } = receiver.received[0]!;
    const { verifySignature } = await import('./receiver.js');
    expect(
      verifySignature(receiver.secret, { id, timestamp: String(timestamp), signature }, '{"type":"x"}'),
    ).toBe(false);
    expect((await endpoints.get(endpoint.id)).status).toBe('ok');
    expect(await dispatcher.tick(clock.now())).toMatchObject({ claimed: 0 });
  });

  it('writes the outbox row in the booking transaction: none for a refused booking or an unsubscribed event', async () => {
    await subscribe(['reservation.cancelled']);
    const r = await book(0, '08:00', '12:00');
    expect(await deliveries()).toHaveLength(0); // created: not subscribed
    await expect(book(0, '09:00', '10:00', frances)).rejects.toThrow(/already taken/);
    await expect(bookings.cancel({ actor: frances, reservationId: r.id + 999 })).rejects.toThrow();
    expect(await deliveries()).toHaveLength(0);
    await bookings.cancel({ actor: ada, reservationId: r.id });
    const rows = await deliveries();
    expect(rows.map((d) => [d.eventType, d.state, d.orderKey])).toEqual([
      ['reservation.cancelled', 'PENDING', `reservation:${r.id}`],
    ]);
    // The same audit row and outbox row, one commit.
    expect(
      await db.prisma.auditEvent.count({ where: { action: 'reservation.cancel', subjectId: String(r.id) } }),
    ).toBe(1);
  });

  it('keeps each booking in order while its receiver is down, then delivers everything once it is back', async () => {
    await subscribe(['reservation.created', 'reservation.extended', 'reservation.checked_in']);
    const r = await book(0, '07:00', '09:00');
    clock.set(at('06:50'));
    await bookings.checkIn({ actor: ada, reservationId: r.id });
    await bookings.extend({ actor: ada, reservationId: r.id, endsAt: at('10:00') });
    const other = await book(1, '08:00', '09:00', frances);

    receiver.mode = { kind: 'status', status: 503 };
    const first = await dispatcher.tick(clock.now());
    // Only the head of each booking's queue was tried: two bookings, two attempts.
    expect(first).toMatchObject({ claimed: 2, delivered: 0, retried: 2 });
    expect(receiver.hits).toHaveLength(2);
    const waiting = await deliveries();
    expect(waiting.filter((d) => d.attempts === 1).map((d) => d.lastError)).toEqual([
      'answered 503',
      'answered 503',
    ]);
    expect(waiting.filter((d) => d.attempts === 0)).toHaveLength(2);

    // Backoff: nothing is due again before 15 s; then 30 s after the second failure (capped later).
    receiver.mode = { kind: 'ok' };
    expect(await dispatcher.tick(new Date(clock.now().getTime() + 10_000))).toMatchObject({ claimed: 0 });
    await receiver.stop(); // now not even listening
    clock.advance(15_000);
    expect(await dispatcher.tick(clock.now())).toMatchObject({ retried: 2 });
    const refused = (await deliveries()).find((d) => d.attempts === 2)!;
    expect(refused.lastError).toMatch(/ECONNREFUSED/);
    expect(refused.nextAttemptAt.getTime() - clock.now().getTime()).toBe(30_000);

    await receiver.start(receiver.port);
    clock.advance(30_000);
    expect(await dispatcher.tick(clock.now())).toMatchObject({ delivered: 4, retried: 0 });
    const mine = receiver.received.filter((m) => m.json.data.reservation.id === r.id);
    expect(mine.map((m) => m.json.type)).toEqual([
      'reservation.created',
      'reservation.checked_in',
      'reservation.extended',
    ]);
    expect(receiver.received.filter((m) => m.json.data.reservation.id === other.id)).toHaveLength(1);
    expect(new Set(receiver.received.map((m) => m.id)).size).toBe(4);
    expect((await deliveries()).every((d) => d.state === 'DELIVERED')).toBe(true);
  });

  it('sends a release with the booking as it is after the release', async () => {
    await subscribe(['reservation.released']);
    const r = await book(6, '07:00', '09:00');
    clock.set(at('08:00'));
    await bookings.release({ actor: ada, reservationId: r.id });
    await dispatcher.tick(clock.now());
    expect(
      receiver.received.map((m) => [
        m.json.type,
        m.json.data.reservation.status,
        m.json.data.reservation.end,
      ]),
    ).toEqual([['reservation.released', 'RELEASED', at('08:00').toISOString()]]);
    expect(receiver.received[0]!.json.timestamp).toBe(at('08:00').toISOString());
  });

  it('gives up on a receiver that answers too slowly only after a day, and shows the endpoint failing', async () => {
    const endpoint = await subscribe(['reservation.created']);
    await book(2, '08:00', '09:00');
    receiver.mode = { kind: 'slow', ms: 1_500 };
    const slow = newDispatcher('roost-slow', 200);
    const started = process.hrtime.bigint();
    expect(await slow.tick(clock.now())).toMatchObject({ retried: 1 });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_200);
    const [d] = await deliveries();
    expect(d!.lastError).toBe('no answer within 0.2 s');
    expect((await endpoints.get(endpoint.id)).status).toBe('retrying');

    // Still slow a day later: given up, and the endpoint says so.
    clock.advance(DAY_MS);
    expect(await slow.tick(clock.now())).toMatchObject({ failed: 1 });
    expect((await deliveries())[0]!.state).toBe('FAILED');
    const view = await endpoints.get(endpoint.id);
    expect(view).toMatchObject({ status: 'failing', failed: 1, pending: 0 });
    const log = await endpoints.deliveries(endpoint.id);
    expect(log[0]).toMatchObject({ eventType: 'reservation.created', state: 'FAILED', lastStatus: null });
  });

  it('does not follow redirects', async () => {
    await subscribe(['reservation.created']);
    await book(3, '08:00', '09:00');
    receiver.mode = { kind: 'status', status: 302 };
    expect(await dispatcher.tick(clock.now())).toMatchObject({ retried: 1 });
    expect((await deliveries())[0]).toMatchObject({
      lastStatus: 302,
      lastError: 'answered 302: redirects are not followed',
    });
  });

  it('refuses at delivery time an address the guard refuses, even if the endpoint was accepted before', async () => {
    await subscribe(['reservation.created']);
    await book(4, '08:00', '09:00');
    // Same database, another instance whose allow-list no longer names 127.0.0.1.
    const strict = createWebhookDispatcher({
      prisma: db.prisma,
      clock,
      log: quiet,
      guard: createUrlGuard({ allowedHosts: [] }),
    });
    expect(await strict.tick(clock.now())).toMatchObject({ retried: 1 });
    expect((await deliveries())[0]!.lastError).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(receiver.hits).toHaveLength(0);
  });

  it('two Roost instances deliver every event exactly once', async () => {
    await subscribe(['reservation.created']);
    for (let i = 0; i < 10; i++) {
      const person = actorFor(await createUser(db.prisma));
      await book(i, '08:00', '09:00', person);
    }
    const expected = 10;
    expect(await db.prisma.webhookDelivery.count()).toBe(expected);
    const a = newDispatcher('roost-a');
    const b = newDispatcher('roost-b');
    const [ra, rb] = await Promise.all([a.tick(clock.now()), b.tick(clock.now())]);
    expect(ra.delivered + rb.delivered).toBe(expected);
    expect(receiver.hits).toHaveLength(expected);
    expect(new Set(receiver.hits).size).toBe(expected);
    expect(await db.prisma.webhookDelivery.count({ where: { state: 'DELIVERED' } })).toBe(expected);
  });

  it('writes phone events with the final state of a phone action, in order after the booking', async () => {
    await subscribe(['reservation.created', 'phone.logged_in', 'phone.failed']);
    const r = await book(5, '08:00', '09:00');
    clock.set(at('08:00'));
    const [login] = await claimDueActions(db.prisma, {
      now: clock.now(),
      clusterId: null,
      limit: 10,
      leaseOwner: 'test',
      leaseMs: MINUTE_MS,
    });
    expect(login).toMatchObject({ kind: 'LOGIN', reservationId: r.id });
    await finishAction(db.prisma, login!, { state: 'DONE', at: clock.now(), outcome: 'logged in' });
    // A second finish of the same claim changes nothing and writes no second event.
    expect(await finishAction(db.prisma, login!, { state: 'DONE', at: clock.now(), outcome: 'x' })).toBe(
      false,
    );
    await dispatcher.tick(clock.now());
    expect(receiver.types()).toEqual(['reservation.created', 'phone.logged_in']);
    expect(receiver.received[1]!.json.data).toMatchObject({
      phone: { deviceName: login!.deviceName },
      reservationId: r.id,
      action: { kind: 'LOGIN', state: 'DONE', outcome: 'logged in' },
    });
  });
});
