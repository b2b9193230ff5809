/**
 * Backfill benchmark: FreshBooks sandbox → BigQuery, through the whole service (API → OAuth through the
 * sandbox → create connection → connection workflow → activities in a worker child process), then the
 * same clients in a plain loop (bench/plain-loop.ts: no Temporal, no Postgres ledger), in one run.
 *
 *   source .tools/env && npx tsx bench/backfill.ts [--invoices N] [--emulator] [--timeout-sec S]
 *
 * Default target: the fast in-memory BigQuery REST sandbox (sandbox/google), 100,000 invoices.
 * --emulator (or BENCH_TARGET=emulator): the real goccy BigQuery emulator, 10,000 invoices by default.
 * Starts and stops its own stack (Temporal dev server, embedded Postgres, emulator when asked).
 * The last line is the RESULT line; on any failure (warehouse not exactly the source, a run failing,
 * a timeout) it is a `FAILED …` line instead and the exit code is 1.
 *
 * Investigation flags (the RESULT label then ends in "-experiment"; not the official figures):
 *   --profile [--profile-dir D]      worker = bench/profiled-worker.ts (timers around Postgres, FreshBooks,
 *                                    BigQuery) and V8 CPU profiles of worker and plain loop, summarised
 *   --prebuilt-bundle                worker loads a workflow bundle built beforehand (no webpack at start)
 *   --worker-node-args="--max-old-space-size=384"   extra node flags for the worker
 *   --worker-experiments=cred-cache,ledger-async-commit   see bench/profiled-worker.ts
 *   --workflows-path=DIR --plain-pages-per-batch=N  bundle a modified copy of workflows/ (e.g. another
 *                                    PAGES_PER_ACTIVITY) and batch the plain loop the same way
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { CORE_FRESHBOOKS_ENTITIES } from '../common/freshbooks-entities';
import { BigQueryWarehouse } from '../connectors/bigquery';
import { TABLES, type TableKey } from '../mapping/freshbooks';
import type { AccountTotals } from '../sandbox/freshbooks';
import { startBigQueryEmulator, startPostgres, startTemporal } from '../scripts/dev-stack';
import { adminCall, authorizeThroughSandbox, type LocalService } from '../scripts/local-service';
import { connectionWorkflowId } from '../contracts/ids';
import type { ConnectionWorkflowStatus } from '../contracts/connection';
import { WORKER_NODE_FLAGS } from '../workers/workflow-bundle';
import { COMPARED } from '../test/support/warehouse-checks';
import { formatSummary, summarise } from './cpuprofile-summary';
import { analyseHistories, printHistory, type HistoryReport } from './history';
import type { PlainInput, PlainResult } from './plain-loop';
import { cpuByRole, diffCpu, MemorySampler } from './proc';
import { BENCH_REQUESTS_PER_SEC, benchMain, forwardLines, startBenchApi, prebuildBundle, waitForPollers, quietSdkInfo, sleep, spawnTs, stopChild, type Teardown } from './children';
import { startTimedSandboxes, type RequestTimings, type TimedSandboxes } from './sandboxes';

const PROJECT = 'ml-connector-dev'; // the emulator's project; the fast sandbox accepts any
const LOCATION = 'US';
const DATASET_TEMPORAL = 'bench_temporal';
const DATASET_PLAIN = 'bench_plain';
const PROGRESS_EVERY_MS = 5_000;

interface Options {
  target: 'fast' | 'emulator';
  invoices: number;
  timeoutSec: number;
  seed: number;
  /** Investigation mode: bench/profiled-worker.ts instead of workers/main.ts, plus V8 CPU profiles. */
  profileDir?: string;
  /** Experiment: extra node flags for the worker (e.g. "--max-old-space-size=256"). */
  workerNodeArgs: string[];
  /** Experiment: the worker loads a workflow bundle built beforehand instead of webpacking at start. */
  prebuiltBundle: boolean;
  /** Experiment: bundle this copy of workflows/ instead (implies prebuiltBundle). */
  workflowsPath?: string;
  /** Experiment: pages per batch in the plain loop (to match a modified workflow's PAGES_PER_ACTIVITY). */
  plainPagesPerBatch?: number;
  /** Experiment: BENCH_EXPERIMENTS for bench/profiled-worker.ts (cred-cache, ledger-async-commit). */
  workerExperiments: string;
}

