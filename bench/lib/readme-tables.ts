// The README's benchmark tables, rendered from the result files in bench/results/ (full runs
// only). `npm run bench:readme` writes them between the README's markers
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; test/bench/readme-tables.test.ts fails when
// the README differs from what this would write, so the figures cannot drift from the files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { resultsRoot, type RunInfo } from './results.js';

/** A result file as stored (the run block may hold nulls: not recorded by older runs). */
type Nullable<T> = { [K in keyof T]: T[K] extends object ? Nullable<T[K]> | null : T[K] | null };
export interface StoredResult {
  run: Nullable<Omit<RunInfo, 'parameters'>> & {
    parameters: Record<string, unknown>;
    committedAt?: string;
  };
  [key: string]: unknown;
}

/** The files the README is made from, in the order of its run table. */
export const README_RESULT_FILES = [
  'availability-scaling',
  'availability-scaling-pglite',
  'booking',
  'em-throughput',
  'morning-rush',
  'em-cluster-rush',
  'em-xml-bomb',
] as const;
export type ResultName = (typeof README_RESULT_FILES)[number];
export type Results = Record<ResultName, StoredResult>;

export function loadResults(dir = resultsRoot): Results {
  return Object.fromEntries(
    README_RESULT_FILES.map((name) => [
      name,
      JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as StoredResult,
    ]),
  ) as Results;
}

