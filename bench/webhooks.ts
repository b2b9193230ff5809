/**
 * Real-time path benchmark: FreshBooks webhook → API (verify, signal) → connection workflow → worker
 * (fetch the record, map, pace, POST rows) → Power BI push dataset.
 *
 *   source .tools/env && npx tsx bench/webhooks.ts [--rate 50] [--seconds 60] [--connections N]
 *       [--single-seconds 20] [--ramp 50,100,200,400,800] [--ramp-seconds 10] [--drain-sec 30]
 *       [--invoices 400] [--fb-requests-per-sec 1000] [--timeout-sec 1500] [--temporal-config key=value …]
 *       [--profile-dir DIR] [--ramp-delivery-nice N]
 *
 * The bench plays FreshBooks: for each webhook it changes an invoice in the FreshBooks sandbox (a
 * unique PO number, so the record has a new Version) and POSTs the signed form itself (the sandbox
 * hub's own deliveries are switched off once every callback is verified, so each change is delivered
 * exactly once). A webhook is delivered when the Power BI sandbox accepts an Invoices row carrying
 * its PO number in the connection's dataset; e2e = that moment − the POST being sent.
 *
 * Phases: (1) sustained run over `--connections` connections, each with its own dataset (Power BI
 * allows 120 POST rows per minute per dataset, see the single-dataset line); (2) the same rate
 * into one dataset; (3) acknowledgement ramp (signed webhooks for unchanged invoices at increasing
 * rates). The last line is the RESULT line (phase 1 + ramp), or `FAILED webhooks: …`; exit code 1
 * when the sustained run lost or duplicated anything, or on failure.
 *
 * Where things run: this process = load generator + FreshBooks and Power BI sandboxes (in-memory);
 * the API and the worker are child node processes (prebuilt workflow bundle, WORKER_NODE_FLAGS, as
 * in production); Temporal dev server and embedded Postgres are their own processes.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { adminCall, authorizeThroughSandbox, SANDBOX_POWERBI } from '../scripts/local-service';
import { Cleanup, runBench, describeQuantiles, fmtMs, quantiles } from './webhooks-procs';
import { startBenchStack } from './bench-stack';
import { reniceTree } from './proc';
import {
  describeServerSide, log, printChanges, runAckStep, runChanges, Sender, sleep, waitIdle, waitReady, Watch, type AckStep, type Conn, type Env,
} from './webhook-load';

// ── options ──────────────────────────────────────────────────────────────────

interface Options {
  rate: number;
  seconds: number;
  connections: number;
  singleSeconds: number;
  ramp: number[];
  rampSeconds: number;
  drainSec: number;
  lateSec: number;
  invoices: number;
  seed: number;
  fbRequestsPerSec: number;
  setupTimeoutSec: number;
  timeoutSec: number;
  /** Extra Temporal dynamic config (`--temporal-config key=value`, repeatable), to compare server settings. */
  temporalConfig: string[];
  /**
   * `--ramp-delivery-nice N`: for the ack ramp, the worker and the Temporal server run at nice N, as if they had
   * machines of their own (as deployed): the ramp then shows what the API's acknowledgement path costs, not
   * how two cores share out the deliveries the acks set going.
   */
  rampDeliveryNice?: number;
  /** `--profile-dir DIR`: the API and the worker write V8 CPU profiles there (see bench/cpuprofile-summary.ts). */
  profileDir?: string;
}

