/**
 * FreshBooks → Tableau benchmark, in one run:
 *   1. the seeded account backfilled into a published data source through the whole service (API → OAuth
 *      through the sandbox → Tableau connection → connection workflow → worker child → Update Data jobs);
 *   2. the same account through a plain loop (bench/tableau-plain-loop.ts: same client and mapping, one
 *      .hyper written with the same writer and published once, no Temporal, no ledger, no Update Data);
 *   3. webhooks at --rate changes/s for --seconds: each changes an invoice's PO number in the FreshBooks
 *      sandbox and POSTs the signed form; e2e = POST sent → the PO number readable in the sandbox's data
 *      source (its `.hyper` read back by hyperd after each job the sandbox finished, which the bench looks
 *      for every --poll-ms: that bounds the figure's resolution).
 * The Tableau sandbox runs in this process and applies each Update Data job to the stored `.hyper` with a
 * real hyperd; --job-ms makes each job wait that long before it runs (real Tableau jobs take seconds).
 *
 *   source .tools/env && npx tsx bench/tableau.ts [--invoices 2000] [--rate 10] [--seconds 60] [--job-ms 0] [--window-ms N: a fixed webhook window] [--profile-dir DIR]
 *
 * The last line is `RESULT tableau …` or `FAILED tableau: …` (exit code 1 also when anything was lost or
 * duplicated).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client as TemporalClient, Connection as TemporalConnection } from '@temporalio/client';
import { Pool as PgPool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { connectionWorkflowId } from '../contracts/ids';
import { signFreshBooksWebhook } from '../connectors/freshbooks';
import { createTableauSandbox } from '../sandbox/tableau';
import { freePort, startPostgres, startTemporal } from '../scripts/dev-stack';
import { adminCall, authorizeThroughSandbox, sandboxEnv, startSandboxes } from '../scripts/local-service';
import type { TableauJobRow } from '../db/tableau';
import type { ConnectionWorkflowStatus } from '../contracts/connection';
import { WORKER_NODE_FLAGS, writeWorkflowBundle } from '../workers/workflow-bundle';
import { benchMain, forwardLines, sleep, spawnTs, waitForPollers, type BenchOutcome, type Teardown } from './children';
import { printFirstRunTimeline } from './history';
import { cpuByRole, diffCpu } from './proc';
import type { TableauPlainInput, TableauPlainResult } from './tableau-plain-loop';
import { alive, describeQuantiles, fmtMs, machineBusySec, quantiles, sdkChatter, spawnNode, stopProcess, waitHttpOk } from './webhooks-procs';

const DS = 'FreshBooks';
const SERVICE_ROLES = ['worker(+its hyperd)', 'api', 'temporal', 'postgres'];
const PLAIN_DS = 'FreshBooks plain';
const PAT = { patName: 'bench-tableau', patSecret: randomBytes(18).toString('base64url') };
const PLAIN_PAT = { patName: 'bench-plain', patSecret: randomBytes(18).toString('base64url') };

interface Options {
  invoices: number;
  rate: number;
  seconds: number;
  pollMs: number;
  jobMs: number;
  /** A fixed webhook window (the connection's `settings.deliveryWindowMs`); -1: the destination's default. */
  windowMs: number;
  drainSec: number;
  timeoutSec: number;
  profileDir?: string;
}

function parseArgs(argv: string[]): Options {
  const num = (name: string, dflt: number, min = 1e-9): number => {
    const i = argv.indexOf(name);
    const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return n;
  };
  return {
    invoices: num('--invoices', 2000), rate: num('--rate', 10), seconds: num('--seconds', 60), pollMs: num('--poll-ms', 20),
    jobMs: num('--job-ms', 0, 0), windowMs: num('--window-ms', -1, -1), drainSec: num('--drain-sec', 30), timeoutSec: num('--timeout-sec', 1500),
    // The worker writes a V8 CPU profile there (bench/cpuprofile-summary.ts reads it).
    ...(argv.includes('--profile-dir') ? { profileDir: argv[argv.indexOf('--profile-dir') + 1] } : {}),
  };
}

