/**
 * How availability and booking latency grow with the number of stored reservations.
 *
 *   npx tsx bench/availability-scaling.ts [--quick] [--steps=1000,10000,...]
 *
 * One floor of 500 desks in one database. Reservations are added in steps (full: 1 000,
 * 10 000, 100 000, 1 000 000; quick: 1 000, 10 000, 50 000) with one INSERT ... SELECT
 * generate_series per chunk, through the exclusion constraints like any booking: the k-th
 * reservation holds desk k mod 500, 09:00-17:00 Berlin, on the day floor(k / 500) spread
 * outward from "now" (today, yesterday, tomorrow, two days ago, ...), so every step adds
 * older history and later bookings alike. Past days are COMPLETED, today and later BOOKED,
 * so 1 000 000 reservations means 2 000 days (about 2.7 years each way) and 500 000 active
 * bookings, a harsher mix than a real booking window. Each desk-day goes to a different
 * one of 1 000 users (the per-person constraint holds). ANALYZE after each step.
 *
 * At each step, one request at a time through app.inject, the four probes taken in turn:
 * - availability: GET /api/v1/floors/:id/availability for today 08:00-17:00Z (all 500 desks
 *   taken in every step, so only the table size changes);
 * - booking: POST /api/v1/reservations for a free evening half hour (each a new booking);
 * - baselines, in the same run and step: a bare Fastify route (app.inject on an empty
 *   Fastify) and a bare `SELECT 1` through the same Prisma client.
 * After the last step: a closed loop of bookings with 8 requests in flight for 5 s (quick:
 * 2 s), each worker booking for its own person, gives the bookings per second one instance
 * sustains; peak RSS (process.resourceUsage().maxRSS) is read after it.
 *
 * Database: PostgreSQL when DATABASE_URL is set (a throw-away database created beside it and
 * dropped afterwards), else PGlite in memory. On PGlite the database lives inside this
 * process, so its RSS includes the whole database; on PostgreSQL it is Roost's alone.
 * Writes bench/results/availability-scaling.json (PGlite: availability-scaling-pglite.json).
 */
import { writeResult } from './lib/results.js';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { createManualClock, DAY_MS } from '../src/time/clock.js';
import { figures, openBenchDatabase, round, seedBenchFloor, type Figures } from './lib/bench-kit.js';

const quick = process.argv.includes('--quick');
const stepsArg = process.argv.find((a) => a.startsWith('--steps='));
const STEPS = stepsArg
  ? stepsArg
      .slice('--steps='.length)
      .split(',')
      .map((s) => Number(s.replace(/_/g, '')))
  : quick
    ? [1_000, 10_000, 50_000]
    : [1_000, 10_000, 100_000, 1_000_000];
if (STEPS.some((n, i) => !Number.isInteger(n) || n <= 0 || (i > 0 && n <= STEPS[i - 1]!)))
  throw new Error(`--steps must be increasing positive integers, got ${stepsArg}`);
const DESKS = 500;
const USERS = 1000;
const SAMPLES = quick ? 20 : 300;
// Before the first step the JIT is cold, so it warms up longer there.
const FIRST_WARMUP = quick ? 10 : 50;
const WARMUP = quick ? 5 : 20;
const CHUNK = 50_000;
const THROUGHPUT_SECONDS = quick ? 2 : 5;
const BASELINE_THROUGHPUT_SECONDS = quick ? 0.5 : 1;
const CONCURRENCY = 8;
const NOW = new Date('2026-12-01T05:00:00Z');
const TODAY = new Date(Date.UTC(2026, 11, 1));
const PASSWORD = 'bench-password-123';
// Evening half hours (UTC+01:00) a booker may take on days 1..BOOKING_DAYS ahead: 18:00 to
// 21:30, so the end stays inside the working day (23:00) in summer time too.
const BOOKING_DAYS = 360;
const HALF_HOURS = 8;
const SLOTS_PER_BOOKER = BOOKING_DAYS * HALF_HOURS;

/**
 * Times each probe `n` times, taking them in turn (probe 1, 2, 3, 4, 1, 2, ...) so that a
 * change in machine load during the step falls on the baselines as much as on the app.
 */
async function measureInTurn<K extends string>(
  n: number,
  warmup: number,
  probes: Record<K, () => Promise<void>>,
): Promise<Record<K, Figures>> {
  const names = Object.keys(probes) as K[];
  for (let i = 0; i < warmup; i++) for (const name of names) await probes[name]();
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < n; i++) {
    for (const name of names) {
      const t0 = performance.now();
      await probes[name]();
      samples[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((name) => [name, figures(samples[name])])) as Record<K, Figures>;
}

/** Closed loop: `concurrency` workers each start the next request when the last one ends. */
async function closedLoop(seconds: number, concurrency: number, run: (worker: number) => Promise<boolean>) {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < until) {
        if (!(await run(worker))) return;
        done++;
      }
    }),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  return { requests: done, seconds: round(elapsedS, 2), perSecond: round(done / elapsedS, 1) };
}

