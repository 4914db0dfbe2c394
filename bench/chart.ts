/**
 * Draws bench/results/availability-scaling.svg from bench/results/availability-scaling.json:
 * p95 latency of availability and booking against the number of stored reservations (log
 * scale), for the README.
 *
 *   npx tsx bench/chart.ts [--quick]   (--quick: bench/results/quick/)
 *
 * Not a benchmark itself: bench/run.ts skips files starting with `_` and this one by name,
 * and calls it after the benchmarks. Plain SVG with a title, a description holding the
 * figures as text, and lines told apart by dash and marker as well as colour.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isQuick, resultsDir } from './lib/results.js';

interface Step {
  reservations: number;
  availability: { p95Ms: number; p50Ms: number };
  booking: { p95Ms: number; p50Ms: number };
}
interface ScalingResult {
  at: string;
  database: string;
  machine: { cpuModel: string; cores: number };
  steps: Step[];
}

const WIDTH = 640;
const HEIGHT = 340;
const PAD = { left: 64, right: 24, top: 56, bottom: 64 };

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1 000 -> "1k", 1 000 000 -> "1M"; two significant digits (10 050 -> "10k"). */
function shortCount(n: number): string {
  const r = Number(n.toPrecision(2));
  if (r >= 1e6) return `${r / 1e6}M`;
  if (r >= 1e3) return `${r / 1e3}k`;
  return String(r);
}

/** A round upper bound for the y axis and a tick step that divides it. */
function niceScale(max: number): { top: number; step: number } {
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function renderScalingChart(result: ScalingResult): string {
  const steps = result.steps;
  const xs = steps.map((s) => s.reservations);
  const lo = Math.log10(Math.min(...xs));
  const hi = Math.log10(Math.max(...xs));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const { top, step } = niceScale(Math.max(...steps.flatMap((s) => [s.availability.p95Ms, s.booking.p95Ms])));
  const x = (n: number) => PAD.left + (hi === lo ? plotW / 2 : ((Math.log10(n) - lo) / (hi - lo)) * plotW);
  const y = (ms: number) => PAD.top + plotH - (ms / top) * plotH;
  const f = (n: number) => n.toFixed(1);

  const series = [
    { name: 'availability', label: 'Availability p95', colour: '#1f5fa8', dash: '', marker: 'circle' },
    { name: 'booking', label: 'Booking p95', colour: '#b34a00', dash: '6 4', marker: 'square' },
  ] as const;

  const parts: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#d0d0d0"/>`,
      `<text x="${PAD.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">${+v.toFixed(2)}</text>`,
    );
  }
  for (const n of xs) {
    parts.push(
      `<line x1="${f(x(n))}" x2="${f(x(n))}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH + 5}" stroke="#555"/>`,
      `<text x="${f(x(n))}" y="${PAD.top + plotH + 20}" text-anchor="middle">${shortCount(n)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#555"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 18}" text-anchor="middle">Reservations stored (log scale)</text>`,
    `<text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PAD.top + plotH / 2})">p95 latency (ms)</text>`,
  );
  for (const [i, s] of series.entries()) {
    const other = series[1 - i]!.name;
    const points = steps.map(
      (st) => [x(st.reservations), y(st[s.name].p95Ms), st[s.name].p95Ms, st[other].p95Ms] as const,
    );
    parts.push(
      `<polyline fill="none" stroke="${s.colour}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${points.map(([px, py]) => `${f(px)},${f(py)}`).join(' ')}"/>`,
    );
    for (const [px, py, ms, otherMs] of points) {
      parts.push(
        s.marker === 'circle'
          ? `<circle cx="${f(px)}" cy="${f(py)}" r="4.5" fill="${s.colour}"/>`
          : `<rect x="${f(px - 4)}" y="${f(py - 4)}" width="8" height="8" fill="${s.colour}"/>`,
        // The value goes on the side away from the other line, so the two labels never meet.
        `<text x="${f(px)}" y="${f(ms >= otherMs ? py - 10 : py + 18)}" text-anchor="middle" fill="${s.colour}">${ms.toFixed(1)}</text>`,
      );
    }
    const lx = PAD.left + 8 + i * 190;
    parts.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="40" y2="40" stroke="${s.colour}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${lx + 34}" y="44">${s.label}</text>`,
    );
  }

  const title = `Availability and booking p95 latency by reservations stored, ${result.database}`;
  const desc =
    `Measured ${result.at.slice(0, 10)} on ${result.machine.cores} cores (${result.machine.cpuModel}). ` +
    steps
      .map(
        (s) =>
          `${s.reservations.toLocaleString('en')} reservations: availability p95 ${s.availability.p95Ms.toFixed(1)} ms, booking p95 ${s.booking.p95Ms.toFixed(1)} ms.`,
      )
      .join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="12" fill="#222">
<title id="chart-title">${escapeXml(title)}</title>
<desc id="chart-desc">${escapeXml(desc)}</desc>
<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>
<text x="${PAD.left}" y="22" font-size="14" font-weight="600">${escapeXml(`p95 latency vs reservations stored, ${result.database.replace(/ \(.*\)$/, '')}`)}</text>
${parts.join('\n')}
</svg>
`;
}

// A quick run's chart goes beside its figures in bench/results/quick/, never over the reference.
const results = resultsDir(isQuick());
// PostgreSQL's figures when there are any, else PGlite's (a quick run without DATABASE_URL).
const input = ['availability-scaling.json', 'availability-scaling-pglite.json']
  .map((file) => path.join(results, file))
  .reduce((found, file) => (existsSync(found) ? found : file));
if (!existsSync(input)) {
  console.log(`chart: no ${path.relative(process.cwd(), input)} yet, nothing to draw`);
} else {
  const output = path.join(results, 'availability-scaling.svg');
  writeFileSync(output, renderScalingChart(JSON.parse(readFileSync(input, 'utf8')) as ScalingResult));
  console.log(`chart: written ${path.relative(process.cwd(), output)}`);
}
