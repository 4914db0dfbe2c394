/**
 * The emulator under an entity-expansion attack (SPEC 2.2), as a separate process so its
 * memory is its own:
 *
 *   npx tsx bench/em-xml-bomb.ts [--quick]
 *
 * Sends a billion-laughs body N times and a plain deviceUserQuery N times, in turn, and
 * reports the latency of each (the plain query is the baseline measured in the same run; it
 * includes the emulator's injected 30 ms query latency, which a refused body never reaches),
 * the reply code of the bomb (must be 1), and the emulator's resident memory before and
 * after. Target (issue 4): code 1 in under 50 ms, memory not growing.
 */
import { writeResult } from './lib/results.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { figures, round } from './lib/bench-kit.js';

const quick = process.argv.includes('--quick');
const N = quick ? 200 : 1000;
const root = path.resolve(import.meta.dirname, '..');

const appInfo = '<appInfo><appID>emapi</appID><appCertificate>emapi-pass</appCertificate></appInfo>';
const entities = Array.from(
  { length: 9 },
  (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
).join('');
const bomb = `<?xml version="1.0"?><!DOCTYPE query [<!ENTITY lol "lol">${entities}]><query>${appInfo.replace('emapi<', '&lol9;<')}<deviceUserQuery><deviceName>SEP001122334455</deviceName></deviceUserQuery></query>`;
const plain = `<query>${appInfo}<deviceUserQuery><deviceName>SEP001122334455</deviceName></deviceUserQuery></query>`;

const rssKiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

async function main() {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/emulator/cli.ts',
      '--port',
      '0',
      '--fixture',
      'test/em/fixture-s.json',
      '--clock',
      'manual',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const post = async (xml: string) => {
    const t0 = performance.now();
    const res = await fetch(`${url}/emservice/EMServiceServlet`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `xml=${encodeURIComponent(xml)}`,
    });
    const body = await res.text();
    return { ms: performance.now() - t0, body };
  };
  try {
    for (let i = 0; i < 20; i++) await Promise.all([post(bomb), post(plain)]);
    const rssBefore = rssKiB(child.pid!);
    const bombMs: number[] = [];
    const plainMs: number[] = [];
    const codes = new Set<string>();
    for (let i = 0; i < N; i++) {
      const b = await post(bomb);
      bombMs.push(b.ms);
      codes.add(/error code="(\d+)"/.exec(b.body)?.[1] ?? 'none');
      plainMs.push((await post(plain)).ms);
    }
    const rssAfter = rssKiB(child.pid!);
    const result = {
      name: 'em-xml-bomb',
      machine: {
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        loadAverage: os.loadavg().map((n) => round(n, 2)),
      },
      node: process.version,
      parameters: { requests: N, bombBytes: bomb.length },
      figures: {
        bomb: figures(bombMs),
        plainQueryBaseline: figures(plainMs),
        bombP95OverBaselineP95: round(figures(bombMs).p95Ms / figures(plainMs).p95Ms, 2),
        replyCodes: [...codes],
        emulatorRssMiB: {
          before: round(rssBefore / 1024, 1),
          after: round(rssAfter / 1024, 1),
          growth: round((rssAfter - rssBefore) / 1024, 1),
        },
      },
      targets: { code: 1, maxMs: 50 },
    };
    const f = result.figures;
    console.log(
      `bomb          p50 ${f.bomb.p50Ms} ms  p95 ${f.bomb.p95Ms} ms  max ${f.bomb.maxMs} ms  reply codes ${f.replyCodes.join(',')}`,
    );
    console.log(
      `plain query   p50 ${f.plainQueryBaseline.p50Ms} ms  p95 ${f.plainQueryBaseline.p95Ms} ms (baseline)`,
    );
    console.log(`emulator RSS  ${f.emulatorRssMiB.before} -> ${f.emulatorRssMiB.after} MiB over ${N} bombs`);
    console.log(`written ${writeResult('em-xml-bomb', result, { database: null })}`);
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