function parseArgs(argv: string[]): Options {
  const target = argv.includes('--emulator') || process.env.BENCH_TARGET === 'emulator' ? 'emulator' : 'fast';
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const num = (name: string, env: string | undefined, dflt: number): number => {
    const raw = value(name) ?? env;
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
    return n;
  };
  const invoices = num('--invoices', process.env.BENCH_INVOICES, target === 'emulator' ? 10_000 : 100_000);
  return {
    target,
    invoices,
    // Hard stop for the whole run, stack start-up and teardown included.
    timeoutSec: num('--timeout-sec', process.env.BENCH_TIMEOUT_SEC, 900),
    seed: num('--seed', undefined, 1),
    profileDir: argv.includes('--profile') ? resolve(value('--profile-dir') ?? '/tmp/ml-connector-bench-profile') : undefined,
    workerNodeArgs: (value('--worker-node-args') ?? '').split(/\s+/).filter(Boolean),
    prebuiltBundle: argv.includes('--prebuilt-bundle') || value('--workflows-path') !== undefined,
    workflowsPath: value('--workflows-path') && resolve(value('--workflows-path')!),
    workerExperiments: value('--worker-experiments') ?? '',
    plainPagesPerBatch: value('--plain-pages-per-batch') !== undefined ? num('--plain-pages-per-batch', undefined, 10) : undefined,
  };
}

const benchStarted = Date.now();
const stamp = () => `${((Date.now() - benchStarted) / 1000).toFixed(1).padStart(6)}s`;
const log = (msg: string) => process.stdout.write(`[bench ${stamp()}] ${msg}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * --cpu-prof flags for a child in profile mode. Each child gets its own directory: Node writes one profile
 * per thread (main, tsx's loader-hooks thread, Temporal's workflow threads).
 */
function cpuProf(opts: Options, name: string): { args: string[]; dir?: string } {
  if (!opts.profileDir) return { args: [] };
  const dir = resolve(opts.profileDir, `${name}-${Date.now()}`);
  return { args: ['--cpu-prof', `--cpu-prof-dir=${dir}`], dir };
}

function printCpuProfile(label: string, dir: string | undefined): void {
  if (!dir) return;
  try {
    const summaries = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => ({ f, s: summarise(resolve(dir, f)) }));
    // Busiest thread in full, the others as one line each.
    const busy = (x: { s: ReturnType<typeof summarise> }) => x.s.totalMs - (x.s.byCategory.find(([k]) => k === '(idle)')?.[1] ?? 0);
    summaries.sort((a, b) => busy(b) - busy(a));
    summaries.forEach((x, i) => {
      if (i === 0) for (const line of formatSummary(`${label} (busiest thread, ${x.f})`, x.s)) log(line);
      else log(`${label}: other thread ${x.f}: ${fmt(busy(x) / 1000, 2)} s busy of ${fmt(x.s.totalMs / 1000, 1)} s; top ${x.s.byCategory.filter(([k]) => k !== '(idle)').slice(0, 4).map(([k, v]) => `${k} ${fmt(v / 1000, 2)} s`).join(', ')}`);
    });
  } catch (err) {
    log(`${label}: no CPU profile (${err instanceof Error ? err.message : String(err)})`);
  }
}

// ── verification ─────────────────────────────────────────────────────────────

interface TableCount { table: TableKey; expected: number; rows: number; distinct: number }

async function countTables(sb: TimedSandboxes, emulatorUrl: string | undefined, datasetId: string, totals: AccountTotals): Promise<TableCount[]> {
  const out: TableCount[] = [];
  const wh = emulatorUrl
    ? new BigQueryWarehouse({ target: { projectId: PROJECT, datasetId, location: LOCATION }, apiEndpoint: emulatorUrl, tokens: { getAccessToken: async () => 'emulator-ignores-auth' } })
    : undefined;
  for (const { table, source } of COMPARED) {
    const spec = TABLES[table];
    const expected = totals.entities[source].count;
    if (wh) {
      const key = `CONCAT(${spec.keyColumns.map((c) => `CAST(${c} AS STRING)`).join(", '|', ")})`;
      const [r] = await wh.query<{ n: number; k: number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS k FROM \`${PROJECT}.${datasetId}.${spec.defaultName}\``);
      out.push({ table, expected, rows: Number(r?.n ?? 0), distinct: Number(r?.k ?? 0) });
    } else {
      const rows = sb.google.state.rows(datasetId, spec.defaultName, PROJECT);
      const keys = new Set<string>();
      for (const r of rows) keys.add(spec.keyColumns.map((c) => String(r[c])).join('|'));
      out.push({ table, expected, rows: rows.length, distinct: keys.size });
    }
  }
  return out;
}

