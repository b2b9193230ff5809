/**
 * FreshBooks → Postgres warehouse → Looker benchmark, in one run:
 *   1. the seeded account backfilled into a Postgres warehouse through the whole service (API → OAuth
 *      through the sandbox → connection with a Looker block → connection workflow → worker child);
 *   2. the same account through a plain loop (bench/postgres-plain-loop.ts: same client, mapping and
 *      warehouse writes, no Temporal, no delivery ledger) into another schema of the same database;
 *   3. webhooks at --rate changes/s for --seconds: each changes an invoice's PO number in the FreshBooks
 *      sandbox and POSTs the signed form; e2e = POST sent → the PO number visible in
 *      `freshbooks_invoices_latest` (polled every --poll-ms, which bounds the figure's resolution).
 * Looker (the sandbox, in this process) counts datagroup triggers. A trigger is *early* when the
 * warehouse's batches table (`_ml_batches`, written in the same transaction as the rows) holds no batch
 * committed since the previous trigger, i.e. the trigger announced rows that were not yet there.
 *
 *   source .tools/env && npx tsx bench/looker.ts [--invoices 2000] [--rate 20] [--seconds 60] [--window-sec 60] [--profile-dir DIR] [--timeline]
 *
 * The last line is `RESULT looker …` or `FAILED looker: …` (exit code 1 also when anything was lost or
 * duplicated, or a trigger came early).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { Client as TemporalClient, Connection as TemporalConnection } from '@temporalio/client';
import { Pool as HttpPool } from 'undici';
import { signFreshBooksWebhook } from '../connectors/freshbooks';
import { ALL_FRESHBOOKS_ENTITIES } from '../common/freshbooks-entities';
import { createLookerSandbox } from '../sandbox/looker';
import { freePort, startPostgres, startTemporal } from '../scripts/dev-stack';
import { adminCall, authorizeThroughSandbox, sandboxEnv, startSandboxes } from '../scripts/local-service';
import type { ConnectionWorkflowStatus } from '../contracts/connection';
import { connectionWorkflowId } from '../contracts/ids';
import { analyseHistories, printFirstRunTimeline, printHistory, runTimelines } from './history';
import { WORKER_NODE_FLAGS, writeWorkflowBundle } from '../workers/workflow-bundle';
import { benchMain, forwardLines, sleep, spawnTs, waitForPollers, type BenchOutcome, type Teardown } from './children';
import type { PostgresPlainInput, PostgresPlainResult } from './postgres-plain-loop';
import { cpuByRole, diffCpu } from './proc';
import { alive, describeQuantiles, fmtMs, machineBusySec, quantiles, sdkChatter, spawnNode, stopProcess, waitHttpOk } from './webhooks-procs';

const SCHEMA = 'freshbooks';
const PLAIN_SCHEMA = 'bench_plain';
const LOOKER_CLIENT = { id: 'bench-looker', secret: randomBytes(18).toString('base64url') };
const DATAGROUP = 'finance::freshbooks_synced';

interface Options {
  invoices: number;
  rate: number;
  seconds: number;
  windowSec: number;
  pollMs: number;
  drainSec: number;
  timeoutSec: number;
  profileDir?: string;
  /** Print the backfill's activities one by one (schedule → start → end from the create request). */
  timeline: boolean;
}