const log = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);

interface Change {
  invoiceId: number;
  token: string;
  sentAt: number;
  status?: number;
  visibleAt?: number;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  return benchMain('tableau', opts.timeoutSec, log, (teardown) => run(opts, teardown));
}

async function run(opts: Options, teardown: Teardown): Promise<BenchOutcome> {
  const load = loadavg()[0]!;
  if (load > 0.5) log(`WARNING: load average ${load.toFixed(2)} before starting: something else runs on this machine; see "OTHER processes" below`);
  const [temporal, pg] = await Promise.all([startTemporal(), startPostgres()]);
  teardown.add('postgres', () => pg.stop());
  teardown.add('temporal', () => stopProcess(temporal.child, 10_000));
  const temporalConnection = await TemporalConnection.connect({ address: temporal.address });
  teardown.add('temporal client', () => temporalConnection.close());
  const temporalClient = new TemporalClient({ connection: temporalConnection });

  const sb = await startSandboxes({ freshbooks: { seed: 7, scale: { invoices: opts.invoices } } });
  teardown.add('sandboxes', () => sb.close());
  const tableau = createTableauSandbox({ jobDurationMs: opts.jobMs });
  tableau.state.addPat(PAT.patName, PAT.patSecret);
  tableau.state.addPat(PLAIN_PAT.patName, PLAIN_PAT.patSecret);
  const tableauServer = await tableau.listen();
  teardown.add('tableau', () => tableauServer.close());
  const datasourceId = async (ds: string): Promise<string> => {
    const list = (await (await fetch(`${tableauServer.url}/_sandbox/datasources?name=${encodeURIComponent(ds)}`)).json()) as { id: string }[];
    if (list.length !== 1) throw new Error(`${list.length} data sources named ${ds}`);
    return list[0]!.id;
  };
  const rows = async (ds: string, table: string) => rowsOf(await datasourceId(ds), table);
  const rowsOf = async (id: string, table: string, query = ''): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${tableauServer.url}/_sandbox/datasources/${id}/tables/${table}${query}`);
    if (res.status !== 200) throw new Error(`reading ${table}: ${res.status}`);
    return ((await res.json()) as { rows: Record<string, unknown>[] }).rows;
  };
  const jobsCreated = async () => ((await (await fetch(`${tableauServer.url}/_sandbox/stats`)).json()) as { jobsCreated: number }).jobsCreated;

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const serviceEnv = sandboxEnv(sb, { databaseUrl: pg.url, temporalAddress: temporal.address, bigqueryEndpoint: sb.googleUrl }, {
    TEMPORAL_TASK_QUEUE: `bench-tableau-${randomBytes(4).toString('hex')}`, FRESHBOOKS_REQUESTS_PER_SEC: '100000', LOG_LEVEL: 'warn', PORT: String(apiPort), PUBLIC_URL: apiUrl,
    TABLEAU_ORIGIN_OVERRIDE: tableauServer.url,
  });
  const childEnv = { ...process.env, ...serviceEnv };
  const api = spawnNode('api/main.ts', childEnv, '[api]');
  teardown.add('api', () => stopProcess(api));
  await waitHttpOk(`${apiUrl}/healthz`, api, 120_000);
  const bundlePath = await writeWorkflowBundle(resolve(tmpdir(), `ml-connector-tableau-bundle-${process.pid}.js`));
  teardown.add('bundle', () => rmSync(bundlePath, { force: true }));
  const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const worker = spawnNode('workers/main.ts', { ...childEnv, WORKFLOW_BUNDLE_PATH: bundlePath }, '[worker]', [...WORKER_NODE_FLAGS, ...profile], sdkChatter());
  teardown.add('worker', () => stopProcess(worker));
  const roles = [
    { name: 'worker(+its hyperd)', pid: worker.pid }, { name: 'api', pid: api.pid }, { name: 'temporal', pid: temporal.child.pid },
    { name: 'postgres', comm: /^postgres/ }, { name: 'sandbox hyperd', comm: /^hyperd/ }, { name: 'bench(loadgen+sandboxes)', pid: process.pid, tree: false },
  ];
  // As a deployed service's would be, and as the plain loop's process is (its timing starts once it runs): the worker
  // polls before the clock starts, so its start-up is not counted as backfill time.
  await waitForPollers({ client: temporalClient, config: { temporal: { namespace: 'default' } } }, serviceEnv.TEMPORAL_TASK_QUEUE!, worker, 180_000);
  const adminToken = serviceEnv.ADMIN_TOKEN!;
  log(`stack up: API ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid}, Temporal ${temporal.address}, Tableau sandbox ${tableauServer.url} (jobs wait ${opts.jobMs} ms); ${cpus().length} cores`);

  // ── 1. backfill through Temporal ──
  const auth = await authorizeThroughSandbox(apiUrl, adminToken);
  const business = auth.businesses[0]!;
  const cpu0 = cpuByRole(process.pid, roles);
  const busy0 = machineBusySec();
  const jobs0 = await jobsCreated();
  const t0 = performance.now();
  const t0Wall = Date.now();
  const created = await adminCall(apiUrl, adminToken, '/api/connections', {
    body: {
      authorizationId: auth.authorizationId, businessIds: [business.businessId],
      destination: { type: 'tableau', deployment: 'server', siteUrl: 'https://tableau.example.com', ...PAT, project: 'Default', dataSourceName: DS },
      // --window-ms sets the webhook window (the connection's own setting); without it, the destination's default.
      settings: { pollIntervalSec: 3600, reconcileEveryHours: 24, ...(opts.windowMs >= 0 ? { deliveryWindowMs: opts.windowMs } : {}) },
    },
  });
  if (created.status !== 201) throw new Error(`create connection: ${created.status} ${JSON.stringify(created.body)}`);
  const connectionId = created.body.connectionIds[0] as string;
  const status = async (): Promise<{ workflow: ConnectionWorkflowStatus | null }> => (await adminCall(apiUrl, adminToken, `/api/connections/${connectionId}`)).body;
  // The run's end is its row in sync_runs (what the API's `runs` show), seen within ~50 ms (the plain loop's is
  // timed in its process). Read from Postgres, not through the API: the connection's status asks the workflow
  // (a Temporal query the worker answers), and 20 of those a second cost the service's processes CPU in the run
  // they time, which the plain loop never pays.
  const runs = new PgPool({ connectionString: pg.url, max: 1 });
  teardown.add('bench pg pool', () => runs.end());
  const finished = async () => (await runs.query('SELECT 1 FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL LIMIT 1', [connectionId])).rowCount! > 0;
  while (!(await finished())) {
    if (!alive(worker)) throw new Error('worker exited during the backfill');
    if (performance.now() - t0 > opts.timeoutSec * 500) throw new Error('backfill did not finish in half the time allowed');
    await sleep(50);
  }
  const temporalMs = performance.now() - t0;
  const cpuBackfill = withOthers(diffCpu(cpuByRole(process.pid, roles), cpu0), machineBusySec() - busy0);
  // The workflow's own view agrees once its last workflow task has run (after the clock stopped).
  let view = await status();
  while (!(view.workflow?.lastRun?.finishedAt && !view.workflow.currentRun)) {
    await sleep(50);
    view = await status();
  }
  if (view.workflow?.lastRun?.error) throw new Error(`backfill failed: ${view.workflow.lastRun.error}`);
  const backfillJobs = (await jobsCreated()) - jobs0;
  const records = Object.values(view.workflow!.lastRun!.entities).reduce((a, e) => a + e.records, 0);
  log(`timeline of the first run (from the create request; the bench saw it finished at ${(temporalMs / 1000).toFixed(3)}s):`);
  await printFirstRunTimeline(temporalClient, connectionWorkflowId(connectionId), t0Wall, log, t0Wall + temporalMs);
  const publishes = ((await adminCall(apiUrl, adminToken, `/api/connections/${connectionId}/tableau-jobs`)).body as { jobs: TableauJobRow[] }).jobs.filter((j) => j.action === 'publish');
  for (const p of publishes) log(`  publish (in finishFullRun): ${((Date.parse(p.startedAt) - t0Wall) / 1000).toFixed(3)}s → ${p.completedAt ? `${((Date.parse(p.completedAt) - t0Wall) / 1000).toFixed(3)}s` : 'not completed'} (.hyper written, uploaded, published)`);
  log(`Temporal backfill: ${records} records in ${(temporalMs / 1000).toFixed(1)} s (${(records / (temporalMs / 1000)).toFixed(0)} records/s), ${backfillJobs} Update Data jobs; CPU s ${fmtCpu(cpuBackfill)}`);

  // The run is followed by its reconciliation report (reads FreshBooks and the data source): let it end, so
  // the plain loop does not share the machine with it (it did, which slowed the loop and flattered the ratio).
  const handle = temporalClient.workflow.getHandle(connectionWorkflowId(connectionId));
  for (let idle = 0; idle < 2;) {
    idle = (await handle.describe()).raw.pendingActivities?.length ? 0 : idle + 1;
    await sleep(250);
  }

  // ── 2. the plain loop: same account, one file, one publish ──
  const plain = await runPlainChild({
    fbApiBase: sb.fbUrl, accountId: business.accountId, businessId: business.businessId, accessToken: sb.fb.state.issueTokens().access_token,
    requestsPerSec: 100_000, tableauUrl: tableauServer.url, ...PLAIN_PAT, project: 'Default', dataSourceName: PLAIN_DS,
  });
  log(`plain loop: ${plain.records} records in ${(plain.elapsedMs / 1000).toFixed(1)} s (${(plain.records / (plain.elapsedMs / 1000)).toFixed(0)} records/s; fetch ${(plain.fetchMs / 1000).toFixed(1)} s, .hyper ${(plain.writeMs / 1000).toFixed(1)} s for ${(plain.fileBytes / 1e6).toFixed(1)} MB, publish ${(plain.publishMs / 1000).toFixed(1)} s); CPU s of the loop's process ${plain.cpuSec.toFixed(1)} (its hyperd not counted)`);
  if (plain.records !== records) log(`note: the plain loop read ${plain.records} records, the workflow ${records}`);
  for (const table of ['Invoices', 'InvoiceLines', 'Payments', 'Expenses', 'Bills', 'Clients', 'ChartOfAccounts']) {
    const [a, b] = [await rows(DS, table), await rows(PLAIN_DS, table)];
    const ids = (rs: Record<string, unknown>[]) => rs.map(({ SyncedAt: _s, Version: _v, ...r }) => JSON.stringify(r)).sort().join('\n');
    if (ids(a) !== ids(b)) throw new Error(`${table}: the Temporal and plain data sources differ (${a.length} vs ${b.length} rows)`);
  }

  // ── 3. webhooks ──
  const hub = sb.fb.state.webhooks;
  while (![...hub.callbacks.values()].some((c) => c.event === 'invoice' && c.verified && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))) {
    if (performance.now() - t0 > opts.timeoutSec * 600) throw new Error('invoice callback never verified');
    await sleep(250);
  }
  const callback = [...hub.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))!;
  hub.dropDeliveries(Number.MAX_SAFE_INTEGER); // from here the bench is FreshBooks' only sender
  const invoices = sb.fb.state.store.account(business.accountId).tables.invoices.rows.filter((r) => r.vis === 0).map((r) => r.id);
  const tag = randomBytes(3).toString('hex');
  const http = new HttpPool(apiUrl, { connections: 32 });
  teardown.add('http pool', () => http.close());
  const changes: Change[] = [];
  const busy = new Set<number>();
  const outstanding = new Map<string, Change>();
  let watching = true;
  let lastSendAt = performance.now();
  // The data source changes only when a job finishes, so it is read once after each (the sandbox's job count is
  // polled every --poll-ms): reading it every 100 ms made the sandbox's hyperd use 0.75 of a core beside the
  // service, and the read holds the data source's lock as jobs do. One column, of a data source found once.
  const dsId = await datasourceId(DS);
  const jobsFinished = async () => {
    const s = (await (await fetch(`${tableauServer.url}/_sandbox/stats`)).json()) as { jobsSucceeded: number; jobsFailed: number; jobsCancelled: number };
    return s.jobsSucceeded + s.jobsFailed + s.jobsCancelled;
  };
  let readAfter = -1;
  const watcher = (async () => {
    while (watching || outstanding.size > 0) {
      const finished = outstanding.size > 0 ? await jobsFinished() : readAfter;
      if (finished !== readAfter) {
        readAfter = finished;
        const invoiceRows = await rowsOf(dsId, 'Invoices', '?columns=PoNumber&orderBy=PoNumber');
        const at = performance.now();
        for (const r of invoiceRows) {
          const c = outstanding.get(String(r.PoNumber));
          if (!c) continue;
          c.visibleAt = at;
          outstanding.delete(String(r.PoNumber));
          busy.delete(c.invoiceId);
        }
      }
      if (!watching && performance.now() - lastSendAt > opts.drainSec * 1000) break;
      await sleep(opts.pollMs);
    }
  })();
  let skipped = 0;
  let next = 0;
  const jobs1 = await jobsCreated();
  const cpu1 = cpuByRole(process.pid, roles);
  const busy1 = machineBusySec();
  const tStart = performance.now();
  const total = Math.round(opts.rate * opts.seconds);
  const sends: Promise<void>[] = [];
  log(`webhooks: ${opts.rate}/s for ${opts.seconds} s over ${invoices.length} invoices`);
  for (let k = 0; k < total; k++) {
    const due = tStart + (k * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    let invoiceId: number | undefined;
    for (let tries = 0; tries < invoices.length && invoiceId === undefined; tries++) {
      const candidate = invoices[next]!;
      next = (next + 1) % invoices.length;
      if (!busy.has(candidate)) invoiceId = candidate;
    }
    if (invoiceId === undefined) { skipped += 1; continue; }
    const c: Change = { invoiceId, token: `tb-${tag}-${k}`, sentAt: 0 };
    sb.fb.state.update(business.accountId, 'invoices', invoiceId, { po_number: c.token });
    busy.add(invoiceId);
    outstanding.set(c.token, c);
    changes.push(c);
    const body = new URLSearchParams([
      ['name', 'invoice.update'], ['object_id', String(invoiceId)], ['account_id', business.accountId], ['business_id', String(business.businessId)],
      ['identity_id', String(sb.fb.state.user.identityId)], ['user_id', '1'],
    ]).toString();
    c.sentAt = performance.now();
    lastSendAt = c.sentAt;
    sends.push(http.request({
      path: `/webhooks/freshbooks/${connectionId}`, method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, callback.verifier) },
    }).then(async (res) => { await res.body.dump(); c.status = res.statusCode; }, () => { c.status = 0; }));
  }
  await Promise.all(sends);
  watching = false;
  await watcher;
  const cpuWebhooks = withOthers(diffCpu(cpuByRole(process.pid, roles), cpu1), machineBusySec() - busy1);
  const webhookJobs = (await jobsCreated()) - jobs1;

  const seen = changes.filter((c) => c.visibleAt !== undefined);
  const e2e = quantiles(seen.map((c) => c.visibleAt! - c.sentAt));
  const finalInvoices = await rows(DS, 'Invoices');
  const duplicated = finalInvoices.length - new Set(finalInvoices.map((r) => String(r.InvoiceId))).size;
  const lost = changes.length - seen.length;
  // The service's own processes: not the simulated Tableau (its hyperd also serves this bench's polling reads), the load generator or others.
  const service = (cpu: Record<string, number>) => SERVICE_ROLES.reduce((a, r) => a + (cpu[r] ?? 0), 0);
  const perChangeMs = service(cpuWebhooks) * 1000 / Math.max(1, changes.length);
  const perRecordMs = service(cpuBackfill) * 1000 / Math.max(1, records);
  const plainPerRecordMs = plain.cpuSec * 1000 / Math.max(1, plain.records);
  log(`webhooks: sent ${changes.length} (${skipped} skipped: every invoice busy), non-200 ${changes.filter((c) => c.status !== 200).length}, visible ${seen.length}, lost ${lost}, duplicated ${duplicated}, ${webhookJobs} Update Data jobs`);
  log(`  e2e (POST sent → PO number readable in the data source, read after each finished job, seen within ${opts.pollMs} ms): ${describeQuantiles(e2e)}`);
  log(`  CPU s during the webhook phase: ${fmtCpu(cpuWebhooks)}`);
  const updates = ((await adminCall(apiUrl, adminToken, `/api/connections/${connectionId}/tableau-jobs`)).body as { jobs: TableauJobRow[] }).jobs
    .filter((j) => j.action === 'update' && j.patchedAt && j.completedAt);
  const span = (from: string, to: string) => Date.parse(to) - Date.parse(from);
  log(`  each Update Data delivery (n=${updates.length}): payload .hyper + upload + PATCH ${describeQuantiles(quantiles(updates.map((j) => span(j.startedAt, j.patchedAt!))))}; `
    + `PATCH → job seen complete ${describeQuantiles(quantiles(updates.map((j) => span(j.patchedAt!, j.completedAt!))))}; `
    + `the last delivery took ${(await status()).workflow?.webhooks.lastDeliveryMs ?? '?'} ms in all (status: webhooks.lastDeliveryMs)`);
  log(`CPU per unit of work (the service's processes: ${SERVICE_ROLES.join(', ')}): backfill ${perRecordMs.toFixed(2)} ms/record through Temporal vs ${plainPerRecordMs.toFixed(2)} ms/record in the plain loop's process; ${perChangeMs.toFixed(1)} ms per webhook change end to end`);
  const temporalRps = records / (temporalMs / 1000);
  const plainRps = plain.records / (plain.elapsedMs / 1000);
  const result = `RESULT tableau records=${records} temporal_rps=${temporalRps.toFixed(0)} plain_rps=${plainRps.toFixed(0)} ratio=${(temporalRps / plainRps).toFixed(2)} `
    + `e2e_p50_ms=${fmtMs(e2e.p50)} e2e_p99_ms=${fmtMs(e2e.p99)} jobs=${webhookJobs} lost=${lost} duplicated=${duplicated} cpu_ms_per_change=${perChangeMs.toFixed(1)}`;
  return { code: lost > 0 || duplicated > 0 ? 1 : 0, result };
}

async function runPlainChild(input: TableauPlainInput): Promise<TableauPlainResult> {
  const child = spawnTs('bench/tableau-plain-loop.ts', { ...process.env, BENCH_PLAIN_INPUT: JSON.stringify(input) });
  let result: TableauPlainResult | undefined;
  forwardLines(child.stdout, '[plain]', (line) => {
    if (!line.startsWith('PLAIN_RESULT ')) return false;
    result = JSON.parse(line.slice('PLAIN_RESULT '.length)) as TableauPlainResult;
    return true;
  });
  forwardLines(child.stderr, '[plain]');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0 || !result) throw new Error(`plain loop failed (exit ${code})`);
  return result;
}

function withOthers(cpu: Record<string, number>, machineBusy: number): Record<string, number> {
  const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
  return { ...cpu, 'OTHER processes': Math.max(0, machineBusy - ours) };
}

const fmtCpu = (cpu: Record<string, number>) => Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.stdout.write(`FAILED tableau: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