function printCounts(label: string, counts: TableCount[]): boolean {
  let ok = true;
  log(`${label}: table rows vs source (rows / distinct keys / expected)`);
  for (const c of counts) {
    const good = c.rows === c.expected && c.distinct === c.expected;
    ok &&= good;
    log(`  ${TABLES[c.table].defaultName.padEnd(30)} ${fmt(c.rows).padStart(9)} / ${fmt(c.distinct).padStart(9)} / ${fmt(c.expected).padStart(9)}  ${good ? 'ok' : 'MISMATCH'}`);
  }
  return ok;
}

function printTimings(label: string, t: RequestTimings, wallMs: number): void {
  const snap = t.snapshot();
  log(`${label}: server-side time ${fmt(t.totalMs() / 1000, 1)} s of ${fmt(wallMs / 1000, 1)} s wall`);
  for (const [op, v] of Object.entries(snap).slice(0, 8)) {
    log(`  ${op.padEnd(40)} ${fmt(v.count).padStart(6)} req  ${fmt(v.totalMs / 1000, 2).padStart(7)} s  avg ${fmt(v.totalMs / v.count, 1)} ms  max ${fmt(v.maxMs, 0)} ms`);
  }
}

// ── main ─────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  return benchMain('backfill', opts.timeoutSec, log, (teardown) => runBench(opts, teardown));
}