function parseArgs(argv: string[]): Options {
  const num = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
    return n;
  };
  return {
    invoices: num('--invoices', 2000), rate: num('--rate', 20), seconds: num('--seconds', 60), windowSec: num('--window-sec', 60),
    pollMs: num('--poll-ms', 20), drainSec: num('--drain-sec', 30), timeoutSec: num('--timeout-sec', 1500),
    // The worker writes a V8 CPU profile there (bench/cpuprofile-summary.ts reads it).
    ...(argv.includes('--profile-dir') ? { profileDir: argv[argv.indexOf('--profile-dir') + 1] } : {}),
    timeline: argv.includes('--timeline'),
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
  return benchMain('looker', opts.timeoutSec, log, (teardown) => run(opts, teardown));
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

  // The warehouse: its own database on the same server, as the demo does.
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_warehouse');
  await admin.end();
  const whUrl = new URL(pg.url);
  whUrl.pathname = '/bench_warehouse';
  const warehouseUrl = whUrl.toString();
  const wh = new Pool({ connectionString: warehouseUrl, max: 3 });
  teardown.add('warehouse pool', () => wh.end());

  const sb = await startSandboxes({ freshbooks: { seed: 7, scale: { invoices: opts.invoices } } });
  teardown.add('sandboxes', () => sb.close());
  const looker = createLookerSandbox();
  looker.state.addApiKey(LOOKER_CLIENT.id, LOOKER_CLIENT.secret);
  const [model, group] = DATAGROUP.split('::') as [string, string];
  looker.state.addDatagroup(model, group);
  // Looker's clock a second behind ours, as real clocks drift: a trigger must still never be "in the future".
  looker.state.skewMs = -1_000;
  let lastBatches = 0;
  const triggerLog: { at: number; batches: number; early: boolean }[] = [];
  looker.state.onTrigger = async () => {
    // Answered only after this count: what the warehouse had committed when Looker heard.
    const batches = Number((await wh.query(`SELECT count(*) AS n FROM ${SCHEMA}._ml_batches`)).rows[0].n);
    triggerLog.push({ at: performance.now(), batches, early: batches <= lastBatches });
    lastBatches = batches;
  };
  const lookerServer = await looker.listen();
  teardown.add('looker', () => lookerServer.close());

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const serviceEnv = sandboxEnv(sb, { databaseUrl: pg.url, temporalAddress: temporal.address, bigqueryEndpoint: sb.googleUrl }, {
    TEMPORAL_TASK_QUEUE: `bench-looker-${randomBytes(4).toString('hex')}`, FRESHBOOKS_REQUESTS_PER_SEC: '100000', LOG_LEVEL: 'warn', PORT: String(apiPort), PUBLIC_URL: apiUrl,
  });
  const childEnv = { ...process.env, ...serviceEnv };
  const api = spawnNode('api/main.ts', childEnv, '[api]');
  teardown.add('api', () => stopProcess(api));
  await waitHttpOk(`${apiUrl}/healthz`, api, 120_000);
  const bundlePath = await writeWorkflowBundle(resolve(tmpdir(), `ml-connector-looker-bundle-${process.pid}.js`));
  teardown.add('bundle', () => rmSync(bundlePath, { force: true }));
  const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const worker = spawnNode('workers/main.ts', { ...childEnv, WORKFLOW_BUNDLE_PATH: bundlePath }, '[worker]', [...WORKER_NODE_FLAGS, ...profile], sdkChatter());
  teardown.add('worker', () => stopProcess(worker));
  // Timing starts with the worker ready (polling both queues), as the plain loop's starts after its process has
  // loaded: otherwise the worker's start (compiling and loading the code, the workflow bundle) is counted as backfill.
  await waitForPollers({ client: temporalClient, config: { temporal: { namespace: 'default' } } }, serviceEnv.TEMPORAL_TASK_QUEUE!, worker, 180_000);
  const roles = [
    { name: 'worker', pid: worker.pid }, { name: 'api', pid: api.pid }, { name: 'temporal', pid: temporal.child.pid },
    { name: 'postgres', comm: /^postgres/ }, { name: 'bench(loadgen+sandboxes)', pid: process.pid, tree: false },
  ];
  const adminToken = serviceEnv.ADMIN_TOKEN!;
  log(`stack up: API ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid}, Temporal ${temporal.address}, warehouse ${whUrl.host}/bench_warehouse, Looker ${lookerServer.url}; ${cpus().length} cores`);

  // ── 1. backfill through Temporal ──
  const auth = await authorizeThroughSandbox(apiUrl, adminToken);
  const business = auth.businesses[0]!;
  const cpu0 = cpuByRole(process.pid, roles);
  const busy0 = machineBusySec();
  const t0 = performance.now();
  const t0Wall = Date.now();
  const created = await adminCall(apiUrl, adminToken, '/api/connections', {
    body: {
      authorizationId: auth.authorizationId, businessIds: [business.businessId],
      destination: { type: 'postgres', url: warehouseUrl, schema: SCHEMA, looker: { baseUrl: lookerServer.url, clientId: LOOKER_CLIENT.id, clientSecret: LOOKER_CLIENT.secret, datagroups: [DATAGROUP], windowSec: opts.windowSec } },
      settings: { pollIntervalSec: 3600, reconcileEveryHours: 24 },
    },
  });
  if (created.status !== 201) throw new Error(`create connection: ${created.status} ${JSON.stringify(created.body)}`);
  const connectionId = created.body.connectionIds[0] as string;
  const status = async (): Promise<{ workflow: ConnectionWorkflowStatus | null; webhookCallbacks: { verified: boolean }[] }> => (await adminCall(apiUrl, adminToken, `/api/connections/${connectionId}`)).body;
  // The run's end is watched in the service database (the run's row is written as it finishes), not by asking
  // the workflow: a status query every 250 ms is a workflow activation, an API request and a Temporal round trip
  // each, CPU the measured path would pay and the plain loop would not.
  const service = new Pool({ connectionString: pg.url, max: 1 });
  teardown.add('service pool', () => service.end());
  const finished = async () => (await service.query<{ error: string | null }>(
    'SELECT error FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL LIMIT 1', [connectionId])).rows[0];
  let run = await finished();
  while (!run) {
    if (!alive(worker)) throw new Error('worker exited during the backfill');
    if (performance.now() - t0 > opts.timeoutSec * 500) throw new Error('backfill did not finish in half the time allowed');
    await sleep(50);
    run = await finished();
  }
  const temporalMs = performance.now() - t0;
  const cpuBackfill = withOthers(diffCpu(cpuByRole(process.pid, roles), cpu0), machineBusySec() - busy0);
  if (run.error) throw new Error(`backfill failed: ${run.error}`);
  const view = await status();
  if (!view.workflow?.lastRun?.finishedAt) throw new Error('the run is recorded as finished but the workflow does not say so');
  // A complete full run is followed by its reconciliation report (it reads FreshBooks and the warehouse): waited
  // for, so the plain loop below runs on a quiet stack rather than beside it.
  while (Number((await service.query('SELECT count(*) AS n FROM reconciliation_reports WHERE connection_id = $1', [connectionId])).rows[0].n) === 0) {
    if (performance.now() - t0 > opts.timeoutSec * 500) throw new Error('the reconciliation after the backfill did not finish in half the time allowed');
    await sleep(100);
  }
  const records = Object.values(view.workflow!.lastRun!.entities).reduce((a, e) => a + e.records, 0);
  printHistory(await analyseHistories(temporalClient, connectionWorkflowId(connectionId)), temporalMs, log);
  if (opts.timeline) await printFirstRunTimeline(temporalClient, connectionWorkflowId(connectionId), t0Wall, log, t0Wall + temporalMs);
  log(`Temporal backfill: ${records} records in ${(temporalMs / 1000).toFixed(1)} s (${(records / (temporalMs / 1000)).toFixed(0)} records/s); CPU s ${fmtCpu(cpuBackfill)}`);

  // ── 2. the plain loop, same account, another schema ──
  const plain = await runPlainChild({
    fbApiBase: sb.fbUrl, accountId: business.accountId, businessId: business.businessId, accessToken: sb.fb.state.issueTokens().access_token,
    requestsPerSec: 100_000, warehouseUrl, schema: PLAIN_SCHEMA, entities: ALL_FRESHBOOKS_ENTITIES,
  });
  log(`plain loop: ${plain.records} records in ${(plain.elapsedMs / 1000).toFixed(1)} s (${(plain.records / (plain.elapsedMs / 1000)).toFixed(0)} records/s; fetch ${(plain.fetchMs / 1000).toFixed(1)} s, writes ${(plain.writeMs / 1000).toFixed(1)} s); CPU s of the loop's process ${plain.cpuSec.toFixed(1)} (its Postgres backends exit with it, so their CPU is not counted)`);
  if (plain.records !== records) log(`note: the plain loop read ${plain.records} records, the workflow ${records}`);
  const same = await sameLatest(wh, 'freshbooks_invoices_latest');
  if (!same) throw new Error('the Temporal and plain schemas hold different invoices');

  // ── 3. webhooks with Looker configured ──
  const hub = sb.fb.state.webhooks;
  while (![...hub.callbacks.values()].some((c) => c.event === 'invoice' && c.verified && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))) {
    if (performance.now() - t0 > opts.timeoutSec * 600) throw new Error('invoice callback never verified');
    await sleep(250);
  }
  const callback = [...hub.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))!;
  hub.dropDeliveries(Number.MAX_SAFE_INTEGER); // from here the bench is FreshBooks' only sender
  // Let the backfill's own trigger window close, so the phase's triggers are the webhooks' only.
  await waitForTriggerQuiet(triggerLog, opts.windowSec);
  const triggersBefore = triggerLog.length;
  const invoices = sb.fb.state.store.account(business.accountId).tables.invoices.rows.filter((r) => r.vis === 0).map((r) => r.id);
  const tag = randomBytes(3).toString('hex');
  const http = new HttpPool(apiUrl, { connections: 32 });
  teardown.add('http pool', () => http.close());
  const changes: Change[] = [];
  const busy = new Set<number>();
  const outstanding = new Map<string, Change>();
  let watching = true;
  let lastSendAt = performance.now();
  const watcher = (async () => {
    while (watching || outstanding.size > 0) {
      if (outstanding.size > 0) {
        const ids = [...new Set([...outstanding.values()].map((c) => c.invoiceId))];
        const { rows } = await wh.query<{ po_number: string }>(`SELECT po_number FROM ${SCHEMA}.freshbooks_invoices_latest WHERE id = ANY($1::bigint[])`, [ids]);
        const at = performance.now();
        for (const r of rows) {
          const c = outstanding.get(r.po_number);
          if (!c) continue;
          c.visibleAt = at;
          outstanding.delete(r.po_number);
          busy.delete(c.invoiceId);
        }
      }
      if (!watching && performance.now() - lastSendAt > opts.drainSec * 1000) break;
      await sleep(opts.pollMs);
    }
  })();
  let skipped = 0;
  let next = 0;
  const cpu1 = cpuByRole(process.pid, roles);
  const busy1 = machineBusySec();
  const tStart = performance.now();
  const tStartWall = Date.now();
  const total = Math.round(opts.rate * opts.seconds);
  const sends: Promise<void>[] = [];
  log(`webhooks: ${opts.rate}/s for ${opts.seconds} s over ${invoices.length} invoices, Looker window ${opts.windowSec} s`);
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
    const c: Change = { invoiceId, token: `lk-${tag}-${k}`, sentAt: 0 };
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
  // The window that holds the last changes closes up to windowSec after them: wait for its trigger.
  const lastVisible = Math.max(0, ...changes.map((c) => c.visibleAt ?? 0));
  while (!triggerLog.some((t) => t.at > lastVisible) && performance.now() - lastVisible < (opts.windowSec + 30) * 1000) await sleep(250);

  const seen = changes.filter((c) => c.visibleAt !== undefined);
  const e2e = quantiles(seen.map((c) => c.visibleAt! - c.sentAt));
  const { rows: dupRows } = await wh.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT po_number FROM ${SCHEMA}.freshbooks_invoices WHERE po_number LIKE $1 GROUP BY po_number HAVING count(*) > 1) d`, [`lk-${tag}-%`],
  );
  const duplicated = Number(dupRows[0]!.n);
  const lost = changes.length - seen.length;
  const triggers = triggerLog.length - triggersBefore;
  const earlyTriggers = triggerLog.filter((t) => t.early).length;
  const final = (await status()).workflow;
  const perChangeMs = (Object.values(cpuWebhooks).reduce((a, b) => a + b, 0) - (cpuWebhooks['OTHER processes'] ?? 0)) * 1000 / Math.max(1, changes.length);
  const perRecordMs = (Object.values(cpuBackfill).reduce((a, b) => a + b, 0) - (cpuBackfill['OTHER processes'] ?? 0)) * 1000 / Math.max(1, records);
  const plainPerRecordMs = plain.cpuSec * 1000 / Math.max(1, plain.records);
  log(`webhooks: sent ${changes.length} (${skipped} skipped: every invoice busy), non-200 ${changes.filter((c) => c.status !== 200).length}, visible ${seen.length}, lost ${lost}, duplicated ${duplicated}`);
  log(`  e2e (POST sent → PO number visible in freshbooks_invoices_latest, polled every ${opts.pollMs} ms): ${describeQuantiles(e2e)}`);
  const slow = seen.filter((c) => c.visibleAt! - c.sentAt > 500);
  // Which seconds of the phase the slow changes were sent in: stalls show as clusters (see README).
  const slowBySecond = new Map<number, number>();
  for (const c of slow) {
    const sec = Math.floor((c.sentAt - tStart) / 1000);
    slowBySecond.set(sec, (slowBySecond.get(sec) ?? 0) + 1);
  }
  if (slow.length) log(`  over 500 ms: ${slow.length} changes, sent in second ${[...slowBySecond].map(([sec, n]) => `${sec} (${n})`).join(', ')}`);
  await logRuns(temporalClient, connectionWorkflowId(connectionId), tStartWall);
  log(`  Looker: ${triggers} trigger(s) in the phase, ${earlyTriggers} early over the whole run (${triggerLog.length} in all); status looker=${JSON.stringify((final as unknown as { looker?: unknown })?.looker ?? null)}`);
  log(`  CPU s during the webhook phase: ${fmtCpu(cpuWebhooks)}`);
  log(`CPU per unit of work (our processes): backfill ${perRecordMs.toFixed(2)} ms/record through Temporal vs ${plainPerRecordMs.toFixed(2)} ms/record in the plain loop's process; ${perChangeMs.toFixed(1)} ms per webhook change end to end`);
  const temporalRps = records / (temporalMs / 1000);
  const plainRps = plain.records / (plain.elapsedMs / 1000);
  const result = `RESULT looker records=${records} temporal_rps=${temporalRps.toFixed(0)} plain_rps=${plainRps.toFixed(0)} ratio=${(temporalRps / plainRps).toFixed(2)} `
    + `e2e_p50_ms=${fmtMs(e2e.p50)} e2e_p99_ms=${fmtMs(e2e.p99)} triggers=${triggers} early_triggers=${earlyTriggers} lost=${lost} duplicated=${duplicated}`;
  return { code: lost > 0 || duplicated > 0 || earlyTriggers > 0 ? 1 : 0, result };
}

