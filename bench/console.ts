/**
 * The operator console and the reconciliation report at scale (issue 14), in one run:
 *   1. --connections FreshBooks connections made through the real API, each after its own OAuth through the
 *      sandbox, half to the Postgres warehouse (a schema each) and half to the fast in-memory BigQuery sandbox
 *      (a dataset each), each given --runs real runs (the first, full; then incremental syncs asked for over
 *      the API). To keep 200 backfills affordable they read the sandbox's second business and sync only its
 *      two reference entities (expense categories, accounts: 16 records): a tiny business each, real runs.
 *      The list's time to first byte is sampled as the connections come (every 50) to show how it grows.
 *   2. The console as served, signed in through its login form: the connections list's time to first byte
 *      (HTTP GET with the session cookie), the list and one connection's page fully rendered in Chromium
 *      (navigation → load and network idle; Playwright's 500 ms quiet window taken off), medians.
 *   3. A separate connection of the first business, seeded with --invoices invoices (and everything else at
 *      the same scale), backfilled into the Postgres warehouse, then `POST /api/connections/:id/reconcile`
 *      timed, with the report's `sourceRequests` (and the sandbox's own count of the requests it served);
 *   4. the same once one invoice has been removed from the warehouse by hand: the counts differ, so the
 *      invoices are walked page by page (`reconcile_walk_*`), and the report must name the missing one.
 *
 *   source .tools/env && npx tsx bench/console.ts [--connections 200] [--runs 3] [--invoices 100000] [--samples 7]
 *
 * The last line is `RESULT console …` or `FAILED console: …`.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { chromium } from 'playwright-core';
import { freePort, startPostgres, startTemporal } from '../scripts/dev-stack';
import { adminCall, authorizeThroughSandbox, sandboxEnv } from '../scripts/local-service';
import { SESSION_COOKIE } from '../api/console/session';
import { WORKER_NODE_FLAGS, writeWorkflowBundle } from '../workers/workflow-bundle';
import { benchMain, sleep, type BenchOutcome, type Teardown } from './children';
import { cpuByRole, diffCpu } from './proc';
import { startTimedSandboxes } from './sandboxes';
import { alive, fmtMs, machineBusySec, sdkChatter, spawnNode, stopProcess, waitHttpOk } from './webhooks-procs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const PROJECT = 'ml-connector-dev';
/** The small connections' entities: reference data, which does not grow with the seed's scale. */
const SMALL_ENTITIES = ['expense_categories', 'accounts'];
/** Playwright's networkidle waits this long with no request in flight before it resolves. */
const IDLE_WINDOW_MS = 500;

interface Options {
  connections: number;
  runs: number;
  invoices: number;
  samples: number;
  concurrency: number;
  timeoutSec: number;
}

function parseArgs(argv: string[]): Options {
  const num = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
    return n;
  };
  return {
    connections: num('--connections', 200), runs: num('--runs', 3), invoices: num('--invoices', 100_000), samples: num('--samples', 7),
    concurrency: num('--concurrency', 8), timeoutSec: num('--timeout-sec', 2400),
  };
}

const log = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmtList = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');