async function runBench(opts: Options, teardown: Teardown): Promise<{ code: number; result: string }> {
  const emulator = opts.target === 'emulator';
  log(`backfill benchmark: target=${emulator ? 'goccy BigQuery emulator' : 'fast BigQuery sandbox (sandbox/google)'}, ${fmt(opts.invoices)} invoices in the first business, hard timeout ${opts.timeoutSec}s`);

  // Infrastructure.
  let t = Date.now();
  // Whatever started is stopped again even when another part of the stack fails to start.
  const started = await Promise.allSettled([startTemporal(), startPostgres(), emulator ? startBigQueryEmulator(PROJECT) : Promise.resolve(undefined)]);
  const [temporalStart, pgStart, bqStart] = started;
  if (pgStart.status === 'fulfilled') teardown.add('postgres', () => pgStart.value.stop());
  if (temporalStart.status === 'fulfilled') teardown.add('temporal', () => stopChild(temporalStart.value.child, 10_000));
  if (bqStart.status === 'fulfilled' && bqStart.value) { const child = bqStart.value.child; teardown.add('bigquery-emulator', () => stopChild(child, 10_000)); }
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  const temporalServer = (temporalStart as PromiseFulfilledResult<Awaited<ReturnType<typeof startTemporal>>>).value;
  const pg = (pgStart as PromiseFulfilledResult<Awaited<ReturnType<typeof startPostgres>>>).value;
  const bq = (bqStart as PromiseFulfilledResult<Awaited<ReturnType<typeof startBigQueryEmulator>> | undefined>).value;
  log(`stack up in ${Date.now() - t} ms: Temporal ${temporalServer.address}, Postgres, ${bq ? `emulator ${bq.url}` : 'no emulator (fast sandbox)'}`);

  t = Date.now();
  const sb = await startTimedSandboxes({ scale: { invoices: opts.invoices }, seed: opts.seed });
  teardown.add('sandboxes', () => sb.close());
  log(`sandboxes seeded in ${Date.now() - t} ms: FreshBooks ${sb.fbUrl}, Google ${sb.googleUrl}`);

  const { env, service, taskQueue } = await startBenchApi(teardown, sb, { databaseUrl: pg.url, temporalAddress: temporalServer.address, bigqueryEndpoint: bq?.url ?? sb.googleUrl }, 'bench');

  // The worker as a child process: its RSS is its own.
  t = Date.now();
  const experiment = !!opts.profileDir || !!opts.workflowsPath || opts.workerNodeArgs.length > 0 || !!opts.workerExperiments || !!opts.plainPagesPerBatch;
  const workerScript = opts.profileDir || opts.workerExperiments ? 'bench/profiled-worker.ts' : 'workers/main.ts';
  const workerEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PUBLIC_URL: service.apiUrl, BENCH_EXPERIMENTS: opts.workerExperiments };
  // As in production: the prebuilt workflow bundle and the worker's node flags.
  workerEnv.WORKFLOW_BUNDLE_PATH = await prebuildBundle(resolve(tmpdir(), `ml-connector-workflow-bundle-${process.pid}.js`), opts.workflowsPath);
  workerEnv.BENCH_WORKFLOW_BUNDLE = workerEnv.WORKFLOW_BUNDLE_PATH;
  if (experiment) {
    log(`EXPERIMENT: worker = ${workerScript}${opts.workerNodeArgs.length ? ` with node ${opts.workerNodeArgs.join(' ')}` : ''}${opts.prebuiltBundle ? `, prebuilt workflow bundle${opts.workflowsPath ? ` of ${opts.workflowsPath}` : ''}` : ''}${opts.workerExperiments ? `, experiments ${opts.workerExperiments}` : ''}${opts.profileDir ? `, V8 CPU profiles into ${opts.profileDir}` : ''}; not the official figures`);
  }
  const workerProf = cpuProf(opts, 'worker');
  const worker = spawnTs(workerScript, workerEnv, [...(opts.workerNodeArgs.length ? opts.workerNodeArgs : WORKER_NODE_FLAGS), ...workerProf.args]);
  let workerProfile: WorkerProfile | undefined;
  const quiet = quietSdkInfo();
  forwardLines(worker.stdout, '[worker]', (line) => {
    if (line.startsWith('PROFILE ')) {
      workerProfile = JSON.parse(line.slice('PROFILE '.length)) as WorkerProfile;
      return true;
    }
    return quiet(line);
  });
  forwardLines(worker.stderr, '[worker]', quietSdkInfo());
  teardown.add('worker', () => stopChild(worker));
  const workerMem = new MemorySampler(worker.pid!, 200);
  teardown.add('worker-sampler', () => workerMem.stop());
  await waitForPollers(service, taskQueue, worker, 180_000);
  workerMem.sample();
  log(`worker pid ${worker.pid} polling ${taskQueue} after ${Date.now() - t} ms (workflow bundle built); RSS ${fmt(workerMem.lastRssMb)} MB, VmHWM ${fmt(workerMem.hwmMb)} MB`);
  const startupHwmMb = workerMem.hwmMb;
  workerMem.resetPeak();

  // OAuth through the sandbox, as a user would.
  const auth = await authorizeThroughSandbox(service.apiUrl, env.ADMIN_TOKEN!);
  const business = auth.businesses[0]!;
  const totals = sb.fb.state.totals(business.accountId);
  const records = CORE_FRESHBOOKS_ENTITIES.reduce((n, e) => n + totals.entities[e].count, 0);
  const lineRows = totals.entities.invoice_lines.count + totals.entities.bill_lines.count;
  log(`source: business ${business.businessId} (account ${business.accountId}): ${CORE_FRESHBOOKS_ENTITIES.map((e) => `${e}=${fmt(totals.entities[e].count)}`).join(' ')}`);
  log(`source: ${fmt(records)} records (parents), + ${fmt(totals.entities.invoice_lines.count)} invoice lines + ${fmt(totals.entities.bill_lines.count)} bill lines = ${fmt(records + lineRows)} warehouse rows`);

  const roles = [
    { name: 'worker', pid: worker.pid },
    { name: 'temporal', pid: temporalServer.child.pid },
    ...(bq ? [{ name: 'emulator', pid: bq.child.pid }] : []),
    { name: 'postgres', comm: /^postgres/ },
    { name: 'bench(sandboxes+api)', pid: process.pid, tree: false },
  ];

  // ── Temporal path ──
  log('── Temporal path: POST /api/connections → connection workflow → activities in the worker');
  sb.fbTimings.reset();
  sb.googleTimings.reset();
  const cpuBefore = cpuByRole(process.pid, roles);
  const t0 = Date.now();
  const created = await adminCall(service.apiUrl, env.ADMIN_TOKEN!, '/api/connections', {
    body: {
      authorizationId: auth.authorizationId,
      businessIds: [business.businessId],
      destination: { type: 'bigquery', projectId: PROJECT, datasetId: DATASET_TEMPORAL, location: LOCATION, serviceAccountKey: sb.serviceAccountKeyJson },
      settings: { pollIntervalSec: 3600, reconcileEveryHours: 24 },
    },
  });
  if (created.status !== 201) throw new Error(`create connection failed: ${created.status} ${JSON.stringify(created.body)}`);
  const connectionId: string = created.body.connectionIds[0];
  const finished = await waitForFirstRun(service, connectionId, t0, worker, workerMem, records, Math.max(120_000, (opts.timeoutSec - 120) * 1000 / 2));
  const temporalMs = finished.endMs - t0;
  const cpuTemporal = diffCpu(cpuByRole(process.pid, roles), cpuBefore);
  workerMem.sample();
  const temporalRps = records / (temporalMs / 1000);
  log(`Temporal path done: ${fmt(finished.records)} records, ${fmt(finished.rows)} rows in ${fmt(temporalMs / 1000, 2)} s → ${fmt(temporalRps, 1)} records/s; worker peak RSS during the sync ${fmt(workerMem.peakRssMb)} MB`);

  const temporalCounts = await countTables(sb, bq?.url, DATASET_TEMPORAL, totals);
  const temporalOk = printCounts('Temporal path', temporalCounts) && finished.records === records;
  if (finished.records !== records) log(`MISMATCH: the run summary reports ${finished.records} records read, the source has ${records}`);
  if (!temporalOk) return { code: 1, result: 'FAILED backfill: after the Temporal path the warehouse does not hold exactly the source records (see MISMATCH above)' };

  const history = await analyseHistories(service.client, connectionWorkflowId(connectionId));
  printHistory(history, temporalMs, log);
  printTimings('FreshBooks sandbox (Temporal path)', sb.fbTimings, temporalMs);
  printTimings('BigQuery target (Temporal path)', sb.googleTimings, temporalMs);
  if (emulator) log('  (emulator mode: BigQuery calls go to the emulator, not timed server-side)');
  printCpu('CPU seconds during the Temporal path', cpuTemporal, temporalMs);

  // Worker done: its peak is final. Stop it so the plain loop runs on an otherwise idle machine.
  workerMem.stop();
  const workerRssMb = Math.max(workerMem.hwmMb, workerMem.peakRssMb);
  await stopChild(worker);
  if (workerProfile) printWorkerProfile(workerProfile, history, temporalMs);
  printCpuProfile('worker CPU profile', workerProf.dir);
  log(`worker stopped: VmHWM ${fmt(workerMem.hwmMb)} MB (after start-up/bundling: ${fmt(startupHwmMb)} MB), peak sampled RSS during the sync ${fmt(workerMem.peakRssMb)} MB`);

  // Free the first run's rows before the second (they live in this process).
  if (!emulator) for (const table of sb.google.state.dataset(PROJECT, DATASET_TEMPORAL)?.tables.values() ?? []) table.rows.length = 0;

  // ── Plain loop ──
  log('── plain loop (no Temporal, no Postgres ledger), child process');
  sb.fbTimings.reset();
  sb.googleTimings.reset();
  const input: PlainInput = {
    fbApiBase: sb.fbUrl,
    accountId: business.accountId,
    businessId: business.businessId,
    accessToken: sb.fb.state.issueTokens().access_token,
    requestsPerSec: Number(BENCH_REQUESTS_PER_SEC),
    bigqueryEndpoint: bq?.url ?? sb.googleUrl,
    tokenUrl: `${sb.googleUrl}/token`,
    serviceAccountKeyJson: sb.serviceAccountKeyJson,
    projectId: PROJECT,
    datasetId: DATASET_PLAIN,
    location: LOCATION,
    entities: [...CORE_FRESHBOOKS_ENTITIES],
    ...(opts.plainPagesPerBatch ? { pagesPerBatch: opts.plainPagesPerBatch } : {}),
  };
  const plainRoles = roles.filter((r) => r.name !== 'worker');
  const cpuPlainBefore = cpuByRole(process.pid, plainRoles);
  const plainProf = cpuProf(opts, 'plain');
  const plain = await runPlainChild(input, Math.max(120_000, (opts.timeoutSec - 120) * 1000 / 2), plainProf.args);
  // The child reports its own CPU (it has exited by now, so /proc no longer has it).
  const cpuPlain = { plain: plain.result.cpuSec, ...diffCpu(cpuByRole(process.pid, plainRoles), cpuPlainBefore) };
  const plainRps = records / (plain.result.elapsedMs / 1000);
  log(`plain loop done: ${fmt(plain.result.records)} records, ${fmt(plain.result.rows)} rows, ${plain.result.loadJobs} load jobs in ${fmt(plain.result.elapsedMs / 1000, 2)} s → ${fmt(plainRps, 1)} records/s; child peak RSS ${fmt(plain.peakRssMb)} MB`);
  log(`plain loop phases: prepare ${fmt(plain.result.prepareMs / 1000, 2)} s, FreshBooks reads ${fmt(plain.result.fetchMs / 1000, 2)} s, map ${fmt(plain.result.mapMs / 1000, 2)} s, BigQuery loads ${fmt(plain.result.loadMs / 1000, 2)} s`);
  printCpuProfile('plain loop CPU profile', plainProf.dir);
  const plainCounts = await countTables(sb, bq?.url, DATASET_PLAIN, totals);
  const plainOk = printCounts('plain loop', plainCounts) && plain.result.records === records;
  if (!plainOk) return { code: 1, result: 'FAILED backfill: after the plain loop the warehouse does not hold exactly the source records (see MISMATCH above)' };
  printTimings('FreshBooks sandbox (plain loop)', sb.fbTimings, plain.result.elapsedMs);
  printTimings('BigQuery target (plain loop)', sb.googleTimings, plain.result.elapsedMs);
  printCpu('CPU seconds during the plain loop', cpuPlain, plain.result.elapsedMs);
  if (!emulator) for (const table of sb.google.state.dataset(PROJECT, DATASET_PLAIN)?.tables.values() ?? []) table.rows.length = 0;

  // ── Summary ──
  const ratio = temporalRps / plainRps;
  const targets = [
    `ratio ${ratio.toFixed(3)} ${ratio >= 0.7 ? '≥' : '<'} 0.7`,
    `worker RSS ${fmt(workerRssMb)} MB ${workerRssMb < 500 ? '<' : '≥'} 500`,
    `max history ${history.maxEvents} ${history.maxEvents <= 2000 ? '≤' : '>'} 2000`,
  ];
  log(`targets: ${targets.join('; ')}`);
  log(`moved ${fmt(records)} source records per path (${fmt(records + lineRows)} warehouse rows incl. ${fmt(lineRows)} invoice/bill lines); both warehouses match the source exactly`);
  const label = `${emulator ? 'backfill-emulator' : 'backfill'}${experiment ? '-experiment' : ''}`;
  return {
    code: 0,
    result: `RESULT ${label} records=${records} temporal_rps=${temporalRps.toFixed(1)} plain_rps=${plainRps.toFixed(1)} ratio=${ratio.toFixed(3)} worker_rss_mb=${Math.round(workerRssMb)} max_history_events=${history.maxEvents}`,
  };
}

