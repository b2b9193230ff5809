/**
 * workers/main.ts with timers around what an activity waits on, for `bench/backfill.ts --profile` (and
 * `--prebuilt-bundle`) experiments only:
 * every Postgres query (by statement), FreshBooks page reads, BigQuery loads, and the per-activity
 * connection/warehouse look-ups. Patches prototypes in this process only; production code is unchanged.
 * Prints one `PROFILE {json}` line on stdout when it shuts down (SIGTERM/SIGINT, like the real worker).
 */
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { FreshBooksClient } from '../connectors/freshbooks';
import { BigQueryWarehouse } from '../connectors/bigquery';
import { ConnectionRuntime } from '../activities/connection-runtime';
import { CredentialStore } from '../db/credentials';
import type { Db } from '../db/pool';
import { buildActivityDeps } from '../workers/activity-deps';
import { createWorker } from '../workers/worker';

interface Timer { count: number; ms: number }
const timers = new Map<string, Timer>();
const memPeak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };

function record(name: string, ms: number): void {
  const t = timers.get(name) ?? { count: 0, ms: 0 };
  t.count += 1;
  t.ms += ms;
  timers.set(name, t);
}

function timeMethod(proto: object, method: string, name: string): void {
  const p = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = p[method]!;
  p[method] = function timed(this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const out = original.apply(this, args);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<unknown>).finally(() => record(name, performance.now() - started));
    }
    record(name, performance.now() - started);
    return out;
  };
}

function statementName(sql: unknown): string {
  const text = typeof sql === 'string' ? sql : (sql as { text?: string })?.text ?? '?';
  const s = text.replace(/\s+/g, ' ').trim();
  const table = /(?:FROM|INTO|UPDATE)\s+(\w+)/i.exec(s)?.[1] ?? '?';
  return `pg ${s.split(' ')[0]!.toUpperCase()} ${table}`;
}

/**
 * BENCH_EXPERIMENTS (comma-separated) tries a change without touching production code, to measure it:
 *  - cred-cache: CredentialStore.get answers from a 5 s cache (FreshBooks token read once per ~activity,
 *    not once per page).
 *  - ledger-async-commit: the delivery-ledger upsert commits with synchronous_commit = off.
 */
const experiments = new Set((process.env.BENCH_EXPERIMENTS ?? '').split(',').map((x) => x.trim()).filter(Boolean));

function credentialCache(): void {
  const get = CredentialStore.prototype.get;
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  CredentialStore.prototype.get = function cachedGet<S>(this: CredentialStore, id: string) {
    const hit = cache.get(id);
    if (hit && performance.now() - hit.at < 5_000) return hit.value as ReturnType<typeof get<S>>;
    const value = get.call(this, id) as ReturnType<typeof get<S>>;
    cache.set(id, { at: performance.now(), value });
    return value;
  };
}

function asyncCommitLedger(db: Db): void {
  const query = db.query.bind(db) as (...args: unknown[]) => Promise<unknown>;
  (db as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
    if (typeof args[0] !== 'string' || !/^\s*INSERT INTO delivered_records/.test(args[0])) return query(...args);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit TO off');
      const res = await client.query(args[0], args[1] as unknown[]);
      await client.query('COMMIT');
      return res;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

async function main(): Promise<void> {
  if (experiments.has('cred-cache')) credentialCache();
  timeMethod(FreshBooksClient.prototype, 'listPage', 'freshbooks.listPage');
  timeMethod(BigQueryWarehouse.prototype, 'loadRows', 'bigquery.loadRows');
  timeMethod(BigQueryWarehouse.prototype, 'insertRows', 'bigquery.insertRows');
  timeMethod(ConnectionRuntime.prototype, 'connection', 'runtime.connection');
  timeMethod(ConnectionRuntime.prototype, 'warehouse', 'runtime.warehouse');

  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  const db = createPool(config.databaseUrl);
  await migrate(db);
  if (experiments.has('ledger-async-commit')) asyncCommitLedger(db);
  const query = db.query.bind(db) as (...args: unknown[]) => Promise<unknown>;
  (db as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
    const started = performance.now();
    return query(...args).finally(() => record(statementName(args[0]), performance.now() - started));
  };
  const deps = buildActivityDeps(config, db, logger);
  // BENCH_WORKFLOW_BUNDLE: a bundle built beforehand (bench/backfill.ts --prebuilt-bundle) instead of webpack at start.
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE;
  const { worker, connection, client } = await createWorker(config, deps, bundle ? { workflowBundle: { codePath: bundle } } : {});
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of Object.keys(memPeak) as (keyof typeof memPeak)[]) memPeak[k] = Math.max(memPeak[k], m[k]);
  }, 200);
  sampler.unref();
  const cpuStart = process.cpuUsage();
  await worker.run();
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuStart);
  const mb = (n: number) => Math.round(n / 1048576);
  process.stdout.write(`PROFILE ${JSON.stringify({
    cpuSec: (cpu.user + cpu.system) / 1e6,
    memoryPeakMb: Object.fromEntries(Object.entries(memPeak).map(([k, v]) => [k, mb(v)])),
    timers: Object.fromEntries([...timers.entries()].sort((a, b) => b[1].ms - a[1].ms)),
  })}\n`);
  await connection.close();
  await client.connection.close();
  await db.end();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