/** The connection workflow's runs during the phase: when each began (seconds into the phase) and its workflow-task trouble. */
async function logRuns(client: TemporalClient, workflowId: string, sinceWall: number): Promise<void> {
  for (const r of await runTimelines(client, workflowId, sinceWall)) {
    const failures = Object.entries(r.taskFailures).map(([c, n]) => `${c}×${n}`).join(' ') || 'none';
    log(`  run ${r.runId.slice(0, 8)}: second ${((r.startMs - sinceWall) / 1000).toFixed(1)}→${r.closeMs ? ((r.closeMs - sinceWall) / 1000).toFixed(1) : 'open'}, `
      + `${r.events} events, ${r.signals} signals, task failures ${failures}, task timeouts ${r.taskTimeouts}, longest signal→activity ${r.maxSignalToActivityMs} ms`);
  }
}

/** Both schemas' latest invoices are the same set of (id, version). */
async function sameLatest(wh: Pool, view: string): Promise<boolean> {
  const q = (schema: string) => `SELECT id, _version FROM ${schema}.${view}`;
  const { rows } = await wh.query(`SELECT count(*) AS n FROM ((${q(SCHEMA)} EXCEPT ${q(PLAIN_SCHEMA)}) UNION ALL (${q(PLAIN_SCHEMA)} EXCEPT ${q(SCHEMA)})) d`);
  return Number(rows[0].n) === 0;
}

/** Until no trigger has come for a window and a half (the backfill's announcements are over). */
async function waitForTriggerQuiet(triggerLog: { at: number }[], windowSec: number): Promise<void> {
  const quietMs = windowSec * 1500;
  const since = performance.now();
  while (performance.now() - Math.max(since, triggerLog.at(-1)?.at ?? 0) < quietMs) await sleep(500);
}

async function runPlainChild(input: PostgresPlainInput): Promise<PostgresPlainResult> {
  const child = spawnTs('bench/postgres-plain-loop.ts', { ...process.env, BENCH_PLAIN_INPUT: JSON.stringify(input) });
  let result: PostgresPlainResult | undefined;
  forwardLines(child.stdout, '[plain]', (line) => {
    if (!line.startsWith('PLAIN_RESULT ')) return false;
    result = JSON.parse(line.slice('PLAIN_RESULT '.length)) as PostgresPlainResult;
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
  process.stdout.write(`FAILED looker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