async function waitForFirstRun(
  service: LocalService, connectionId: string, t0: number, worker: ChildProcess, mem: MemorySampler, records: number, timeoutMs: number,
): Promise<{ endMs: number; records: number; rows: number }> {
  const until = t0 + timeoutMs;
  let lastProgress = Date.now();
  while (Date.now() < until) {
    if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`worker died (code ${worker.exitCode}, signal ${worker.signalCode})`);
    const { rows } = await service.db.query<{ finished_at: Date; error: string | null; stats: Record<string, { records: number; rows: number }> }>(
      'SELECT finished_at, error, stats FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL ORDER BY id LIMIT 1', [connectionId]);
    const run = rows[0];
    if (run) {
      const detected = Date.now();
      if (run.error) throw new Error(`the backfill run failed: ${run.error}`);
      // finished_at is the workflow's own clock at the end of the run; the poll adds up to 200 ms.
      const finishedMs = run.finished_at.getTime();
      const endMs = finishedMs > t0 && finishedMs <= detected ? finishedMs : detected;
      const stats = Object.values(run.stats);
      return { endMs, records: stats.reduce((n, s) => n + s.records, 0), rows: stats.reduce((n, s) => n + s.rows, 0) };
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      const status: ConnectionWorkflowStatus | null = await service.workflows.connectionStatus(connectionId).catch(() => null);
      const cur = status?.currentRun;
      const done = cur ? Object.values(cur.summary.entities).reduce((n, s) => n + (s?.records ?? 0), 0) : 0;
      const secs = (Date.now() - t0) / 1000;
      log(`  temporal t=${secs.toFixed(1)}s ${cur ? `${cur.entity ?? '…'} page ${cur.page}` : status?.phase ?? 'starting'}: ${fmt(done)}/${fmt(records)} records (${fmt(done / secs, 0)}/s), worker RSS ${fmt(mem.lastRssMb)} MB (peak ${fmt(mem.peakRssMb)})`);
    }
    await sleep(200);
  }
  throw new Error(`the backfill run did not finish within ${timeoutMs / 1000}s`);
}