/** `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  return benchMain('console', opts.timeoutSec, log, (teardown) => run(opts, teardown));
}

async function run(opts: Options, teardown: Teardown): Promise<BenchOutcome> {
  const load = loadavg()[0]!;
  if (load > 0.5) log(`WARNING: load average ${load.toFixed(2)} before starting: something else runs on this machine (see "OTHER processes" below)`);
  const [temporal, pg] = await Promise.all([startTemporal(), startPostgres()]);
  teardown.add('postgres', () => pg.stop());
  teardown.add('temporal', () => stopProcess(temporal.child, 10_000));

  // The warehouse: its own database on the same server, as bench/looker.ts and the demo do.
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_warehouse');
  await admin.end();
  const whUrl = new URL(pg.url);
  whUrl.pathname = '/bench_warehouse';
  const warehouseUrl = whUrl.toString();
  // The service's own database, read directly to follow runs (asking the API would query every workflow).
  const db = new Pool({ connectionString: pg.url, max: 2 });
  teardown.add('service db pool', () => db.end());

  const sb = await startTimedSandboxes({ scale: { invoices: opts.invoices } });
  teardown.add('sandboxes', () => sb.close());

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const serviceEnv = sandboxEnv(sb, { databaseUrl: pg.url, temporalAddress: temporal.address, bigqueryEndpoint: sb.googleUrl }, {
    TEMPORAL_TASK_QUEUE: `bench-console-${randomBytes(4).toString('hex')}`, FRESHBOOKS_REQUESTS_PER_SEC: '100000', LOG_LEVEL: 'warn', PORT: String(apiPort), PUBLIC_URL: apiUrl,
  });
  const childEnv = { ...process.env, ...serviceEnv };
  const api = spawnNode('api/main.ts', childEnv, '[api]');
  teardown.add('api', () => stopProcess(api));
  await waitHttpOk(`${apiUrl}/healthz`, api, 120_000);
  const bundlePath = await writeWorkflowBundle(resolve(tmpdir(), `ml-connector-console-bundle-${process.pid}.js`));
  teardown.add('bundle', () => rmSync(bundlePath, { force: true }));
  const worker = spawnNode('workers/main.ts', { ...childEnv, WORKFLOW_BUNDLE_PATH: bundlePath }, '[worker]', WORKER_NODE_FLAGS, sdkChatter());
  teardown.add('worker', () => stopProcess(worker));
  const roles = [
    { name: 'api', pid: api.pid }, { name: 'worker', pid: worker.pid }, { name: 'temporal', pid: temporal.child.pid },
    { name: 'postgres', comm: /^postgres/ }, { name: 'bench(sandboxes+client)', pid: process.pid, tree: false },
  ];
  const cpuNow = () => ({ roles: cpuByRole(process.pid, roles), busy: machineBusySec() });
  const cpuSince = (t0: ReturnType<typeof cpuNow>): Record<string, number> => {
    const d = diffCpu(cpuByRole(process.pid, roles), t0.roles);
    const ours = Object.values(d).reduce((a, b) => a + b, 0);
    return { ...d, 'OTHER processes': Math.max(0, machineBusySec() - t0.busy - ours) };
  };
  const adminToken = serviceEnv.ADMIN_TOKEN!;
  const [big, small] = sb.fb.state.accountingMemberships().map((m) => m.business);
  const counts = sb.fb.state.counts;
  log(`stack up: API ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid}, Temporal ${temporal.address}; ${cpus().length} cores, load ${load.toFixed(2)}`);
  log(`sandbox: ${big!.name} seeded with ${counts.primary.invoices} invoices (${JSON.stringify(counts.primary)}); ${small!.name} with ${JSON.stringify(counts.secondary)}`);

  const create = async (businessId: number, destination: Record<string, unknown>, entities?: string[]): Promise<string> => {
    const auth = await authorizeThroughSandbox(apiUrl, adminToken);
    const res = await adminCall(apiUrl, adminToken, '/api/connections', {
      body: { authorizationId: auth.authorizationId, businessIds: [businessId], destination, settings: { pollIntervalSec: 7 * 86_400, reconcileEveryHours: 24 * 30, webhooks: false, ...(entities ? { entities } : {}) } },
    });
    if (res.status !== 201) throw new Error(`create connection: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.connectionIds[0] as string;
  };
  /** Finished runs per connection, from the service's own table. */
  const finishedRuns = async (ids: string[]): Promise<Map<string, { done: number; failed: number }>> => {
    const { rows } = await db.query<{ connection_id: string; done: string; failed: string }>(
      `SELECT connection_id, count(*) FILTER (WHERE finished_at IS NOT NULL) AS done, count(*) FILTER (WHERE error IS NOT NULL) AS failed
         FROM sync_runs WHERE connection_id = ANY($1) GROUP BY connection_id`, [ids]);
    return new Map(rows.map((r) => [r.connection_id, { done: Number(r.done), failed: Number(r.failed) }]));
  };
  const waitRuns = async (ids: string[], atLeast: number, what: string, limitMs: number): Promise<void> => {
    const t0 = performance.now();
    for (;;) {
      if (!alive(worker) || !alive(api)) throw new Error('the worker or the API exited');
      const m = await finishedRuns(ids);
      const failed = [...m.values()].reduce((a, r) => a + r.failed, 0);
      if (failed > 0) throw new Error(`${failed} run(s) failed while waiting for ${what}`);
      if (ids.every((id) => (m.get(id)?.done ?? 0) >= atLeast)) return;
      if (performance.now() - t0 > limitMs) throw new Error(`${what}: not done after ${limitMs / 1000} s`);
      await sleep(500);
    }
  };

  // ── 3 (started first: it runs while the small connections are made) the big connection ──
  const bigSchema = 'freshbooks_big';
  const tBig = performance.now();
  const bigId = await create(big!.businessId, { type: 'postgres', url: warehouseUrl, schema: bigSchema });
  const bigDone = waitRuns([bigId], 1, 'the big backfill', opts.timeoutSec * 600).then(() => performance.now() - tBig);
  bigDone.catch(() => undefined); // awaited below; a failure must not be an unhandled rejection meanwhile

  // ── 1. the small connections, with the list's TTFB sampled as they come ──
  const session = await login(apiUrl, adminToken);
  const listTtfb = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await timedGet(`${apiUrl}/console/connections`, session)).ttfbMs);
    return out;
  };
  const smallIds: string[] = [];
  const growth: { connections: number; ttfbMs: number[] }[] = [];
  const tSmall = performance.now();
  const cpuSmall = cpuNow();
  for (let from = 0; from < opts.connections; from += 50) {
    const batch = Array.from({ length: Math.min(50, opts.connections - from) }, (_, k) => from + k);
    const ids = await pool(batch, opts.concurrency, (i) => create(small!.businessId, i % 2 === 0
      ? { type: 'postgres', url: warehouseUrl, schema: `c${String(i).padStart(3, '0')}` }
      : { type: 'bigquery', projectId: PROJECT, datasetId: `c${String(i).padStart(3, '0')}`, location: 'US', serviceAccountKey: sb.serviceAccountKeyJson }, SMALL_ENTITIES));
    smallIds.push(...ids);
    await waitRuns(ids, 1, `first runs of connections ${from + 1}–${from + batch.length}`, opts.timeoutSec * 300);
    const samples = await listTtfb(3);
    growth.push({ connections: smallIds.length + 1, ttfbMs: samples });
    log(`${smallIds.length} small connections made and synced once (${((performance.now() - tSmall) / 1000).toFixed(0)} s); list TTFB with ${smallIds.length + 1} connections: ${fmtList(samples)} ms`);
  }
  for (let round = 2; round <= opts.runs; round++) {
    await pool(smallIds, opts.concurrency, async (id) => {
      const res = await adminCall(apiUrl, adminToken, `/api/connections/${id}/sync`, { body: { mode: 'incremental' } });
      if (res.status >= 300) throw new Error(`sync ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    });
    await waitRuns(smallIds, round, `run ${round} of the small connections`, opts.timeoutSec * 300);
    log(`run ${round} of ${smallIds.length} connections done (${((performance.now() - tSmall) / 1000).toFixed(0)} s)`);
  }
  const smallSec = (performance.now() - tSmall) / 1000;
  const smallCpu = cpuSince(cpuSmall);
  const runs = smallIds.length * opts.runs;
  log(`history: ${smallIds.length} connections × ${opts.runs} real runs in ${smallSec.toFixed(0)} s (concurrently with the big backfill); CPU s ${fmtCpu(smallCpu)}`);

  const bigMs = await bigDone;
  const { rows: [bigRun] } = await db.query<{ stats: Record<string, { records?: number }> }>(`SELECT stats FROM sync_runs WHERE connection_id = $1 ORDER BY id LIMIT 1`, [bigId]);
  const bigRecords = Object.values(bigRun?.stats ?? {}).reduce((a, e) => a + (e.records ?? 0), 0);
  log(`big backfill: ${bigRecords} records (${counts.primary.invoices} invoices) in ${(bigMs / 1000).toFixed(0)} s into the Postgres warehouse`);
  // The workflow reconciles after its first full run: let that report land before timing one of our own.
  const tAuto = performance.now();
  let auto: { report: { startedAt: string; finishedAt: string; sourceRequests: number; status: string } } | undefined;
  while (!(auto = (await db.query(`SELECT report FROM reconciliation_reports WHERE connection_id = $1 ORDER BY finished_at DESC LIMIT 1`, [bigId])).rows[0])) {
    if (performance.now() - tAuto > 300_000) throw new Error('no report after the big backfill within 300 s');
    await sleep(500);
  }
  log(`the report after the backfill: ${auto.report.status}, ${((Date.parse(auto.report.finishedAt) - Date.parse(auto.report.startedAt)) / 1000).toFixed(1)} s, ${auto.report.sourceRequests} source requests`);

  // ── 2. the console as served ──
  const total = smallIds.length + 1;
  const cpuList = cpuNow();
  const ttfb: number[] = [];
  const fullGet: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    const r = await timedGet(`${apiUrl}/console/connections`, session);
    ttfb.push(r.ttfbMs);
    fullGet.push(r.totalMs);
  }
  const listCpu = cpuSince(cpuList);
  log(`list (${total} connections) over HTTP: TTFB ${fmtList(ttfb)} ms (median ${fmtMs(median(ttfb))}), whole body ${fmtList(fullGet)} ms; CPU per list page: api ${((listCpu.api ?? 0) * 1000 / opts.samples).toFixed(0)} ms, worker ${((listCpu.worker ?? 0) * 1000 / opts.samples).toFixed(0)} ms, temporal ${((listCpu.temporal ?? 0) * 1000 / opts.samples).toFixed(0)} ms`);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  teardown.add('chromium', () => browser.close());
  const page = await browser.newPage();
  await page.goto(`${apiUrl}/console/login`);
  await page.fill('#token', adminToken);
  await Promise.all([page.waitForURL('**/console/connections', { timeout: 60_000 }), page.click('button[type=submit]')]);
  const rendered = async (url: string): Promise<{ idleMs: number; loadMs: number }> => {
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'networkidle', timeout: 60_000 });
    const idleMs = performance.now() - t0 - IDLE_WINDOW_MS;
    // Navigation start → end of the load event, as the browser itself timed it.
    const loadMs = await page.evaluate(() => (globalThis as any).performance.getEntriesByType('navigation')[0].loadEventEnd as number);
    return { idleMs, loadMs };
  };
  const renderSamples = async (url: string) => {
    const cold = await rendered(url); // first visit of the page: its own assets are not cached yet
    const warm: { idleMs: number; loadMs: number }[] = [];
    for (let i = 0; i < opts.samples; i++) warm.push(await rendered(url));
    return { cold, idle: warm.map((w) => w.idleMs), load: warm.map((w) => w.loadMs) };
  };
  const cpuRender = cpuNow();
  const list = await renderSamples(`${apiUrl}/console/connections`);
  const rows = await page.locator('#connection-rows tr').count();
  const listRenderCpu = cpuSince(cpuRender);
  log(`list rendered in Chromium (${rows} rows): to network idle ${fmtList(list.idle)} ms (median ${fmtMs(median(list.idle))}; first visit ${fmtMs(list.cold.idleMs)}), load event ${fmtList(list.load)} ms`);
  const detailId = smallIds[0]!;
  const detail = await renderSamples(`${apiUrl}/console/connections/${detailId}`);
  log(`connection page (${detailId}, ${opts.runs} runs) rendered: to network idle ${fmtList(detail.idle)} ms (median ${fmtMs(median(detail.idle))}), load event ${fmtList(detail.load)} ms`);
  const bigPage = await renderSamples(`${apiUrl}/console/connections/${bigId}`);
  log(`connection page of the big connection rendered: to network idle median ${fmtMs(median(bigPage.idle))} ms, load event median ${fmtMs(median(bigPage.load))} ms`);
  log(`CPU s while Chromium rendered the list ${opts.samples + 1} times (its 3 s refreshes included): ${fmtCpu(listRenderCpu)}`);
  await browser.close();

  // ── 3. reconcile the big connection on demand ──
  sb.fbTimings.reset();
  const cpuRec = cpuNow();
  const tRec = performance.now();
  const rec = await adminCall(apiUrl, adminToken, `/api/connections/${bigId}/reconcile`, { body: {} });
  const reconcileSec = (performance.now() - tRec) / 1000;
  if (rec.status !== 200) throw new Error(`reconcile: ${rec.status} ${JSON.stringify(rec.body)}`);
  const recCpu = cpuSince(cpuRec);
  const served = [...sb.fbTimings.byOp.entries()].map(([op, t]) => `${op} ×${t.count}`).join(', ');
  const report = rec.body as { status: string; sourceRequests: number; entities: { entity: string; sourceCount?: number; destinationCount?: number }[] };
  log(`reconcile: ${reconcileSec.toFixed(2)} s, status ${report.status}, sourceRequests ${report.sourceRequests}; the FreshBooks sandbox served ${served || 'nothing'}`);
  log(`  entities: ${report.entities.map((e) => `${e.entity} ${e.sourceCount ?? '?'}/${e.destinationCount ?? '?'}`).join(', ')}`);
  log(`  CPU s during the reconcile: ${fmtCpu(recCpu)}`);

  // ── 4. the same, once the counts differ: one invoice removed from the warehouse by hand, so the
  // invoices' ids are walked page by page (and their sums compared) rather than settled by `total` ──
  const wh = new Client({ connectionString: warehouseUrl });
  await wh.connect();
  const { rows: [removed] } = await wh.query<{ id: string }>(`DELETE FROM ${bigSchema}.freshbooks_invoices WHERE id = (SELECT min(id) FROM ${bigSchema}.freshbooks_invoices_latest) RETURNING id::text AS id`);
  await wh.end();
  sb.fbTimings.reset();
  const cpuWalk = cpuNow();
  const tWalk = performance.now();
  const walk = await adminCall(apiUrl, adminToken, `/api/connections/${bigId}/reconcile`, { body: {} });
  const walkSec = (performance.now() - tWalk) / 1000;
  if (walk.status !== 200) throw new Error(`reconcile after the removal: ${walk.status} ${JSON.stringify(walk.body)}`);
  const walked = walk.body as { status: string; sourceRequests: number; entities: { entity: string; missingInDestination: string[]; sums: unknown[] }[] };
  const inv = walked.entities.find((e) => e.entity === 'invoices');
  const found = inv?.missingInDestination.includes(removed?.id ?? '') === true;
  log(`reconcile with invoice ${removed?.id} removed from the warehouse: ${walkSec.toFixed(2)} s, status ${walked.status}, sourceRequests ${walked.sourceRequests}, `
    + `invoices missing ${JSON.stringify(inv?.missingInDestination ?? [])} (${found ? 'found' : 'NOT found'}), ${inv?.sums.length ?? 0} sum rows compared`);
  const walkCpu = cpuSince(cpuWalk);
  const walkServed = [...sb.fbTimings.byOp.entries()].map(([op, t]) => `${op} ×${t.count} (${(t.totalMs / 1000).toFixed(1)} s in handlers)`).join(', ');
  log(`  CPU s during the walk: ${fmtCpu(walkCpu)}; the worker's per 1,000 walked invoices: ${((walkCpu.worker ?? 0) * 1e6 / Math.max(1, counts.primary.invoices)).toFixed(1)} ms; the FreshBooks sandbox served ${walkServed || 'nothing'}`);
  if (!found) throw new Error('the reconcile walk did not find the invoice removed from the warehouse');
  log(`list TTFB as connections were added: ${growth.map((g) => `${g.connections}: ${fmtMs(median(g.ttfbMs))} ms`).join(', ')}`);
  log(`targets: list rendered ≤ 1000 ms (${fmtMs(median(list.idle))}), detail ≤ 1500 ms (${fmtMs(median(detail.idle))}), reconcile of 100k invoices ≤ 30 s (${reconcileSec.toFixed(1)} s with ${counts.primary.invoices})`);
  log(`history was made by real runs: ${runs} runs over ${smallIds.length} connections of ${SMALL_ENTITIES.join('+')} (a tiny business each) plus the big connection's backfill`);

  const result = `RESULT console connections=${total} list_ttfb_ms=${fmtMs(median(ttfb))} list_render_ms=${fmtMs(median(list.idle))} detail_render_ms=${fmtMs(median(detail.idle))} `
    + `reconcile_s=${reconcileSec.toFixed(1)} reconcile_source_requests=${report.sourceRequests} reconcile_walk_s=${walkSec.toFixed(1)} reconcile_walk_source_requests=${walked.sourceRequests}${counts.primary.invoices === 100_000 ? '' : ` invoices=${counts.primary.invoices}`}`;
  return { code: 0, result };
}

/** Signs in through the login form as a browser posts it; the session cookie's value it sets. */
async function login(apiUrl: string, adminToken: string): Promise<string> {
  const res = await fetch(`${apiUrl}/console/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: apiUrl },
    body: new URLSearchParams({ token: adminToken }).toString(),
  });
  await res.text();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (res.status !== 303 || !cookie) throw new Error(`console login: ${res.status}, no session cookie`);
  return cookie.slice(SESSION_COOKIE.length + 1);
}

async function timedGet(url: string, cookie: string): Promise<{ ttfbMs: number; totalMs: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` }, redirect: 'manual' });
  const ttfbMs = performance.now() - t0;
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
  return { ttfbMs, totalMs: performance.now() - t0 };
}

const fmtCpu = (cpu: Record<string, number>) => Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.stdout.write(`FAILED console: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