async function seedFloor(db: Database) {
  const prisma = db.prisma;
  const { siteId, floorId, deskIds } = await seedBenchFloor(db, {
    siteName: 'Scaling site',
    desks: DESKS,
    maxDaysAhead: BOOKING_DAYS + 10,
    devicePrefix: 0xc00000,
  });
  const passwordHash = await hashPassword(PASSWORD);
  const user = (email: string, displayName: string) => ({
    email,
    displayName,
    passwordHash,
    homeSiteId: siteId,
  });
  await prisma.user.createMany({
    data: Array.from({ length: USERS }, (_, i) => user(`scale${i}@bench.example`, `Scale ${i}`)),
  });
  // Bookers hold no seeded booking: booker 0 books the latency samples, 1..CONCURRENCY the
  // closed loop, so concurrent bookings never queue on one person's row lock.
  await prisma.user.createMany({
    data: Array.from({ length: CONCURRENCY + 1 }, (_, i) => user(`booker${i}@bench.example`, `Booker ${i}`)),
  });
  return { floorId, deskIds };
}

/** Adds reservations number `from` .. `to - 1` of the layout described at the top. */
async function addReservations(db: Database, floorId: number, from: number, to: number) {
  const day0 = TODAY.toISOString();
  const now = NOW.toISOString();
  // di = k / DESKS is the day index; days go 0, -1, +1, -2, +2, ... around today.
  await db.prisma.$executeRawUnsafe(`
    WITH d AS (SELECT array_agg("id" ORDER BY "id") AS ids FROM "Desk" WHERE "floorId" = ${floorId}),
         u AS (SELECT array_agg("id" ORDER BY "id") AS ids FROM "User" WHERE "email" LIKE 'scale%@bench.example'),
         g AS (
           SELECT k % ${DESKS} AS desk, k / ${DESKS} AS di,
                  CASE WHEN (k / ${DESKS}) % 2 = 0 THEN (k / ${DESKS}) / 2 ELSE -((k / ${DESKS}) + 1) / 2 END AS off
           FROM generate_series(${from}::bigint, ${to - 1}::bigint) AS k
         ),
         r AS (
           SELECT d.ids[g.desk + 1] AS "deskId",
                  u.ids[((g.desk + g.di * 7) % ${USERS}) + 1] AS "userId",
                  timestamptz '${day0}' + g.off * interval '1 day' + interval '8 hours' AS "startsAt",
                  timestamptz '${day0}' + g.off * interval '1 day' + interval '16 hours' AS "endsAt"
           FROM g, d, u
         )
    INSERT INTO "Reservation" ("deskId", "userId", "startsAt", "endsAt", "status", "createdAt", "updatedAt")
    SELECT "deskId", "userId", "startsAt", "endsAt",
           (CASE WHEN "endsAt" <= timestamptz '${now}' THEN 'COMPLETED' ELSE 'BOOKED' END)::"ReservationStatus",
           timestamptz '${now}', timestamptz '${now}'
    FROM r`);
}