async function runPlainChild(input: PlainInput, timeoutMs: number, nodeArgs: string[]): Promise<{ result: PlainResult; peakRssMb: number }> {
  const child = spawnTs('bench/plain-loop.ts', { ...process.env, BENCH_PLAIN_INPUT: JSON.stringify(input) }, nodeArgs);
  const mem = new MemorySampler(child.pid!, 200);
  let result: PlainResult | undefined;
  forwardLines(child.stdout, '[plain]', (line) => {
    if (!line.startsWith('PLAIN_RESULT ')) return false;
    result = JSON.parse(line.slice('PLAIN_RESULT '.length)) as PlainResult;
    return true;
  });
  forwardLines(child.stderr, '[plain]');
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const timer = setTimeout(() => { log(`plain loop exceeded ${timeoutMs / 1000}s; killing it`); child.kill('SIGKILL'); }, timeoutMs);
  const code = await exit;
  clearTimeout(timer);
  mem.stop();
  if (code !== 0 || !result) throw new Error(`plain loop failed (exit ${code})`);
  return { result, peakRssMb: Math.max(mem.hwmMb, mem.peakRssMb) };
}

interface WorkerProfile {
  cpuSec: number;
  memoryPeakMb: Record<string, number>;
  timers: Record<string, { count: number; ms: number }>;
}

