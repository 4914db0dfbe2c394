// The preparing process of em-cluster-rush.ts: migrates the shared bench database, seeds the
// cluster, desks, phones and people, and books person i on desk i for i < n, with their phone
// actions. Prints one JSON line: the booked instant. Run by the bench, never by hand:
//   tsx bench/lib/rush-prepare.ts '{"desks":5000,"n":5000,"serviceUrl":"…","mcr":5,"lead":10,"startsAt":"2026-03-02T08:00:00Z"}'
// With "startsInMs" instead of "startsAt" the bookings are made a day ahead and, once everything
// is in place, moved to start that long after now, so the set-up's own duration does not eat into
// the lead (phone actions move with their booking).
import { DAY_MS } from '../../src/time/clock.js';
import { openBenchTarget } from './bench-kit.js';
import { bookRush, seedRush, shiftBookings } from './rush-kit.js';

const args = JSON.parse(process.argv[2]!) as {
  desks: number;
  n: number;
  serviceUrl: string;
  mcr: number;
  lead: number;
  /** The booked instant (ISO), or: */
  startsAt?: string;
  /** Start this long after the preparation ends. */
  startsInMs?: number;
};
const db = await openBenchTarget();
const seeded = await seedRush(db, {
  desks: args.desks,
  serviceUrl: args.serviceUrl,
  maxConcurrentRequests: args.mcr,
  leadMinutes: args.lead,
});
let startsAt = args.startsAt ? new Date(args.startsAt) : new Date(Date.now() + DAY_MS);
await bookRush(db, seeded, args.n, startsAt);
if (args.startsInMs !== undefined) {
  const target = new Date(Math.ceil((Date.now() + args.startsInMs) / 1000) * 1000);
  await shiftBookings(db, target.getTime() - startsAt.getTime());
  startsAt = target;
}
await db.close();
console.log(JSON.stringify({ startsAt: startsAt.toISOString() }));
