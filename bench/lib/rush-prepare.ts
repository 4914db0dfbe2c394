// The preparing process of em-cluster-rush.ts: migrates the shared bench database, seeds the
// cluster, desks, phones and people, and books person i on desk i for i < n, with their phone
// actions. Prints one JSON line: the booked instant. Run by the bench, never by hand:
//   tsx bench/lib/rush-prepare.ts '{"desks":5000,"n":5000,"serviceUrl":"…","mcr":5,"lead":10,"startsAt":"2026-03-02T08:00:00Z"}'
import { openBenchTarget } from './bench-kit.js';
import { bookRush, seedRush } from './rush-kit.js';

const args = JSON.parse(process.argv[2]!) as {
  desks: number;
  n: number;
  serviceUrl: string;
  mcr: number;
  lead: number;
  /** The booked instant (ISO). */
  startsAt: string;
};
const db = await openBenchTarget();
const seeded = await seedRush(db, {
  desks: args.desks,
  serviceUrl: args.serviceUrl,
  maxConcurrentRequests: args.mcr,
  leadMinutes: args.lead,
});
const startsAt = new Date(args.startsAt);
await bookRush(db, seeded, args.n, startsAt);
await db.close();
console.log(JSON.stringify({ startsAt: startsAt.toISOString() }));