function printWorkerProfile(p: WorkerProfile, h: HistoryReport, wallMs: number): void {
  const sync = h.byActivity.syncPages;
  log(`worker profile: CPU ${fmt(p.cpuSec, 1)} s (whole life); process.memoryUsage() peaks (MB): ${Object.entries(p.memoryPeakMb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`  syncPages exec total ${fmt((sync?.execMs ?? 0) / 1000, 2)} s of ${fmt(wallMs / 1000, 2)} s wall; inside activities (wall, nested timers overlap):`);
  for (const [name, t] of Object.entries(p.timers)) {
    log(`  ${name.padEnd(36)} ×${String(t.count).padStart(6)}  ${fmt(t.ms / 1000, 2).padStart(7)} s  avg ${fmt(t.ms / t.count, 2)} ms`);
  }
}

function printCpu(label: string, cpu: Record<string, number>, wallMs: number): void {
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  log(`${label} (wall ${fmt(wallMs / 1000, 1)} s, 2 cores = ${fmt((2 * wallMs) / 1000, 1)} core-s): ${Object.entries(cpu).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')}; total ${fmt(total, 1)}`);
}

// The sandboxes hold every landed row in this process; give it room (the measured children keep Node's defaults).
if (getHeapStatistics().heap_size_limit < 6 * 1024 ** 3 && !process.env.BENCH_REEXEC) {
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, BENCH_REEXEC: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().then((code) => process.exit(code), (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.stdout.write(`FAILED backfill: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
