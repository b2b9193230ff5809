/**
 * One `hyperd` (the Hyper database server from the tableauhyperapi wheel, installed by scripts/install-tools.sh)
 * per owner, started on first use and started again if it died. It speaks the PostgreSQL wire protocol, so
 * .hyper files are written with `pg`; nothing of Python runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The login `hyperd run --init-user` creates; with --no-password it needs no secret. */
export const HYPER_USER = 'tableau_internal_user';

export interface HyperProcessOptions {
  /** Path of the hyperd binary; default HYPERD_BIN from the environment (.tools/env sets it). */
  hyperdBin?: string;
  /** How long hyperd may take to print its listening address (it takes ~0.3 s). */
  startTimeoutMs?: number;
  /** Gets hyperd's own output lines (startup banner, shutdown notice); they carry no data. */
  onOutput?: (line: string) => void;
}

export interface HyperEndpoint {
  host: string;
  port: number;
}

export function hyperdBinFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const bin = env.HYPERD_BIN;
  if (!bin) throw new Error('HYPERD_BIN is not set: run scripts/install-tools.sh and source .tools/env');
  return bin;
}

interface Running {
  child: ChildProcess;
  endpoint: HyperEndpoint;
  workDir: string;
  exited: Promise<void>;
  /** The callback connection hyperd opened to us: hyperd exits when it closes (see `lifeline`). */
  lifeline: Lifeline;
}

export class HyperProcess {
  private running: Running | undefined;
  private starting: Promise<Running> | undefined;
  private starts = 0;
  private readonly killOnExit = () => this.running?.child.kill('SIGTERM');

  constructor(private readonly opts: HyperProcessOptions = {}) {}

  /** How many times hyperd was started (a restart after a crash counts). */
  get startCount(): number {
    return this.starts;
  }

  /** The pid of the live hyperd, if one runs. */
  get pid(): number | undefined {
    return this.alive() ? this.running!.child.pid : undefined;
  }

  /** Where a live hyperd listens, starting one if none runs (or the last one died). */
  async endpoint(): Promise<HyperEndpoint> {
    if (this.alive()) return this.running!.endpoint;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return (await this.starting).endpoint;
  }

  /** A new connected client; the caller ends it. */
  async connect(): Promise<pg.Client> {
    const { host, port } = await this.endpoint();
    const client = new pg.Client({ host, port, user: HYPER_USER, database: HYPER_USER, types: HYPER_TYPES });
    // A hyperd that dies under an open connection must fail the query in flight, not crash the process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** SIGTERM (hyperd shuts down cleanly on it) and waits for the exit; the next endpoint() starts a new one. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const r = this.running;
    this.running = undefined;
    if (!r) return;
    process.removeListener('exit', this.killOnExit);
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
    await r.exited;
    r.lifeline.close();
    await rm(r.workDir, { recursive: true, force: true });
  }

  private alive(): boolean {
    const c = this.running?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  private async start(): Promise<Running> {
    if (this.running) {
      // The previous hyperd died: drop what it left.
      await rm(this.running.workDir, { recursive: true, force: true });
      this.running = undefined;
    }
    const bin = this.opts.hyperdBin ?? hyperdBinFromEnv();
    const workDir = await mkdtemp(join(tmpdir(), 'hyperd-'));
    const line = await lifeline();
    const child = spawn(
      bin,
      ['run', '--skip-license=true', '--no-password=true', `--init-user=${HYPER_USER}`, '--log-config=', '--listen-connection', 'tab.tcp://127.0.0.1:0',
        '--callback-connection', `tab.tcp://127.0.0.1:${line.port}`],
      { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.starts++;
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    let output = '';
    const lines = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) this.opts.onOutput?.(line.trim());
    };
    child.stdout!.on('data', lines);
    child.stderr!.on('data', lines);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
        const timer = setTimeout(() => reject(new Error(`hyperd did not report a listening address within ${timeoutMs} ms: ${output.trim()}`)), timeoutMs);
        const check = () => {
          const m = /listening to 127\.0\.0\.1:(\d+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`hyperd could not be started (${bin}): ${err.message}`));
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`hyperd exited during startup (code ${code}, signal ${signal}): ${output.trim()}`));
        });
      });
      const running: Running = { child, endpoint: { host: '127.0.0.1', port }, workDir, exited, lifeline: line };
      child.once('exit', () => line.close());
      this.running = running;
      process.once('exit', this.killOnExit);
      child.once('exit', () => process.removeListener('exit', this.killOnExit));
      return running;
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      line.close();
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }
}

/**
 * Readers get text for dates and timestamps (ISO, UTC) rather than JS Dates built in the local zone;
 * BIGINT and NUMERIC stay strings, as pg returns them, so no value loses precision.
 */
const HYPER_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 1082) return (v: string) => v;
    if (oid === 1114) return (v: string) => `${v.replace(' ', 'T')}Z`;
    // hyperd sessions run in UTC, so the offset is +00; anything else goes through Date (millisecond precision).
    if (oid === 1184) return (v: string) => (v.endsWith('+00') ? `${v.slice(0, -3).replace(' ', 'T')}Z` : new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString());
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

interface Lifeline {
  port: number;
  close(): void;
}

/**
 * A loopback server for hyperd's `--callback-connection` (the way the official Hyper API ties hyperd to
 * its process): hyperd connects back once it listens and shuts down as soon as that connection closes. The
 * kernel closes it when this process dies, even by SIGKILL, so a killed worker leaves no orphan hyperd.
 * Unref'd: the connection alone never keeps this process alive.
 */
async function lifeline(): Promise<Lifeline> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    s.unref();
    s.on('error', () => undefined);
    s.resume(); // hyperd sends its listening address here; stdout already told us
    sockets.push(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as { port: number }).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

let shared: HyperProcess | undefined;

/** The process-wide hyperd a worker uses (one per process, as the memory budget allows: ~135 MB idle). */
export function sharedHyperProcess(): HyperProcess {
  shared ??= new HyperProcess();
  return shared;
}