function parseArgs(argv: string[]): Options {
  const raw = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const num = (name: string, dflt: number, min = 1): number => {
    const v = raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got ${v}`);
    return n;
  };
  const rate = num('--rate', 50);
  const ramp = (raw('--ramp') ?? '50,100,200,400,800').split(',').filter(Boolean).map(Number);
  if (ramp.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--ramp must be positive numbers separated by commas`);
  return {
    rate,
    seconds: num('--seconds', 60),
    // Each dataset sees at most 1 change per 2 s by default: an invoice change is 2 POSTs (Invoices and
    // InvoiceLines) and Power BI allows 120 POST rows per minute per dataset, which the pacer spreads.
    connections: Math.round(num('--connections', Math.max(1, Math.ceil(rate * 2)))),
    singleSeconds: num('--single-seconds', 20, 0),
    ramp,
    rampSeconds: num('--ramp-seconds', 10),
    drainSec: num('--drain-sec', 30),
    lateSec: num('--late-sec', 90, 0),
    invoices: Math.round(num('--invoices', 400, 10)),
    seed: Math.round(num('--seed', 1)),
    // The sandbox has two businesses, so N connections share two FreshBooks accounts; in production
    // they would be N accounts, each with its own client-side budget. Keep the shared budget out of the way.
    fbRequestsPerSec: num('--fb-requests-per-sec', 1000),
    setupTimeoutSec: num('--setup-timeout-sec', 600),
    timeoutSec: num('--timeout-sec', 1500),
    temporalConfig: argv.flatMap((a, i) => (argv[i - 1] === '--temporal-config' ? [a] : [])),
    profileDir: raw('--profile-dir'),
    ...(raw('--ramp-delivery-nice') === undefined ? {} : { rampDeliveryNice: num('--ramp-delivery-nice', 10) }),
  };
}

// ── main ────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  // The single-dataset line, then the RESULT line, after everything else has stopped.
  return runBench('webhooks', opts.timeoutSec, log, async (cleanup) => {
    const { code, result, before } = await run(opts, cleanup);
    return { code, lines: [...(before ? [before] : []), result] };
  });
}

