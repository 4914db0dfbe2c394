/**
 * Booking latency through the whole app (routing, token check, validation, service,
 * database), next to a bare Fastify route measured in the same run.
 *
 *   npx tsx bench/booking.ts [--quick]
 *
 * One floor of 500 desks holding 100 000 reservations (quick: 10 000): every desk is
 * booked 09:00-17:00 on each of 200 days (quick: 20) around "now". Measured one
 * request at a time through app.inject:
 * - availability: GET /api/v1/floors/:id/availability for a working day in the data;
 * - booking: POST /api/v1/reservations for a free evening slot (each a new booking).
 * Database: PostgreSQL when DATABASE_URL is set (in a throw-away database created beside
 * it and dropped afterwards), else PGlite in memory. Targets (PostgreSQL): availability
 * p95 < 50 ms, booking p95 < 100 ms.
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
import { figures, openBenchDatabase, seedBenchFloor, type Figures } from './lib/bench-kit.js';

const quick = process.argv.includes('--quick');
const DESKS = 500;
const DAYS = quick ? 20 : 200;
const USERS = 1000;
const SAMPLES = quick ? 100 : 300;
const WARMUP = 20;
const NOW = new Date('2026-12-01T05:00:00Z');
const PASSWORD = 'bench-password-123';

async function measure(n: number, run: (i: number) => Promise<void>): Promise<Figures> {
  for (let i = 0; i < WARMUP; i++) await run(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return figures(samples);
}

async function seed(db: Database) {
  const prisma = db.prisma;
  const { siteId, floorId, deskIds } = await seedBenchFloor(db, {
    siteName: 'Bench site',
    desks: DESKS,
    maxDaysAhead: 400,
    devicePrefix: 0xa00000,
  });
  const passwordHash = await hashPassword(PASSWORD);
  await prisma.user.createMany({
    data: Array.from({ length: USERS + 1 }, (_, i) => ({
      email: `bench${i}@bench.example`,
      displayName: `Bench ${i}`,
      passwordHash,
      homeSiteId: siteId,
    })),
  });
  const users = await prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
  const booker = users[USERS]!.id; // bench{USERS}: holds no seeded booking
  // Days from -DAYS/2 to +DAYS/2 around now, 09:00-17:00 Berlin (08:00-16:00Z in winter;
  // the exact hour does not matter for the figures). Each day's desks go to distinct users.
  const firstDay = NOW.getTime() - Math.floor(DAYS / 2) * DAY_MS;
  const t0 = performance.now();
  for (let day = 0; day < DAYS; day++) {
    const start = new Date(
      Date.UTC(2026, 0, 1) +
        Math.floor((firstDay - Date.UTC(2026, 0, 1)) / DAY_MS) * DAY_MS +
        day * DAY_MS +
        8 * 3_600_000,
    );
    const end = new Date(start.getTime() + 8 * 3_600_000);
    const past = end < NOW;
    await prisma.reservation.createMany({
      data: deskIds.map((deskId, i) => ({
        deskId,
        userId: users[(i + day * 7) % USERS]!.id,
        startsAt: start,
        endsAt: end,
        status: past ? ('COMPLETED' as const) : ('BOOKED' as const),
      })),
    });
  }
  const seedSeconds = (performance.now() - t0) / 1000;
  await prisma.$executeRawUnsafe('ANALYZE');
  return { floorId, deskIds, booker, seedSeconds, firstDay };
}

async function main() {
  const { db, label, drop } = await openBenchDatabase();
  let app: FastifyInstance | undefined;
  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => ({ ok: true }));
  await bare.ready();
  try {
    console.log(`seeding ${DESKS} desks and ${DESKS * DAYS} reservations into ${label} ...`);
    const data = await seed(db);
    const clock = createManualClock(NOW);
    const config = Object.freeze({
      ...loadConfig({ LOG_LEVEL: 'silent', ROOST_DATA_DIR: '/tmp/roost-bench-unused' }),
      sessionSecret: 'bench-session-secret-that-is-long-enough-0123456789',
    });
    app = await buildApp({ config, db, clock, logger: false });
    await app.ready();
    const tokenRes = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: `bench${USERS}@bench.example`, password: PASSWORD },
    });
    const token = tokenRes.json<{ token: string }>().token;
    const headers = { authorization: `Bearer ${token}` };

    const baseline = await measure(SAMPLES, async () => {
      const res = await bare.inject({ method: 'GET', url: '/bare' });
      if (res.statusCode !== 200) throw new Error('bare route failed');
    });

    // Availability for future days that hold data: each desk is taken 09:00-17:00 there.
    const futureDays = Math.floor(DAYS / 2) - 1;
    const availability = await measure(SAMPLES, async (i) => {
      const day = new Date(NOW.getTime() + ((Math.abs(i) % futureDays) + 1) * DAY_MS);
      const date = day.toISOString().slice(0, 10);
      const res = await app!.inject({
        method: 'GET',
        url: `/api/v1/floors/${data.floorId}/availability?start=${date}T08:00:00Z&end=${date}T17:00:00Z`,
        headers,
      });
      if (res.statusCode !== 200) throw new Error(`availability: ${res.statusCode} ${res.body}`);
      if (res.json<{ desks: unknown[] }>().desks.length !== DESKS)
        throw new Error('availability: wrong desk count');
    });

    // Bookings: one free evening hour per request (desk and day vary, never clash).
    let slot = 0;
    const booking = await measure(SAMPLES, async () => {
      const n = slot++;
      const day = new Date(NOW.getTime() + (1 + (n % 300)) * DAY_MS).toISOString().slice(0, 10);
      const hour = 18 + Math.floor(n / 300);
      const res = await app!.inject({
        method: 'POST',
        url: '/api/v1/reservations',
        headers,
        payload: {
          deskId: data.deskIds[n % DESKS]!,
          start: `${day}T${hour}:00:00+01:00`,
          end: `${day}T${hour}:30:00+01:00`,
        },
      });
      if (res.statusCode !== 201) throw new Error(`booking: ${res.statusCode} ${res.body}`);
    });

    const ratio = (f: Figures) => ({
      p50: Math.round((f.p50Ms / baseline.p50Ms) * 10) / 10,
      p95: Math.round((f.p95Ms / baseline.p95Ms) * 10) / 10,
    });
    const result = {
      benchmark: 'booking',
      at: new Date().toISOString(),
      machine: {
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
      },
      node: process.version,
      database: label,
      parameters: {
        quick,
        desks: DESKS,
        reservations: DESKS * DAYS,
        days: DAYS,
        users: USERS,
        samples: SAMPLES,
        warmup: WARMUP,
      },
      seedSeconds: Math.round(data.seedSeconds * 10) / 10,
      figures: { baseline, availability, booking },
      ratiosToBaseline: { availability: ratio(availability), booking: ratio(booking) },
      targets: {
        note: 'targets apply to PostgreSQL',
        availabilityP95Ms: 50,
        bookingP95Ms: 100,
        availabilityMet: availability.p95Ms < 50,
        bookingMet: booking.p95Ms < 100,
      },
    };
    const table = (name: string, f: Figures) =>
      `${name.padEnd(14)} p50 ${f.p50Ms.toFixed(2).padStart(8)} ms   p95 ${f.p95Ms.toFixed(2).padStart(8)} ms   mean ${f.meanMs.toFixed(2).padStart(8)} ms`;
    console.log(`\n${label}, ${DESKS} desks, ${DESKS * DAYS} reservations, ${SAMPLES} samples each`);
    console.log(table('bare route', baseline));
    console.log(
      `${table('availability', availability)}   (${result.ratiosToBaseline.availability.p95}x bare p95)`,
    );
    console.log(`${table('booking', booking)}   (${result.ratiosToBaseline.booking.p95}x bare p95)`);
    const out = writeResult('booking', result, { database: label });
    console.log(`written ${path.relative(process.cwd(), out)}`);
  } finally {
    await app?.close();
    await bare.close();
    await drop();
  }
}

await main();
