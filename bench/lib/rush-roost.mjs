// The Roost process of em-cluster-rush.ts's big run, as production runs Roost: the compiled
// code in dist/ (`npm run build`; the Dockerfile's `node dist/server.js`), under plain node
// (tsx alone adds some 50 MiB). Its scheduler, EM clients and Prisma work over the database
// rush-prepare.ts filled, ticking at each whole second of real time as node-cron does, with none
// of the bench's own measuring (the emulator's 5 000-device state, the counting) in it, so its
// peak RSS is Roost's alone. Plain JavaScript because it loads dist/, not src/; it mirrors
// rushScheduler and tickLoop of rush-kit.ts. Exits when every login is done or at `untilMs`,
// printing one JSON line. Run by the bench, never by hand:
//   node bench/lib/rush-roost.mjs '{"n":5000,"untilMs":1767000000000,"appPassword":"…"}'
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../dist/config.js';
import { openDatabase } from '../../dist/db/database.js';
import { createEmClientRegistry } from '../../dist/scheduler/em-clients.js';
import { createScheduler } from '../../dist/scheduler/scheduler.js';
import { systemClock } from '../../dist/time/clock.js';

const args = JSON.parse(process.argv[2]);
const url = process.env.BENCH_TARGET_URL;
const db = url
  ? await openDatabase({ databaseUrl: url, poolSize: 10 })
  : await openDatabase({ dataDir: process.env.BENCH_DATA_DIR });
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const base = loadConfig({ LOG_LEVEL: 'silent' });
const config = { ...base, em: { ...base.em, appPassword: args.appPassword } };
const scheduler = createScheduler({
  prisma: db.prisma,
  clock: systemClock,
  log: silent,
  emClients: createEmClientRegistry({ prisma: db.prisma, config, clock: systemClock }),
});

// What the peak is made of, sampled after each tick (diagnosis when the target is missed).
const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const loginsDone = async () =>
  (await db.prisma.phoneAction.count({ where: { kind: 'LOGIN', state: 'DONE' } })) === args.n;
while (Date.now() < args.untilMs) {
  await sleep(1000 - (Date.now() % 1000));
  await scheduler.tick(systemClock.now());
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
  if (await loginsDone()) break;
}
const failed = await db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } });
await scheduler.stop();
await db.close();
const mib = (bytes) => Math.round(bytes / 2 ** 20);
console.log(
  JSON.stringify({
    failed,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakMiB: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, mib(v)])),
  }),
);
process.exit(0);