async function run(opts: Options, cleanup: Cleanup): Promise<{ code: number; result: string; before?: string }> {
  log(`webhooks benchmark: ${opts.rate}/s for ${opts.seconds}s over ${opts.connections} connections, single-dataset pass ${opts.singleSeconds}s, ack ramp ${opts.ramp.join('/')}/s × ${opts.rampSeconds}s`);

  const load = loadavg()[0]!;
  if (load > 0.5) log(`WARNING: load average ${load.toFixed(2)} before starting: something else is running on this machine, and latency figures will show it (see "OTHER processes" in the CPU lines)`);
  // Temporal, Postgres, sandboxes (small seed: many invoices, each connection needs a few of its own), one API, one worker.
  let t = performance.now();
  const stack = await startBenchStack({
    cleanup, name: 'webhooks', apis: 1,
    sandboxes: { freshbooks: { seed: opts.seed, scale: { invoices: opts.invoices, clients: 20, items: 10, payments: Math.round(opts.invoices / 8), expenses: 20, vendors: 5, bills: 20 } } },
    env: { FRESHBOOKS_REQUESTS_PER_SEC: String(opts.fbRequestsPerSec) },
    temporalConfig: opts.temporalConfig, profileDir: opts.profileDir,
  });
  const { sb, worker, workerMem } = stack;
  const { url: apiUrl, mem: apiMem } = stack.apis[0]!;
  const watch = new Watch(sb.powerbi.state);
  sb.powerbi.state.onRowsPosted = (e) => watch.onRows(e);
  const store = sb.fb.state.store;
  const storeGet = store.get.bind(store);
  store.get = ((accountId, entity, id, includes) => {
    if (entity === 'invoices') watch.onFetch(accountId, id);
    return storeGet(accountId, entity, id, includes);
  }) as typeof store.get;
  log(`note: FRESHBOOKS_REQUESTS_PER_SEC=${opts.fbRequestsPerSec} for the worker (production default 3/s per account): the sandbox has 2 businesses, so the connections share 2 accounts' budgets that in production would be one account each`);

  const sender = new Sender([apiUrl], sb.fb.state.user.identityId);
  cleanup.push('http pool', () => sender.close());
  const env: Env = {
    apiUrl, adminToken: stack.serviceEnv.ADMIN_TOKEN!, sb, watch, sender, worker, workerMem, apiMem,
    roles: stack.roles,
  };


  // Connections: one per dataset, alternating over the sandbox's businesses, plus one for the single-dataset pass.
  t = performance.now();
  const auth = await authorizeThroughSandbox(apiUrl, env.adminToken);
  const businesses = auth.businesses;
  const specs = Array.from({ length: opts.connections }, (_, i) => ({ datasetName: `FreshBooks-${i}`, business: businesses[i % businesses.length]! }));
  if (opts.singleSeconds > 0) specs.push({ datasetName: 'FreshBooks-single', business: businesses[0]! });
  const { workspaceId, tenantId, clientId, clientSecret } = SANDBOX_POWERBI;
  const ids: string[] = [];
  for (const spec of specs) {
    const res = await adminCall(apiUrl, env.adminToken, '/api/connections', {
      body: {
        authorizationId: auth.authorizationId,
        businessIds: [spec.business.businessId],
        destination: { type: 'powerbi', tenantId, clientId, clientSecret, workspaceId, datasetName: spec.datasetName },
        settings: { pollIntervalSec: 3600, reconcileEveryHours: 24 },
      },
    });
    if (res.status !== 201) throw new Error(`create connection ${spec.datasetName} failed: ${res.status} ${JSON.stringify(res.body)}`);
    ids.push(res.body.connectionIds[0]);
  }
  log(`created ${ids.length} Power BI connections in ${Math.round(performance.now() - t)} ms (${businesses.map((b) => `${b.name} ${b.accountId}`).join(', ')}); waiting for backfills and callback verification`);
  t = performance.now();
  await waitReady(env, ids, opts.setupTimeoutSec * 1000);
  const setupStats = { ...sb.powerbi.state.stats };
  log(`all ${ids.length} connections backfilled, callbacks verified, in ${((performance.now() - t) / 1000).toFixed(1)} s (${setupStats.postRowsRequests} POST rows, ${setupStats.postRowsRejected429} 429s, ${setupStats.rowsPosted} rows; duplicates during setup ${watch.dupsByPhase.get('setup') ?? 0})`);
  // From now on the bench is FreshBooks' only sender.
  sb.fb.state.webhooks.dropDeliveries(Number.MAX_SAFE_INTEGER);
  const trim = setInterval(() => { const d = sb.fb.state.webhooks.deliveries; if (d.length > 1_000) d.splice(0, d.length - 1_000); }, 1_000);
  cleanup.push('delivery trim', () => clearInterval(trim));

  // Each connection's invoices: live ones of its business, dealt round-robin among the connections on it.
  const datasets = sb.powerbi.state.datasets(workspaceId);
  const hub = sb.fb.state.webhooks;
  const conns: Conn[] = ids.map((id, idx) => {
    const spec = specs[idx]!;
    const dataset = datasets.find((d) => d.name === spec.datasetName);
    if (!dataset) throw new Error(`no Power BI dataset ${spec.datasetName}`);
    const cb = [...hub.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${id}`));
    if (!cb) throw new Error(`connection ${id} has no invoice callback at FreshBooks`);
    return {
      idx, id, datasetName: spec.datasetName, datasetId: dataset.id, accountId: spec.business.accountId, businessId: spec.business.businessId,
      hookPath: `/webhooks/freshbooks/${id}`, verifier: cb.verifier, pool: [], next: 0,
    };
  });
  const multi = conns.slice(0, opts.connections);
  const single = opts.singleSeconds > 0 ? conns[opts.connections] : undefined;
  for (const b of businesses) {
    const live = store.account(b.accountId).tables.invoices.rows.filter((r) => r.vis === 0).map((r) => r.id);
    const mine = multi.filter((c) => c.accountId === b.accountId);
    live.forEach((id, i) => mine[i % Math.max(1, mine.length)]?.pool.push(id));
  }
  const poolSizes = multi.map((c) => c.pool.length);
  if (Math.min(...poolSizes) === 0) throw new Error('some connection has no live invoice to change: raise --invoices');
  log(`invoices per connection: ${Math.min(...poolSizes)}–${Math.max(...poolSizes)} (each reused every ≥ ${(Math.min(...poolSizes) * multi.length / opts.rate).toFixed(0)} s at ${opts.rate}/s)`);
  workerMem.sample();
  log(`worker RSS after setup ${Math.round(workerMem.lastRssMb)} MB (VmHWM ${Math.round(workerMem.hwmMb)} MB), API RSS ${Math.round(apiMem.lastRssMb)} MB`);

  // ── 1. sustained run, one dataset per connection ──
  const main = await runChanges(env, 'multi', multi, opts.rate, opts.seconds, opts.drainSec);
  printChanges(main);

  // ── 2. acknowledgement ramp (invoices whose current version every dataset already has) ──
  await waitIdle(env, conns, 60_000);
  watch.phase = 'ramp';
  if (opts.rampDeliveryNice !== undefined) {
    const threads = reniceTree(worker.pid!, opts.rampDeliveryNice) + reniceTree(stack.temporal.child.pid!, opts.rampDeliveryNice);
    log(`── the worker and the Temporal server run at nice ${opts.rampDeliveryNice} from here (${threads} threads): the API and Postgres come first`);
  }
  log(`── ack ramp: signed invoice.update webhooks for unchanged invoices over ${multi.length} connections, ${opts.rampSeconds}s per step`);
  const steps: AckStep[] = [];
  for (const rate of opts.ramp) {
    const step = await runAckStep(env, multi, rate, opts.rampSeconds);
    steps.push(step);
    log(`  ${String(rate).padStart(5)}/s: sent ${step.sent} (${step.achieved.toFixed(0)}/s, lateness ≤ ${fmtMs(step.maxLagMs)} ms), non-200 ${step.errors} ${JSON.stringify(step.statuses)}, ${describeQuantiles(step.q, 1)}; CPU s ${Object.entries(step.cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    log(`         ${describeServerSide(step.server)}`);
    await waitIdle(env, multi, 120_000);
  }
  log('ack ramp (ms):');
  log(`  ${'rate/s'.padStart(7)} ${'sent'.padStart(6)} ${'non200'.padStart(6)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(8)}  pass(p99≤50, no errors)`);
  for (const s of steps) {
    log(`  ${String(s.rate).padStart(7)} ${String(s.sent).padStart(6)} ${String(s.errors).padStart(6)} ${fmtMs(s.q.p50, 1).padStart(7)} ${fmtMs(s.q.p99, 1).padStart(7)} ${fmtMs(s.q.max, 1).padStart(8)}  ${s.q.p99 <= 50 && s.errors === 0 ? 'yes' : 'no'}`);
  }
  const passing = steps.filter((s) => s.q.p99 <= 50 && s.errors === 0);
  const best = passing.length > 0 ? passing.reduce((a, b) => (b.rate > a.rate ? b : a)) : undefined;
  log(`  best passing step: ${best ? `${best.rate}/s (p99 ${fmtMs(best.q.p99, 1)} ms)` : 'none (ack_p99_ms below is the first step\'s)'}; rows posted during the ramp ${watch.rowsByPhase.get('ramp') ?? 0}, duplicates ${watch.dupsByPhase.get('ramp') ?? 0}`);

  // ── 3. the same rate into one dataset, last: its connection stalls once Power BI's minute is used up ──
  let singleLine: string | undefined;
  if (single) {
    // Invoices of its own, never changed before, so no other dataset is affected and none is reused.
    const need = Math.ceil(opts.rate * opts.singleSeconds);
    const client = store.account(single.accountId).tables.clients.rows.find((c) => c.vis === 0)!;
    const code = store.account(single.accountId).business.baseCurrency;
    for (let i = 0; i < need; i++) {
      const inv = sb.fb.state.create(single.accountId, 'invoices', { customerid: client.id, lines: [{ name: 'Bench', qty: 1, unit_cost: { amount: '100.00', code } }] });
      single.pool.push(Number(inv.id));
    }
    log(`single-dataset connection: ${need} fresh invoices created in ${single.accountId}`);
    await waitIdle(env, conns, 120_000);
    const s = await runChanges(env, 'single', [single], opts.rate, opts.singleSeconds, opts.drainSec);
    printChanges(s);
    const outstanding = s.sent.filter((x) => x.arrivedAt === undefined && x.status === 200);
    if (outstanding.length > 0) {
      log(`  single: ${outstanding.length} changes still on their way after the ${opts.drainSec}s drain; waiting up to ${opts.lateSec}s more to see when they land`);
      const until = performance.now() + opts.lateSec * 1000;
      while (outstanding.some((x) => x.arrivedAt === undefined) && performance.now() < until) await sleep(100);
      const late = outstanding.filter((x) => x.arrivedAt !== undefined);
      log(`  single: ${late.length}/${outstanding.length} arrived late, e2e ${describeQuantiles(quantiles(late.map((x) => x.arrivedAt! - x.sentAt)))}; ${outstanding.length - late.length} never arrived`);
    }
    const perBatch = s.posts / Math.max(1, s.batches);
    singleLine = `single-dataset: rate=${s.rate.toFixed(1)} e2e_p50_ms=${fmtMs(s.e2e.p50)} e2e_p99_ms=${fmtMs(s.e2e.p99)} ack_p99_ms=${fmtMs(s.ack.p99, 1)} lost=${s.lost} duplicated=${s.duplicated} posts=${s.posts} batches=${s.batches} 429s=${s.throttled429} (1 connection, 1 dataset, ${opts.singleSeconds}s; lost = no row within ${opts.drainSec}s). `
      + `Power BI accepts 120 POST-rows requests per rolling minute per dataset (the sandbox enforces it, the worker's pacer stays under it) and a batch of invoice changes took ${perBatch.toFixed(2)} POSTs here (Invoices + InvoiceLines), `
      + `so one dataset takes at most ${(120 / perBatch).toFixed(0)} batches a minute: at ${opts.rate} changes/s a change waits ~${(0.25 * perBatch * 1000).toFixed(0)} ms for its batch even when batches are spread evenly, and far longer when the minute's budget goes in a burst; hence the sustained run uses one dataset per connection.`;
  }

  // ── summary ──
  workerMem.sample();
  const workerRssMb = Math.max(workerMem.hwmMb, workerMem.peakRssMb);
  const pbi = sb.powerbi.state.stats;
  log(`Power BI sandbox totals: ${pbi.postRowsRequests} POST rows, ${pbi.postRowsRejected429} 429s, ${pbi.rowsPosted} rows, max pending ${pbi.maxPendingSeen}; rows by phase ${JSON.stringify(Object.fromEntries(watch.rowsByPhase))}`);
  log(`duplicates by phase ${JSON.stringify(Object.fromEntries(watch.dupsByPhase))}${watch.dupSamples.length ? `; e.g. ${watch.dupSamples.slice(0, 3).join(' | ')}` : ''}${watch.misrouted ? `; ${watch.misrouted} rows landed in another connection's dataset` : ''}`);
  log(`worker RSS: peak ${Math.round(workerRssMb)} MB (VmHWM ${Math.round(workerMem.hwmMb)} MB), now ${Math.round(workerMem.lastRssMb)} MB; API VmHWM ${Math.round(apiMem.hwmMb)} MB`);
  const targets = [
    `e2e p50 ${fmtMs(main.e2e.p50)} ${main.e2e.p50 <= 150 ? '≤' : '>'} 150 ms`,
    `e2e p99 ${fmtMs(main.e2e.p99)} ${main.e2e.p99 <= 1000 ? '≤' : '>'} 1000 ms`,
    `ack p99 ${fmtMs((best ?? steps[0])?.q.p99 ?? NaN, 1)} ${((best ?? steps[0])?.q.p99 ?? Infinity) <= 50 ? '≤' : '>'} 50 ms`,
    `lost ${main.lost}`, `duplicated ${main.duplicated}`,
  ];
  log(`targets: ${targets.join('; ')}`);
  const others = main.cpu['OTHER processes'] ?? 0;
  log(`machine during the sustained run: our processes ${(Object.values(main.cpu).reduce((a, b) => a + b, 0) - others).toFixed(1)} core-s, other processes ${others.toFixed(1)} core-s, of ${(cpus().length * main.wallMs / 1000).toFixed(0)} available${others > 5 ? ' — NOT a quiet machine: latency figures are inflated by that load' : ''}`);
  const ackStep = best ?? steps[0];
  const result = `RESULT webhooks rate=${main.rate.toFixed(1)} e2e_p50_ms=${fmtMs(main.e2e.p50)} e2e_p99_ms=${fmtMs(main.e2e.p99)} ack_p99_ms=${fmtMs(ackStep?.q.p99 ?? NaN, 1)} ack_max_rps=${best?.rate ?? 0} lost=${main.lost} duplicated=${main.duplicated}`;
  return { code: main.lost > 0 || main.duplicated > 0 ? 1 : 0, result, before: singleLine };
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.stdout.write(`FAILED webhooks: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