// --- number formats -----------------------------------------------------------------------
/** 1 000 990 (space as the thousands separator, as in the rest of the README). */
const int = (n: number) => Math.round(n).toLocaleString('en').replace(/,/g, ' ');
const dec = (n: number, digits: number) => {
  const [whole, frac] = n.toFixed(digits).split('.');
  return frac === undefined ? int(Number(whole)) : `${int(Number(whole))}.${frac}`;
};
const times = (n: number, digits = 1) => `${dec(n, digits)}×`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], align: ('l' | 'r')[], rows: (string | number)[][]) =>
  [row(head), row(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(row)].join('\n');

// --- the run table: when, where, with what ----------------------------------------------
const when = (r: StoredResult) => {
  const at = r.run.finishedAt ?? r.run.startedAt;
  if (at) return `${at.slice(0, 16).replace('T', ' ')} UTC`;
  return r.run.committedAt ? `before ${r.run.committedAt.slice(0, 10)} (not recorded)` : 'not recorded';
};
const loadText = (r: StoredResult) => {
  const start = r.run.machine?.loadAverageAtStart?.[0];
  const end = r.run.machine?.loadAverageAtEnd?.[0];
  if (typeof start === 'number' && typeof end === 'number') return `${dec(start, 1)} → ${dec(end, 1)}`;
  if (typeof end === 'number') return `${dec(end, 1)} at the end`;
  if (typeof start === 'number') return `${dec(start, 1)} at the start`;
  return 'not recorded';
};
const keyParameters = (name: ResultName, p: Record<string, unknown>) => {
  const n = (k: string) => (typeof p[k] === 'number' ? int(p[k]) : String(p[k]));
  switch (name) {
    case 'availability-scaling':
    case 'availability-scaling-pglite':
      return `${n('desks')} desks, steps ${(p.steps as number[]).map(int).join(' / ')}, ${n('samples')} samples, ${n('concurrency')} in flight`;
    case 'booking':
      return `${n('desks')} desks, ${n('reservations')} reservations, ${n('samples')} samples`;
    case 'em-throughput':
      return `${n('ops')} logins, ${n('loginLatencyMs')} ms each, Maximum Concurrent Requests ${n('maxConcurrentRequests')}`;
    case 'morning-rush':
      return `${n('phones')} phones, ${n('loginLatencyMs')} ms per login, budget ${n('concurrencyBudget')}, ${n('futureActions')} future actions`;
    case 'em-cluster-rush':
      return `${n('nodes')} nodes, Maximum Concurrent Requests ${n('maxConcurrentRequests')}, ${n('loginLatencyMs')} ms per login; ${n('bigPhones')} / ${n('rushPhones')} / ${n('recoveryPhones')} phones`;
    case 'em-xml-bomb':
      return `${n('requests')} bombs of ${n('bombBytes')} bytes and ${n('requests')} plain queries`;
  }
};

function runTable(results: Results): string {
  return table(
    ['File', 'Made', 'Machine', 'Load (1 min)', 'Node', 'Database', 'Parameters'],
    ['l', 'l', 'l', 'l', 'l', 'l', 'l'],
    README_RESULT_FILES.map((name) => {
      const r = results[name];
      const m = r.run.machine;
      return [
        `\`${name}.json\``,
        when(r),
        m?.cores && m.cpuModel ? `${m.cores} × ${m.cpuModel}` : 'not recorded',
        loadText(r),
        r.run.node ?? 'not recorded',
        r.run.database ?? '—',
        keyParameters(name, r.run.parameters),
      ];
    }),
  );
}

// --- availability-scaling ------------------------------------------------------------------
interface Figures {
  p50Ms: number;
  p95Ms: number;
}
interface ScalingStep {
  reservations: number;
  activeReservations: number;
  baselines: { bareRoute: Figures; selectOne: Figures };
  availability: Figures & { ratios: { toSelectOneP50: number; toBareRouteP50: number } };
  booking: Figures & { ratios: { toSelectOneP50: number; toBareRouteP50: number } };
}
interface Scaling {
  steps: ScalingStep[];
  growth: Record<string, number>;
  throughput: {
    concurrency: number;
    atReservations: number;
    bookingsPerSecond: number;
    bareRoute: { perSecond: number };
    selectOne: { perSecond: number };
  };
  memory: { maxRssMiB: number };
  totalSeconds: number;
}

function scalingTable(result: StoredResult): string {
  const s = result as unknown as Scaling;
  return table(
    [
      'Reservations',
      'Active',
      'Availability p50 / p95 (ms)',
      'Availability p50 ÷ `SELECT 1` / ÷ bare route',
      'Booking p50 / p95 (ms)',
      'Booking p50 ÷ `SELECT 1` / ÷ bare route',
      '`SELECT 1` p50 (ms)',
      'Bare route p50 (ms)',
    ],
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    s.steps.map((st) => [
      int(st.reservations),
      int(st.activeReservations),
      `${dec(st.availability.p50Ms, 1)} / ${dec(st.availability.p95Ms, 1)}`,
      `${times(st.availability.ratios.toSelectOneP50)} / ${times(st.availability.ratios.toBareRouteP50)}`,
      `${dec(st.booking.p50Ms, 1)} / ${dec(st.booking.p95Ms, 1)}`,
      `${times(st.booking.ratios.toSelectOneP50)} / ${times(st.booking.ratios.toBareRouteP50)}`,
      dec(st.baselines.selectOne.p50Ms, 2),
      dec(st.baselines.bareRoute.p50Ms, 2),
    ]),
  );
}

function scalingSummary(results: Results): string {
  return table(
    [
      'File',
      'Database',
      'Availability p50, first → last step',
      'Booking p50, first → last step',
      'The same in `SELECT 1`s',
      'Bookings/s in flight',
      'Bare route/s, `SELECT 1`/s',
      'Peak RSS (MiB)',
      'Whole run (s)',
    ],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    (['availability-scaling', 'availability-scaling-pglite'] as const).map((name) => {
      const s = results[name] as unknown as Scaling;
      const first = s.steps[0]!;
      const last = s.steps.at(-1)!;
      const g = s.growth;
      return [
        `\`${name}.json\``,
        results[name].run.database ?? '—',
        `${dec(first.availability.p50Ms, 1)} → ${dec(last.availability.p50Ms, 1)} ms (${times(g.availabilityP50!, 2)})`,
        `${dec(first.booking.p50Ms, 1)} → ${dec(last.booking.p50Ms, 1)} ms (${times(g.bookingP50!, 2)})`,
        `${times(g.availabilityP50PerSelectOne!, 2)} / ${times(g.bookingP50PerSelectOne!, 2)}`,
        `${dec(s.throughput.bookingsPerSecond, 1)} (${s.throughput.concurrency} in flight, ${int(s.throughput.atReservations)} stored)`,
        `${int(s.throughput.bareRoute.perSecond)} / ${int(s.throughput.selectOne.perSecond)}`,
        dec(s.memory.maxRssMiB, 0),
        dec(s.totalSeconds, 0),
      ];
    }),
  );
}

// --- booking -------------------------------------------------------------------------------
function bookingTable(result: StoredResult): string {
  const b = result as unknown as {
    figures: { baseline: Figures; availability: Figures; booking: Figures };
    ratiosToBaseline: Record<'availability' | 'booking', { p50: number; p95: number }>;
    targets: { availabilityP95Ms: number; bookingP95Ms: number };
  };
  const target = (f: Figures, ms: number) => `< ${ms} ms: ${f.p95Ms < ms ? 'met' : 'missed'}`;
  return table(
    ['Request', 'p50 (ms)', 'p95 (ms)', 'p50 ÷ bare route', 'p95 ÷ bare route', 'Target (p95)'],
    ['l', 'r', 'r', 'r', 'r', 'l'],
    [
      [
        'bare Fastify route',
        dec(b.figures.baseline.p50Ms, 2),
        dec(b.figures.baseline.p95Ms, 2),
        '1×',
        '1×',
        '',
      ],
      [
        'availability',
        dec(b.figures.availability.p50Ms, 2),
        dec(b.figures.availability.p95Ms, 2),
        times(b.ratiosToBaseline.availability.p50, 0),
        times(b.ratiosToBaseline.availability.p95, 0),
        target(b.figures.availability, b.targets.availabilityP95Ms),
      ],
      [
        'booking',
        dec(b.figures.booking.p50Ms, 2),
        dec(b.figures.booking.p95Ms, 2),
        times(b.ratiosToBaseline.booking.p50, 0),
        times(b.ratiosToBaseline.booking.p95, 0),
        target(b.figures.booking, b.targets.bookingP95Ms),
      ],
    ],
  );
}

// --- em-throughput -------------------------------------------------------------------------
function emThroughputTable(result: StoredResult): string {
  const e = result as unknown as {
    parameters: { maxConcurrentRequests: number };
    runs: {
      concurrency: number;
      opsPerSec: number;
      ceilingOpsPerSec: number;
      ratioToCeiling: number;
      ratioToBudget: number;
      busyResponses: number;
    }[];
  };
  const max = e.parameters.maxConcurrentRequests;
  const ceiling = e.runs[0]!.ceilingOpsPerSec;
  return table(
    [
      'Client budget',
      'Logins/s',
      `÷ node ceiling (${dec(ceiling, 1)}/s)`,
      "÷ own budget's ceiling",
      '_Busy_ (26) answers',
    ],
    ['l', 'r', 'r', 'r', 'r'],
    e.runs.map((r) => [
      r.concurrency === max - 1 ? `${r.concurrency} (default, max − 1)` : String(r.concurrency),
      dec(r.opsPerSec, 2),
      dec(r.ratioToCeiling, 3),
      dec(r.ratioToBudget, 3),
      r.busyResponses,
    ]),
  );
}

// --- morning-rush --------------------------------------------------------------------------
function morningRushTable(result: StoredResult): string {
  const m = result as unknown as {
    noLead: {
      phones: number;
      loggedIn: number;
      lastLoginAfterStartMs: number;
      floorMs: number;
      ratioToFloor: number;
      budgetFloorMs: number;
      ratioToBudgetFloor: number;
      target: string;
    };
    defaultLead: {
      phones: number;
      loginLeadMinutes: number;
      readyAtBookedTime: number;
      shareReady: number;
      firstLoginBeforeStartMs: number;
      p95LoginLatencyMs: number;
      target: string;
    };
    tickCost: {
      futureActions: number;
      tickMedianMs: number;
      tickP95Ms: number;
      tickMedianToSelectOne: number;
      housekeepingTickMedianMs: number;
      target: string;
    };
    memory: { peakRssMiBDuringRush: number };
  };
  const s = (ms: number) => `${dec(ms / 1000, 1)} s`;
  return table(
    ['Measure', 'Result', 'Target'],
    ['l', 'l', 'l'],
    [
      [
        `Without lead: last of ${m.noLead.phones} phones logged in after the booked instant`,
        `${s(m.noLead.lastLoginAfterStartMs)} = ${times(m.noLead.ratioToFloor, 2)} the floor of ${s(m.noLead.floorMs)}, ${times(m.noLead.ratioToBudgetFloor, 2)} the ${s(m.noLead.budgetFloorMs)} the default budget allows (${m.noLead.loggedIn} logged in)`,
        m.noLead.target,
      ],
      [
        `With the default ${m.defaultLead.loginLeadMinutes}-minute lead: ready at the booked time`,
        `${m.defaultLead.readyAtBookedTime} of ${m.defaultLead.phones} (${dec(m.defaultLead.shareReady * 100, 0)} %); first login ${s(m.defaultLead.firstLoginBeforeStartMs)} before, planned with p95 login latency ${m.defaultLead.p95LoginLatencyMs} ms`,
        m.defaultLead.target,
      ],
      [
        `Scheduler tick, ${int(m.tickCost.futureActions)} future actions, nothing due`,
        `median ${dec(m.tickCost.tickMedianMs, 2)} ms (${times(m.tickCost.tickMedianToSelectOne, 1)} \`SELECT 1\`), p95 ${dec(m.tickCost.tickP95Ms, 2)} ms; with housekeeping median ${dec(m.tickCost.housekeepingTickMedianMs, 2)} ms`,
        m.tickCost.target,
      ],
      [
        'Peak RSS during the rushes (Roost, scheduler and emulator in one process)',
        `${int(m.memory.peakRssMiBDuringRush)} MiB`,
        '',
      ],
    ],
  );
}

// --- em-xml-bomb ---------------------------------------------------------------------------
function xmlBombTable(result: StoredResult): string {
  const x = result as unknown as {
    figures: {
      bomb: Figures & { maxMs: number; samples: number };
      plainQueryBaseline: Figures & { maxMs: number; samples: number };
      replyCodes: string[];
      emulatorRssMiB: { before: number; after: number };
    };
    targets: { code: number; maxMs: number };
  };
  const f = x.figures;
  return table(
    ['Request', 'Samples', 'p50 (ms)', 'p95 (ms)', 'max (ms)', 'Reply codes', 'Emulator RSS (MiB)'],
    ['l', 'r', 'r', 'r', 'r', 'l', 'l'],
    [
      [
        'billion-laughs body',
        int(f.bomb.samples),
        dec(f.bomb.p50Ms, 1),
        dec(f.bomb.p95Ms, 1),
        dec(f.bomb.maxMs, 1),
        `${f.replyCodes.join(', ')} (target ${x.targets.code}, max < ${x.targets.maxMs} ms)`,
        `${dec(f.emulatorRssMiB.before, 1)} → ${dec(f.emulatorRssMiB.after, 1)}`,
      ],
      [
        'plain query (baseline)',
        int(f.plainQueryBaseline.samples),
        dec(f.plainQueryBaseline.p50Ms, 1),
        dec(f.plainQueryBaseline.p95Ms, 1),
        dec(f.plainQueryBaseline.maxMs, 1),
        '',
        '',
      ],
    ],
  );
}

// --- em-cluster-rush -----------------------------------------------------------------------
function emClusterRushTable(result: StoredResult): string {
  const r = result as unknown as {
    big: {
      phones: number;
      readyAtBookedTime: number;
      shareReady: number;
      peakRssMiB: number;
      target: string;
    };
    noLead: {
      phones: number;
      lastLoginAfterStartMs: number;
      floorMs: number;
      ratioToFloor: number;
      target: string;
    };
    withLead: { phones: number; readyAtBookedTime: number; shareReady: number; target: string };
    recovery: {
      phones: number;
      lastLoginAfterEmBackMs: number;
      floorMs: number;
      ratioToFloor: number;
      target: string;
    };
  };
  const s = (ms: number) => `${dec(ms / 1000, 1)} s`;
  const pct = (x: number) => `${dec(x * 100, 1)} %`;
  return table(
    ['Measure', 'Result', 'Target'],
    ['l', 'l', 'l'],
    [
      [
        `Without lead: last of ${int(r.noLead.phones)} phones logged in after the booked instant`,
        `${s(r.noLead.lastLoginAfterStartMs)} = ${dec(r.noLead.ratioToFloor, 2)}× the floor of ${s(r.noLead.floorMs)}`,
        r.noLead.target,
      ],
      [
        `With the default lead: ${int(r.withLead.phones)} phones ready at the booked time`,
        `${int(r.withLead.readyAtBookedTime)} (${pct(r.withLead.shareReady)})`,
        r.withLead.target,
      ],
      [
        `With the default lead: ${int(r.big.phones)} phones ready at the booked time`,
        `${int(r.big.readyAtBookedTime)} (${pct(r.big.shareReady)})`,
        '>= 99.9 %',
      ],
      [
        `Peak RSS of Roost's process (compiled, alone: emulator and bench in their own), ${int(r.big.phones)} phones`,
        `${int(r.big.peakRssMiB)} MiB`,
        '< 250 MiB',
      ],
      [
        `Recovery: EM back at 09:05 to the last of ${int(r.recovery.phones)} logins`,
        `${s(r.recovery.lastLoginAfterEmBackMs)} = ${dec(r.recovery.ratioToFloor, 2)}× the floor of ${s(r.recovery.floorMs)}`,
        r.recovery.target,
      ],
    ],
  );
}

/** Every generated block of the README, by marker name. */
export function renderBenchBlocks(results: Results): Record<string, string> {
  return {
    runs: runTable(results),
    'availability-scaling': scalingTable(results['availability-scaling']),
    'availability-scaling-pglite': scalingTable(results['availability-scaling-pglite']),
    'scaling-summary': scalingSummary(results),
    booking: bookingTable(results.booking),
    'em-throughput': emThroughputTable(results['em-throughput']),
    'morning-rush': morningRushTable(results['morning-rush']),
    'em-cluster-rush': emClusterRushTable(results['em-cluster-rush']),
    'em-xml-bomb': xmlBombTable(results['em-xml-bomb']),
  };
}

/**
 * The README with every `<!-- bench:NAME -->…<!-- /bench:NAME -->` block replaced, formatted
 * as `prettier --check` wants it. Throws when a block has no marker pair, or a marker pair no block.
 */
export async function renderReadme(readme: string, results: Results, readmePath: string): Promise<string> {
  const blocks = renderBenchBlocks(results);
  let out = readme;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- bench:${name} -->)[\\s\\S]*?(<!-- /bench:${name} -->)`);
    if (!re.test(out))
      throw new Error(`README has no <!-- bench:${name} --> … <!-- /bench:${name} --> block`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}\n\n${body}\n\n${close}`);
  }
  for (const m of out.matchAll(/<!-- bench:([\w-]+) -->/g))
    if (!(m[1]! in blocks)) throw new Error(`README block bench:${m[1]} has no renderer`);
  const options = (await resolveConfig(readmePath)) ?? {};
  return format(out, { ...options, filepath: readmePath });
}
