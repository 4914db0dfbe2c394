/**
 * Small server-rendered SVG charts. Each is an image with a title and a description
 * (role="img", aria-labelledby) and carries no script and no inline style (the page's
 * CSP allows neither): colours come from classes in public/roost.css. Every piece of
 * text is escaped here, which is why a view may output the result raw. The same
 * numbers are always in a table beside the chart; the chart is never the only copy.
 */

export interface ChartDatum {
  label: string;
  /** null: nothing to measure (drawn as a gap, not as zero). */
  value: number | null;
}

export interface ChartOptions {
  /** Unique on the page; prefixes the ids of the title and description. */
  id: string;
  title: string;
  description: string;
  /** Top of the value axis; defaults to a round number at or above the largest value. */
  max?: number;
  /** How a value is written on the axis and in the tooltips. */
  format?: (value: number) => string;
  width?: number;
  height?: number;
}

const MARGIN = { top: 12, right: 8, bottom: 36, left: 44 };

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Ids become attribute values and fragment references: keep them to a safe alphabet. */
function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** 1, 2 or 5 times a power of ten, at or above `value` (0 stays 1, so an empty chart still has an axis). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const round = (n: number) => Math.round(n * 100) / 100;
const defaultFormat = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

interface Frame {
  width: number;
  height: number;
  plotWidth: number;
  plotHeight: number;
  max: number;
  format: (v: number) => string;
  y(value: number): number;
}

function frame(data: ChartDatum[], options: ChartOptions): Frame {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const largest = Math.max(0, ...data.map((d) => d.value ?? 0));
  const max = options.max !== undefined && options.max > 0 ? options.max : niceMax(largest);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  return {
    width,
    height,
    plotWidth,
    plotHeight,
    max,
    format: options.format ?? defaultFormat,
    y: (value) => MARGIN.top + plotHeight - (Math.min(Math.max(value, 0), max) / max) * plotHeight,
  };
}

function open(f: Frame, options: ChartOptions, kind: string): string {
  const id = safeId(options.id);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" viewBox="0 0 ${f.width} ${f.height}" ` +
    `role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">` +
    `<title id="${id}-title">${escapeXml(options.title)}</title>` +
    `<desc id="${id}-desc">${escapeXml(options.description)}</desc>`
  );
}

/** Grid lines and value labels at 0, 1/4, 1/2, 3/4 and the top. */
function axes(f: Frame): string {
  let out = '<g class="axis" aria-hidden="true">';
  for (let i = 0; i <= 4; i++) {
    const value = (f.max * i) / 4;
    const y = round(f.y(value));
    out +=
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + f.plotWidth}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="${MARGIN.left - 4}" y="${round(y + 4)}" text-anchor="end">${escapeXml(f.format(value))}</text>`;
  }
  return `${out}</g>`;
}

/** Labels under the slots, thinned so they do not overlap (about one per 40 units). */
function xLabels(f: Frame, data: ChartDatum[], slotCentre: (i: number) => number): string {
  const every = Math.max(1, Math.ceil(data.length / Math.max(1, Math.floor(f.plotWidth / 40))));
  let out = '<g class="labels" aria-hidden="true">';
  data.forEach((d, i) => {
    if (i % every !== 0) return;
    out += `<text class="tick" x="${round(slotCentre(i))}" y="${f.height - MARGIN.bottom + 16}" text-anchor="middle">${escapeXml(d.label)}</text>`;
  });
  return `${out}</g>`;
}

/** Vertical bars, one per datum; a bar's height is value / max of the plot's height. */
export function barChart(data: ChartDatum[], options: ChartOptions): string {
  const f = frame(data, options);
  const slot = data.length > 0 ? f.plotWidth / data.length : f.plotWidth;
  const barWidth = round(Math.max(1, slot * 0.7));
  const centre = (i: number) => MARGIN.left + slot * i + slot / 2;
  let bars = '<g class="bars">';
  data.forEach((d, i) => {
    if (d.value === null) return;
    const top = f.y(d.value);
    const height = round(MARGIN.top + f.plotHeight - top);
    bars +=
      `<rect class="bar" x="${round(centre(i) - barWidth / 2)}" y="${round(top)}" width="${barWidth}" height="${height}">` +
      `<title>${escapeXml(`${d.label}: ${f.format(d.value)}`)}</title></rect>`;
  });
  bars += '</g>';
  return `${open(f, options, 'bar')}${axes(f)}${bars}${xLabels(f, data, centre)}</svg>`;
}

/** A line through the values, broken where a value is null, with a dot on each point. */
export function lineChart(data: ChartDatum[], options: ChartOptions): string {
  const f = frame(data, options);
  const slot = data.length > 1 ? f.plotWidth / (data.length - 1) : f.plotWidth;
  const x = (i: number) => (data.length > 1 ? MARGIN.left + slot * i : MARGIN.left + f.plotWidth / 2);
  const segments: string[][] = [];
  let current: string[] = [];
  let dots = '';
  data.forEach((d, i) => {
    if (d.value === null) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    const point = `${round(x(i))},${round(f.y(d.value))}`;
    current.push(point);
    dots +=
      `<circle class="dot" cx="${round(x(i))}" cy="${round(f.y(d.value))}" r="3">` +
      `<title>${escapeXml(`${d.label}: ${f.format(d.value)}`)}</title></circle>`;
  });
  if (current.length) segments.push(current);
  const lines = segments
    .filter((s) => s.length > 1)
    .map((s) => `<polyline class="line" points="${s.join(' ')}"/>`)
    .join('');
  return `${open(f, options, 'line')}${axes(f)}<g class="series">${lines}${dots}</g>${xLabels(f, data, x)}</svg>`;
}
