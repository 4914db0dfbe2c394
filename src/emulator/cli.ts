/**
 * `npm run em-sim -- [--port 8080] [--host 127.0.0.1] [--profile 4.1|modern] [--fixture FILE]
 *                    [--state FILE] [--clock system|manual] [--nodes N] [--control-token T]`
 * (CONTROL.md "Starting it", "Several nodes"). stdout carries one line per node, the listening
 * URL, node 1 first; logs go to stderr. A non-loopback --host needs a control token (the option or
 * ROOST_EM_SIM_CONTROL_TOKEN, which keeps it out of the process list).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { FixtureRejected, loadFixtureFile, validateFixture, type EmulatorFixture } from './fixture.js';
import { CONTROL_TOKEN_ENV, startEmulator, UnsafeListenError } from './server.js';

const USAGE =
  'usage: em-sim [--port N] [--host HOST] [--profile 4.1|modern] [--fixture FILE] [--state FILE] [--clock system|manual] [--nodes N] [--control-token TOKEN]';

class UsageError extends Error {}

interface CliOptions {
  port: number;
  host: string;
  profile: '4.1' | 'modern';
  fixturePath?: string;
  stateFile?: string;
  clock: 'system' | 'manual';
  nodes: number;
  controlToken?: string;
}

function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        profile: { type: 'string' },
        fixture: { type: 'string' },
        state: { type: 'string' },
        clock: { type: 'string' },
        nodes: { type: 'string' },
        'control-token': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '8080') || port > 65535)
    throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  const profile = values.profile ?? '4.1';
  if (profile !== '4.1' && profile !== 'modern')
    throw new UsageError(`--profile must be 4.1 or modern, got ${profile}`);
  const clock = values.clock ?? 'system';
  if (clock !== 'system' && clock !== 'manual')
    throw new UsageError(`--clock must be system or manual, got ${clock}`);
  if (values.host === '') throw new UsageError('--host must not be empty');
  const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
  if (!/^\d+$/.test(values.nodes ?? '1') || nodes < 1 || nodes > 16)
    throw new UsageError(`--nodes must be 1..16, got ${values.nodes}`);
  if (port !== 0 && port + nodes - 1 > 65535)
    throw new UsageError(`--port ${port} leaves no room for ${nodes} consecutive ports`);
  const given = values['control-token'] ?? process.env[CONTROL_TOKEN_ENV];
  const controlToken = given === '' ? undefined : given;
  if (controlToken !== undefined && controlToken.length < 16)
    throw new UsageError('the control token must be at least 16 characters');
  return {
    nodes,
    ...(controlToken !== undefined ? { controlToken } : {}),
    port,
    host: values.host ?? '127.0.0.1',
    profile,
    clock,
    ...(values.fixture !== undefined ? { fixturePath: values.fixture } : {}),
    ...(values.state !== undefined ? { stateFile: values.state } : {}),
  };
}

/** The demo cluster matching Roost's seed data, owned by src/demo (loaded only when needed). */
async function demoFixture(): Promise<EmulatorFixture> {
  const moduleUrl = new URL('../demo/em-fixture.js', import.meta.url).href;
  const demo = (await import(moduleUrl)) as { demoEmFixture?: () => unknown };
  if (typeof demo.demoEmFixture !== 'function')
    throw new FixtureRejected('src/demo/em-fixture has no demoEmFixture()');
  return validateFixture(demo.demoEmFixture());
}

async function main(): Promise<void> {
  let options: CliOptions;
  let fixture: EmulatorFixture;
  try {
    options = parseCli(process.argv.slice(2));
    fixture =
      options.fixturePath !== undefined ? await loadFixtureFile(options.fixturePath) : await demoFixture();
  } catch (error) {
    const isUsage = error instanceof UsageError || error instanceof FixtureRejected;
    process.stderr.write(
      `em-sim: ${(error as Error).message}${error instanceof UsageError ? ` (${USAGE})` : ''}\n`,
    );
    process.exit(isUsage ? 2 : 1);
  }
  const logger = pino({ level: 'info', base: { module: 'em-sim' } }, pino.destination(2));
  let emulator;
  try {
    emulator = await startEmulator({
      port: options.port,
      nodes: options.nodes,
      ...(options.controlToken !== undefined ? { controlToken: options.controlToken } : {}),
      host: options.host,
      profile: options.profile,
      fixture,
      clock: options.clock,
      logger,
      ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}),
    });
  } catch (error) {
    if (!(error instanceof UnsafeListenError)) throw error;
    process.stderr.write(`em-sim: ${error.message}\n`);
    process.exit(2);
  }
  for (const node of emulator.nodes) process.stdout.write(`EM emulator listening on ${node.url}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // CONTROL.md: stop within a second even if a client holds a connection open.
    setTimeout(() => process.exit(0), 900).unref();
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`em-sim: ${(error as Error).message}\n`);
  process.exit(1);
});