async function main() {
  const { db, label, drop } = await openBenchDatabase();
  const prisma = db.prisma;
  let app: FastifyInstance | undefined;
  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => ({ ok: true }));
  await bare.ready();
  const loadBefore = os.loadavg();
  const started = performance.now();
  try {
    const { floorId, deskIds } = await seedFloor(db);
    const config = Object.freeze({
      ...loadConfig({ LOG_LEVEL: 'silent', ROOST_DATA_DIR: '/tmp/roost-bench-unused' }),
      sessionSecret: 'bench-session-secret-that-is-long-enough-0123456789',
    });
    app = await buildApp({ config, db, clock: createManualClock(NOW), logger: false });
    await app.ready();
    const headers: { authorization: string }[] = [];
    for (let i = 0; i <= CONCURRENCY; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { email: `booker${i}@bench.example`, password: PASSWORD },
      });
      if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`token: ${res.statusCode}`);
      headers.push({ authorization: `Bearer ${res.json<{ token: string }>().token}` });
    }

    // Booker b's m-th booking: its own day and half hour (no overlap for the person), on a
    // desk no other booker takes in that half hour (31 * b differs mod 500 for b < 16).
    const nextSlot = Array.from({ length: CONCURRENCY + 1 }, () => 0);
    const book = async (booker: number): Promise<boolean> => {
      const m = nextSlot[booker]!++;
      if (m >= SLOTS_PER_BOOKER) return false;
      const day = new Date(NOW.getTime() + (1 + (m % BOOKING_DAYS)) * DAY_MS).toISOString().slice(0, 10);
      const minutes = 18 * 60 + 30 * Math.floor(m / BOOKING_DAYS);
      const hhmm = (t: number) =>
        `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
      const res = await app!.inject({
        method: 'POST',
        url: '/api/v1/reservations',
        headers: headers[booker]!,
        payload: {
          deskId: deskIds[(booker * 31 + m) % DESKS]!,
          start: `${day}T${hhmm(minutes)}:00+01:00`,
          end: `${day}T${hhmm(minutes + 30)}:00+01:00`,
        },
      });
      if (res.statusCode !== 201) throw new Error(`booking: ${res.statusCode} ${res.body}`);
      return true;
    };
    const availabilityUrl = `/api/v1/floors/${floorId}/availability?start=${TODAY.toISOString().slice(0, 10)}T08:00:00Z&end=${TODAY.toISOString().slice(0, 10)}T17:00:00Z`;

    console.log(
      `[setup] ${label}, ${DESKS} desks, ${USERS} users, app ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const steps = [];
    let stored = 0;
    for (const [i, target] of STEPS.entries()) {
      const tag = `[step ${i + 1}/${STEPS.length}]`;
      const t0 = performance.now();
      for (let from = stored; from < target; from += CHUNK) {
        const to = Math.min(target, from + CHUNK);
        await addReservations(db, floorId, from, to);
        process.stdout.write(
          `\r${tag} inserting reservations: ${to.toLocaleString('en')} / ${target.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
      stored = target;
      await prisma.$executeRawUnsafe('ANALYZE');
      const insertSeconds = round((performance.now() - t0) / 1000, 1);
      const counted = await prisma.reservation.count();
      const active = await prisma.reservation.count({ where: { status: 'BOOKED' } });
      console.log(
        `\n${tag} ${counted.toLocaleString('en')} reservations (${active.toLocaleString('en')} active), inserted in ${insertSeconds} s; measuring ...`,
      );

      const { bareRoute, selectOne, availability, booking } = await measureInTurn(
        SAMPLES,
        i === 0 ? FIRST_WARMUP : WARMUP,
        {
          bareRoute: async () => {
            const res = await bare.inject({ method: 'GET', url: '/bare' });
            if (res.statusCode !== 200) throw new Error('bare route failed');
          },
          selectOne: async () => {
            await prisma.$queryRawUnsafe('SELECT 1');
          },
          availability: async () => {
            const res = await app!.inject({ method: 'GET', url: availabilityUrl, headers: headers[0]! });
            if (res.statusCode !== 200) throw new Error(`availability: ${res.statusCode} ${res.body}`);
            const desks = res.json<{ desks: { available: boolean }[] }>().desks;
            if (desks.length !== DESKS || desks.some((d) => d.available))
              throw new Error('availability: expected every desk taken');
          },
          booking: async () => {
            if (!(await book(0))) throw new Error('booker 0 ran out of free slots');
          },
        },
      );
      const ratios = (f: Figures) => ({
        toBareRouteP50: round(f.p50Ms / bareRoute.p50Ms, 1),
        toBareRouteP95: round(f.p95Ms / bareRoute.p95Ms, 1),
        toSelectOneP50: round(f.p50Ms / selectOne.p50Ms, 1),
        toSelectOneP95: round(f.p95Ms / selectOne.p95Ms, 1),
      });
      const step = {
        reservations: counted,
        activeReservations: active,
        insertSeconds,
        baselines: { bareRoute, selectOne },
        availability: { ...availability, ratios: ratios(availability) },
        booking: { ...booking, ratios: ratios(booking) },
        loadAverage: os.loadavg().map((n) => round(n, 2)),
      };
      steps.push(step);
      const line = (name: string, f: Figures, extra = '') =>
        `  ${name.padEnd(13)} p50 ${f.p50Ms.toFixed(3).padStart(8)} ms  p95 ${f.p95Ms.toFixed(3).padStart(8)} ms${extra}`;
      console.log(line('bare route', bareRoute));
      console.log(line('SELECT 1', selectOne));
      console.log(
        line(
          'availability',
          availability,
          `  (p95 ${step.availability.ratios.toSelectOneP95}x SELECT 1, ${step.availability.ratios.toBareRouteP95}x bare route)`,
        ),
      );
      console.log(
        line(
          'booking',
          booking,
          `  (p95 ${step.booking.ratios.toSelectOneP95}x SELECT 1, ${step.booking.ratios.toBareRouteP95}x bare route)`,
        ),
      );
    }

    console.log(
      `[throughput] closed loop, ${CONCURRENCY} in flight: bare route and SELECT 1 for ${BASELINE_THROUGHPUT_SECONDS} s each, bookings for ${THROUGHPUT_SECONDS} s ...`,
    );
    const bareThroughput = await closedLoop(BASELINE_THROUGHPUT_SECONDS, CONCURRENCY, async () => {
      await bare.inject({ method: 'GET', url: '/bare' });
      return true;
    });
    const selectOneThroughput = await closedLoop(BASELINE_THROUGHPUT_SECONDS, CONCURRENCY, async () => {
      await prisma.$queryRawUnsafe('SELECT 1');
      return true;
    });
    const bookingThroughput = await closedLoop(THROUGHPUT_SECONDS, CONCURRENCY, (w) => book(w + 1));
    const throughput = {
      concurrency: CONCURRENCY,
      atReservations: stored,
      bookings: bookingThroughput,
      bareRoute: bareThroughput,
      selectOne: selectOneThroughput,
      bookingsPerSecond: bookingThroughput.perSecond,
      ratioToBareRoute: round(bookingThroughput.perSecond / bareThroughput.perSecond, 4),
      ratioToSelectOne: round(bookingThroughput.perSecond / selectOneThroughput.perSecond, 4),
    };
    const maxRssKiB = process.resourceUsage().maxRSS;

    const first = steps[0]!;
    const last = steps.at(-1)!;
    const growth = {
      fromReservations: first.reservations,
      toReservations: last.reservations,
      availabilityP50: round(last.availability.p50Ms / first.availability.p50Ms, 2),
      availabilityP95: round(last.availability.p95Ms / first.availability.p95Ms, 2),
      bookingP50: round(last.booking.p50Ms / first.booking.p50Ms, 2),
      bookingP95: round(last.booking.p95Ms / first.booking.p95Ms, 2),
      // The same growth with each step's latency first divided by that step's SELECT 1, so a
      // change of machine load between steps weighs less.
      availabilityP50PerSelectOne: round(
        last.availability.ratios.toSelectOneP50 / first.availability.ratios.toSelectOneP50,
        2,
      ),
      bookingP50PerSelectOne: round(
        last.booking.ratios.toSelectOneP50 / first.booking.ratios.toSelectOneP50,
        2,
      ),
    };
    const result = {
      benchmark: 'availability-scaling',
      at: new Date().toISOString(),
      machine: {
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
        loadAverageAtStart: loadBefore.map((n) => round(n, 2)),
        loadAverageAtEnd: os.loadavg().map((n) => round(n, 2)),
      },
      node: process.version,
      database: label,
      parameters: {
        quick,
        steps: STEPS,
        desks: DESKS,
        users: USERS,
        samples: SAMPLES,
        warmup: { firstStep: FIRST_WARMUP, laterSteps: WARMUP },
        availabilityRange: 'today 08:00-17:00Z, all 500 desks taken',
        booking: 'a free evening half hour, one request at a time',
        throughputSeconds: THROUGHPUT_SECONDS,
        baselineThroughputSeconds: BASELINE_THROUGHPUT_SECONDS,
        concurrency: CONCURRENCY,
      },
      steps,
      growth,
      throughput,
      memory: {
        maxRssMiB: round(maxRssKiB / 1024, 1),
        note:
          db.kind === 'pglite'
            ? 'PGlite runs inside this process: RSS includes the whole database'
            : "PostgreSQL runs in its own processes: RSS is Roost's alone",
      },
      totalSeconds: round((performance.now() - started) / 1000, 1),
    };

    console.log(
      `growth ${growth.fromReservations.toLocaleString('en')} -> ${growth.toReservations.toLocaleString('en')} reservations: ` +
        `availability p50 x${growth.availabilityP50} p95 x${growth.availabilityP95}, booking p50 x${growth.bookingP50} p95 x${growth.bookingP95} ` +
        `(per SELECT 1: availability x${growth.availabilityP50PerSelectOne}, booking x${growth.bookingP50PerSelectOne})`,
    );
    console.log(
      `throughput at ${stored.toLocaleString('en')} reservations: ${throughput.bookingsPerSecond} bookings/s ` +
        `(bare route ${bareThroughput.perSecond}/s, SELECT 1 ${selectOneThroughput.perSecond}/s); peak RSS ${result.memory.maxRssMiB} MiB`,
    );
    // PGlite's figures go beside PostgreSQL's, never over them (the README shows both).
    const name = db.kind === 'pglite' ? 'availability-scaling-pglite' : 'availability-scaling';
    const out = writeResult(name, result, { database: label });
    console.log(`written ${path.relative(process.cwd(), out)}`);
  } finally {
    await app?.close();
    await bare.close();
    await drop();
  }
}

await main();
