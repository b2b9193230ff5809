/**
 * Many connections on one small worker: how memory, idle CPU, poll lateness and webhook latency grow with the
 * number of connections.
 *
 *   source .tools/env && npx tsx bench/scale.ts [--steps 10,100,1000] [--poll-sec 60] [--cycles 2]
 *       [--rate 200] [--webhook-seconds 30] [--ramp 50,100,200,300,400,600,800] [--ramp-seconds 10]
 *       [--store-ratio 0.1] [--fb-requests-per-sec 3] [--setup-timeout-sec 1800] [--timeout-sec 7200] [--profile-dir DIR]
 *
 * Stack: Temporal dev server, embedded Postgres, the sandboxes (in this process), two API processes (the
 * sender alternates between them, as a load balancer would) and one worker (bench/bench-stack.ts).
 *
 * Each step adds connections up to its count (they accumulate: the 100-step keeps the first 10): FreshBooks
 * connections, 3 in 5 to a Power BI dataset of their own and 2 in 5 to a BigQuery dataset of their own (the
 * Google sandbox), each on a FreshBooks business of its own (the sandbox's extraBusinesses), so every one has
 * its own request budget at the production default (3/s per account); plus store connections (BigCommerce
 * sandbox stores → FreshBooks, `--store-ratio` of the count, no orders: they poll). All poll every `--poll-sec`
 * (±10% jitter; the production default is 900 s, the minimum the API takes is 30 s).
 *
 * Per step, once every new connection has backfilled and verified its callbacks:
 *  1. idle: `--cycles` poll cycles with no other traffic (`--cycles 0` skips it: the webhook phase alone, its
 *     idle figures `na`, its CPU per change net of the baseline only). CPU of worker, APIs and Temporal per minute (and, measured
 *     once before any connection exists, the stack's baseline); worker RSS; poll lag = first FreshBooks request of the connection's account at or after the poll's due time
 *     (the status's `nextPollAt`, read from the API once per poll) − that due time, i.e. how late the user's
 *     data starts moving; CPU per poll beyond the baseline, and the idle CPU that
 *     projects to at the production interval (baseline + polls at 900 s).
 *  2. webhooks: `--rate`/s (at most 0.5/s per Power BI connection, Power BI's per-dataset POST limit) over the
 *     Power BI connections for `--webhook-seconds` (bench/webhook-load.ts): ack and e2e latency (POST sent →
 *     row in Power BI), lost, duplicated, CPU per change of API + worker + Temporal (net of the idle rate).
 * After the last step: acknowledgements alone, ramped, to the highest rate whose ack p99 ≤ 50 ms.
 * Budget violations: requests that made a FreshBooks account's count in the trailing second exceed what its
 * budget lets out (rate + burst), timed on arrival at the sandbox, over the whole run. The sandbox runs in this
 * process, so a stall of its event loop bunches arrivals: on a loaded machine a few may be the bench's own.
 *
 * Last line: `RESULT scale …` (the largest step), or `FAILED scale: …`.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TOKEN } from '../sandbox/bigcommerce';
import { adminCall, authorizeThroughSandbox, SANDBOX_POWERBI } from '../scripts/local-service';
import { EMULATOR_PROJECT } from '../scripts/dev-stack';
import { cpuByRole, diffCpu } from './proc';
import { Cleanup, runBench, describeQuantiles, fmtMs, machineBusySec, quantiles, type Quantiles } from './webhooks-procs';
import { startBenchStack, type BenchStack } from './bench-stack';
import { createPool } from '../db/pool';
import {
  connectionView, describeServerSide, eachLimited, log, printChanges, runAckStep, runChanges, Sender, sleep, waitIdle, waitReady, Watch, type AckStep, type ChangeReport,
  type Conn, type Env,
} from './webhook-load';

// ── options ──────────────────────────────────────────────────────────────────

interface Options {
  steps: number[];
  pollSec: number;
  cycles: number;
  rate: number;
  webhookSeconds: number;
  drainSec: number;
  ramp: number[];
  rampSeconds: number;
  storeRatio: number;
  baselineSec: number;
  fbRequestsPerSec: number;
  setupTimeoutSec: number;
  timeoutSec: number;
  /** `--profile-dir DIR`: the APIs and the worker write V8 CPU profiles there (bench/cpuprofile-summary.ts; cut a phase with --from-sec). */
  profileDir?: string;
}

function parseArgs(argv: string[]): Options {
  const raw = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const num = (name: string, dflt: number, min = 0): number => {
    const v = raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got ${v}`);
    return n;
  };
  const list = (name: string, dflt: string): number[] => {
    const out = (raw(name) ?? dflt).split(',').filter(Boolean).map(Number);
    if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`${name} must be positive numbers separated by commas`);
    return out;
  };
  const steps = list('--steps', '10,100,1000').map(Math.round).sort((a, b) => a - b);
  return {
    steps,
    pollSec: num('--poll-sec', 60, 30),
    cycles: Math.round(num('--cycles', 2, 0)),
    rate: num('--rate', 200, 1),
    webhookSeconds: num('--webhook-seconds', 30, 1),
    drainSec: num('--drain-sec', 30, 1),
    ramp: list('--ramp', '50,100,200,300,400,600,800'),
    rampSeconds: num('--ramp-seconds', 10, 1),
    storeRatio: num('--store-ratio', 0.1),
    baselineSec: num('--baseline-sec', 30, 5),
    fbRequestsPerSec: num('--fb-requests-per-sec', 3, 0.1),
    setupTimeoutSec: num('--setup-timeout-sec', 1800, 10),
    timeoutSec: num('--timeout-sec', 7200, 60),
    ...(raw('--profile-dir') ? { profileDir: raw('--profile-dir') } : {}),
  };
}

/** API, worker and Temporal: what the CPU targets count (not Postgres, the sandboxes or the load generator). */
const SERVICE_ROLES = /^(worker|api\d*|temporal)$/;
const serviceCpu = (cpu: Record<string, number>) => Object.entries(cpu).filter(([k]) => SERVICE_ROLES.test(k)).reduce((a, [, v]) => a + v, 0);
const fmtCpu = (cpu: Record<string, number>) => Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

// ── what the FreshBooks sandbox sees per account: budget and poll starts ─────────────

/** Per-account request times seen by the sandbox: budget violations, and the first request after a poll was due. */
class AccountTraffic {
  violations = 0;
  readonly violationSamples: string[] = [];
  private readonly recent = new Map<string, number[]>();
  private readonly due = new Map<string, number>();
  private readonly onStart = new Map<string, (at: number) => void>();

  /** More than rate + burst requests in any one second is more than a token bucket of (rate, burst) lets out. */
  constructor(private readonly allowedPerSec: number) {}

  record(accountId: string, at: number): void {
    const times = (this.recent.get(accountId) ?? []).filter((t) => t > at - 1000);
    times.push(at);
    this.recent.set(accountId, times);
    if (times.length > this.allowedPerSec) {
      this.violations += 1;
      if (this.violationSamples.length < 5) this.violationSamples.push(`${accountId}: ${times.length} requests in 1 s`);
    }
    const dueAt = this.due.get(accountId);
    if (dueAt !== undefined && at >= dueAt) {
      this.due.delete(accountId);
      this.onStart.get(accountId)?.(at);
    }
  }

  /** Calls `then(at)` at the account's first request at or after `dueAt`. */
  expect(accountId: string, dueAt: number, then: (at: number) => void): void {
    this.due.set(accountId, dueAt);
    this.onStart.set(accountId, then);
  }

  forget(): void {
    this.due.clear();
    this.onStart.clear();
  }
}

// ── connections ─────────────────────────────────────────────────────────────

interface ScaleConn {
  id: string;
  kind: 'powerbi' | 'bigquery' | 'store';
  accountId: string;
  businessId: number;
  datasetName?: string;
}

interface Business { businessId: number; accountId: string; name: string }

async function createConnections(env: Env, authorizationId: string, businesses: Business[], from: number, to: number, storeFrom: number, storeTo: number, maxFb: number, pollSec: number, sb: BenchStack['sb']): Promise<ScaleConn[]> {
  const specs: { kind: ScaleConn['kind']; business: Business; body: unknown; datasetName?: string }[] = [];
  for (let i = from; i < to; i++) {
    const business = businesses[i]!;
    const kind = i % 5 < 3 ? 'powerbi' as const : 'bigquery' as const;
    const settings = { pollIntervalSec: pollSec, reconcileEveryHours: 24 };
    if (kind === 'powerbi') {
      const { workspaceId, tenantId, clientId, clientSecret } = SANDBOX_POWERBI;
      const datasetName = `Scale-${i}`;
      specs.push({ kind, business, datasetName, body: { authorizationId, businessIds: [business.businessId], destination: { type: 'powerbi', tenantId, clientId, clientSecret, workspaceId, datasetName }, settings } });
    } else {
      specs.push({ kind, business, body: { authorizationId, businessIds: [business.businessId], destination: { type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId: `scale_${i}`, location: 'US', serviceAccountKey: sb.serviceAccountKeyJson }, settings } });
    }
  }
  for (let j = storeFrom; j < storeTo; j++) {
    const business = businesses[maxFb + j]!;
    specs.push({ kind: 'store', business, body: { authorizationId, businessId: business.businessId, store: { type: 'bigcommerce', storeHash: storeHash(j), accessToken: DEFAULT_TOKEN }, settings: { pollIntervalSec: pollSec, backfillDays: 30 } } });
  }
  const out: ScaleConn[] = [];
  await eachLimited(specs, 4, async (spec) => {
    const res = await adminCall(env.apiUrl, env.adminToken, '/api/connections', { body: spec.body });
    if (res.status !== 201) throw new Error(`create ${spec.kind} connection for ${spec.business.accountId} failed: ${res.status} ${JSON.stringify(res.body)}`);
    out.push({ id: res.body.connectionIds[0], kind: spec.kind, accountId: spec.business.accountId, businessId: spec.business.businessId, ...(spec.datasetName ? { datasetName: spec.datasetName } : {}) });
  });
  return out;
}

const storeHash = (j: number) => `scale${j.toString(36).padStart(3, '0')}`;

/** The webhook sender's view of a Power BI connection: its dataset, its invoice callback's verifier, its invoices. */
function webhookConn(env: Env, c: ScaleConn, idx: number): Conn {
  const dataset = env.sb.powerbi.state.datasets(SANDBOX_POWERBI.workspaceId).find((d) => d.name === c.datasetName);
  if (!dataset) throw new Error(`no Power BI dataset ${c.datasetName}`);
  const cb = [...env.sb.fb.state.webhooks.callbacks.values()].find((x) => x.event === 'invoice' && x.uri.endsWith(`/webhooks/freshbooks/${c.id}`));
  if (!cb) throw new Error(`connection ${c.id} has no invoice callback at FreshBooks`);
  const pool = env.sb.fb.state.store.account(c.accountId).tables.invoices.rows.filter((r) => r.vis === 0).map((r) => r.id);
  if (pool.length === 0) throw new Error(`business ${c.accountId} has no live invoice`);
  return { idx, id: c.id, datasetName: c.datasetName!, datasetId: dataset.id, accountId: c.accountId, businessId: c.businessId, hookPath: `/webhooks/freshbooks/${c.id}`, verifier: cb.verifier, pool, next: 0 };
}

// ── the idle phase ──────────────────────────────────────────────────────────

interface IdleReport {
  wallSec: number;
  polls: number;
  expected: number;
  lagSec: Quantiles;
  cpu: Record<string, number>;
  serviceCpuSec: number;
  /** API + worker + Temporal CPU as a share of the whole machine (all cores), at the compressed interval. */
  idlePct: number;
  /** CPU of the polls alone: the window's less the stack's with no connections at all (baseline), per poll. */
  cpuPerPollMs: number;
  /** The same connections polling every 900 s: baseline + (polls/s at 900 s) × CPU per poll, as a share of the machine. */
  projectedPct900: number;
  workerRssMb: number;
  workerPeakRssMb: number;
  apiRssMb: number[];
  load: number[];
}

/** `nextPollAt` of a connection's waiting workflow (after `after`), asked until the poll after `after` is scheduled. */
async function nextDue(env: Env, id: string, after: number, until: number): Promise<number | undefined> {
  while (Date.now() < until) {
    const v = await connectionView(env, id).catch(() => null);
    const at = v?.workflow?.nextPollAt ? Date.parse(v.workflow.nextPollAt) : undefined;
    if (at !== undefined && at > after) return at;
    await sleep(2_000);
  }
  return undefined;
}

async function runIdle(env: Env, traffic: AccountTraffic, conns: ScaleConn[], opts: Options, apiMems: BenchStack['apis'], baseCpuPerSec: number): Promise<IdleReport> {
  const fbConns = conns.filter((c) => c.kind !== 'store');
  const windowMs = opts.cycles * opts.pollSec * 1100 + 20_000;
  const t0 = Date.now();
  const until = t0 + windowMs;
  const cpuBefore = cpuByRole(process.pid, env.roles);
  const machineBefore = machineBusySec();
  env.workerMem.resetPeak();
  const lags: number[] = [];
  let polls = 0;
  log(`  idle: ${opts.cycles} poll cycles of ${opts.pollSec} s (±10%) over ${conns.length} connections (${fbConns.length} FreshBooks, ${conns.length - fbConns.length} stores), up to ${(windowMs / 1000).toFixed(0)} s`);
  // One chain per FreshBooks connection: read its due time, wait for its account's first request after it, repeat.
  const chains = fbConns.map(async (c, i) => {
    await sleep((i % 50) * 20); // the status reads spread a little
    let after = 0;
    for (let cycle = 0; cycle < opts.cycles; cycle++) {
      const due = await nextDue(env, c.id, after, until);
      if (due === undefined || due > until) return;
      const started = await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), Math.max(0, until - Date.now()));
        traffic.expect(c.accountId, due, (at) => { clearTimeout(timer); resolve(at); });
      });
      if (started === undefined) return;
      lags.push((started - due) / 1000);
      polls += 1;
      after = due;
      await sleep(3_000); // the poll's run is under way: its next due time is set when it ends
    }
  });
  let lastLog = Date.now();
  const all = Promise.all(chains);
  let finished = false;
  void all.then(() => { finished = true; });
  while (!finished && Date.now() < until) {
    await sleep(1_000);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`  idle: ${polls}/${fbConns.length * opts.cycles} polls seen, worker RSS ${Math.round(env.workerMem.lastRssMb)} MB, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    }
  }
  await Promise.race([all, sleep(Math.max(0, until - Date.now()))]);
  traffic.forget();
  const wallSec = (Date.now() - t0) / 1000;
  const cpu = diffCpu(cpuByRole(process.pid, env.roles), cpuBefore);
  const others = Math.max(0, machineBusySec() - machineBefore - Object.values(cpu).reduce((a, b) => a + b, 0));
  const svc = serviceCpu(cpu);
  const cpuPerPollMs = polls > 0 ? (Math.max(0, svc - baseCpuPerSec * wallSec) * 1000) / polls : NaN;
  env.workerMem.sample();
  return {
    wallSec, polls, expected: fbConns.length * opts.cycles, lagSec: quantiles(lags),
    cpu: { ...cpu, 'OTHER processes': others }, serviceCpuSec: svc,
    idlePct: (svc / (wallSec * cpus().length)) * 100,
    cpuPerPollMs,
    projectedPct900: ((baseCpuPerSec + (conns.length / 900) * (cpuPerPollMs / 1000)) / cpus().length) * 100,
    workerRssMb: env.workerMem.lastRssMb, workerPeakRssMb: env.workerMem.peakRssMb,
    apiRssMb: apiMems.map((a) => a.mem.lastRssMb),
    load: loadavg(),
  };
}

// ── main ────────────────────────────────────────────────────────────────────

interface StepReport {
  connections: number;
  stores: number;
  setupSec: number;
  /** Absent with `--cycles 0` (webhooks only: the idle figures are not measured). */
  idle?: IdleReport;
  hooks?: ChangeReport;
  /** Service CPU during the webhook phase less the idle rate over the same time, per delivered change (0 when polls cost more than the phase). */
  cpuMsPerChange: number;
  /** Service CPU during the webhook phase per delivered change, the polls running meanwhile included: the RESULT's, an upper bound. */
  rawCpuMsPerChange: number;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  return runBench('scale', opts.timeoutSec, log, async (cleanup) => {
    const { code, result } = await run(opts, cleanup);
    return { code, lines: [result] };
  });
}

async function run(opts: Options, cleanup: Cleanup): Promise<{ code: number; result: string }> {
  const maxFb = opts.steps[opts.steps.length - 1]!;
  const storesAt = (n: number) => Math.round(n * opts.storeRatio);
  const maxStores = storesAt(maxFb);
  log(`scale benchmark: steps ${opts.steps.join('/')} FreshBooks connections (+${opts.steps.map(storesAt).join('/')} stores), poll every ${opts.pollSec} s × ${opts.cycles} cycles, webhooks ≤ ${opts.rate}/s × ${opts.webhookSeconds} s, ack ramp ${opts.ramp.join('/')}/s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${cpus().length} cores`);

  let t = performance.now();
  const stack = await startBenchStack({
    cleanup, name: 'scale', apis: 2, profileDir: opts.profileDir,
    sandboxes: {
      freshbooks: {
        seed: 1, scale: { invoices: 20, clients: 5, items: 3, payments: 3, expenses: 3, vendors: 2, bills: 3 },
        extraBusinesses: { count: maxFb + maxStores, scale: { invoices: 12, clients: 3, items: 2, payments: 2, expenses: 2, vendors: 1, bills: 2 } },
      },
      bigcommerce: { stores: Array.from({ length: Math.max(1, maxStores) }, (_, j) => ({ hash: storeHash(j), token: DEFAULT_TOKEN })), seedOrders: 0, enforceRateLimits: true },
    },
    env: { FRESHBOOKS_REQUESTS_PER_SEC: String(opts.fbRequestsPerSec) },
  });
  log(`stack up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const { sb } = stack;
  // The bench is FreshBooks' only sender of record changes (verifications still go out).
  sb.fb.state.webhooks.dropDeliveries(Number.MAX_SAFE_INTEGER);
  const trim = setInterval(() => { const d = sb.fb.state.webhooks.deliveries; if (d.length > 1_000) d.splice(0, d.length - 1_000); }, 1_000);
  cleanup.push('delivery trim', () => clearInterval(trim));
  const burst = Math.max(1, Math.ceil(opts.fbRequestsPerSec));
  const traffic = new AccountTraffic(burst + opts.fbRequestsPerSec);
  const stats = sb.fb.state.stats;
  // Every account-scoped request passes the sandbox's rate-limit check on arrival (off here): timed there.
  const faults = sb.fb.state.faults;
  const overLimit = faults.overAccountLimit.bind(faults);
  faults.overAccountLimit = (accountId, nowMs) => { traffic.record(accountId, nowMs); return overLimit(accountId, nowMs); };

  const watch = new Watch(sb.powerbi.state);
  sb.powerbi.state.onRowsPosted = (e) => watch.onRows(e);
  const store = sb.fb.state.store;
  const storeGet = store.get.bind(store);
  store.get = ((accountId, entity, id, includes) => {
    if (entity === 'invoices') watch.onFetch(accountId, id);
    return storeGet(accountId, entity, id, includes);
  }) as typeof store.get;
  const sender = new Sender(stack.apis.map((a) => a.url), sb.fb.state.user.identityId, 64);
  cleanup.push('http pools', () => sender.close());
  const [api1] = stack.apis;
  const probeDb = createPool(stack.databaseUrl, 1);
  cleanup.push('probe pool', () => probeDb.end());
  const env: Env = {
    apiUrl: api1!.url, adminToken: stack.serviceEnv.ADMIN_TOKEN!, sb, watch, sender,
    worker: stack.worker, workerMem: stack.workerMem, apiMem: api1!.mem, roles: stack.roles,
    // Acknowledged changes the APIs have not yet signalled to a workflow; sessions waiting for a lock and what they ran.
    probe: async () => {
      const inbox = (await probeDb.query<{ n: string }>('SELECT count(*) AS n FROM webhook_inbox')).rows[0]!.n;
      const { rows } = await probeDb.query<{ q: string; n: string }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q, count(*) AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' GROUP BY 1 ORDER BY 2 DESC LIMIT 3`);
      return `inbox ${inbox}; lock waits ${rows.length ? rows.map((r) => `${r.n}× ${r.q}`).join(' | ') : 0}`;
    },
  };
  const auth = await authorizeThroughSandbox(env.apiUrl, env.adminToken);
  // The two seeded businesses are left alone: every connection gets a generated one of its own.
  const businesses = auth.businesses.filter((b) => b.name.startsWith('Bench Business'));
  if (businesses.length < maxFb + maxStores) throw new Error(`the authorization offers ${businesses.length} bench businesses, need ${maxFb + maxStores}`);

  // What the stack burns with no connection at all (Temporal's own timers, the APIs' and worker's loops), once
  // the worker's start-up (loading the bundle, first polls) is over: measured without the wait, it took 2.6 CPU-s of 30 s.
  await sleep(20_000);
  const baseCpuBefore = cpuByRole(process.pid, env.roles);
  const baseStart = performance.now();
  await sleep(opts.baselineSec * 1000);
  const baseCpu = diffCpu(cpuByRole(process.pid, env.roles), baseCpuBefore);
  const baseCpuPerSec = serviceCpu(baseCpu) / ((performance.now() - baseStart) / 1000);
  log(`baseline, no connections, ${opts.baselineSec} s: CPU s ${fmtCpu(baseCpu)}; API+worker+Temporal ${(baseCpuPerSec * 60).toFixed(1)} CPU-s/min = ${((baseCpuPerSec / cpus().length) * 100).toFixed(1)} % of the machine`);

  const conns: ScaleConn[] = [];
  const reports: StepReport[] = [];
  let lost = 0;
  let duplicated = 0;
  for (const n of opts.steps) {
    const fbBefore = conns.filter((c) => c.kind !== 'store').length;
    const storesBefore = conns.length - fbBefore;
    log(`── step ${n}: adding ${n - fbBefore} FreshBooks and ${storesAt(n) - storesBefore} store connections`);
    t = performance.now();
    const added = await createConnections(env, auth.authorizationId, businesses, fbBefore, n, storesBefore, storesAt(n), maxFb, opts.pollSec, sb);
    conns.push(...added);
    log(`  created ${added.length} in ${((performance.now() - t) / 1000).toFixed(1)} s; waiting for backfills and callback verification`);
    await waitReady(env, added.filter((c) => c.kind !== 'store').map((c) => c.id), opts.setupTimeoutSec * 1000);
    const setupSec = (performance.now() - t) / 1000;
    log(`  step ${n}: all ${added.length} new connections ready in ${setupSec.toFixed(1)} s; worker RSS ${Math.round(env.workerMem.lastRssMb)} MB`);

    const idle = opts.cycles > 0 ? await runIdle(env, traffic, conns, opts, stack.apis, baseCpuPerSec) : undefined;
    if (idle) {
      log(`  idle ${n}: ${idle.polls}/${idle.expected} polls seen in ${idle.wallSec.toFixed(0)} s; poll lag ${describeQuantiles({ ...idle.lagSec, p50: idle.lagSec.p50 * 1000, p90: idle.lagSec.p90 * 1000, p99: idle.lagSec.p99 * 1000, max: idle.lagSec.max * 1000 })}`);
      log(`  idle ${n}: CPU s ${fmtCpu(idle.cpu)}; API+worker+Temporal ${(idle.serviceCpuSec / (idle.wallSec / 60)).toFixed(1)} CPU-s/min = ${idle.idlePct.toFixed(1)} % of ${cpus().length} cores at ${opts.pollSec} s polls; ${fmtMs(idle.cpuPerPollMs)} ms CPU per poll → ${idle.projectedPct900.toFixed(2)} % at 900 s polls`);
      log(`  idle ${n}: worker RSS ${Math.round(idle.workerRssMb)} MB (peak ${Math.round(idle.workerPeakRssMb)} MB), API RSS ${idle.apiRssMb.map((m) => Math.round(m)).join(' / ')} MB; load ${idle.load.map((l) => l.toFixed(2)).join(' ')}`);
    }

    const pbi = conns.filter((c) => c.kind === 'powerbi');
    const hookConns = pbi.map((c, i) => webhookConn(env, c, i));
    const rate = Math.min(opts.rate, Math.max(1, Math.floor(pbi.length * 0.5)));
    // Without an idle phase, the stack's own rate with no connections stands in (an underestimate: polls run too).
    const idleRate = idle ? idle.serviceCpuSec / idle.wallSec : baseCpuPerSec;
    const hooks = await runChanges(env, `webhooks-${n}`, hookConns, rate, opts.webhookSeconds, opts.drainSec);
    printChanges(hooks);
    const svc = serviceCpu(hooks.cpu);
    const rawCpuMsPerChange = (svc * 1000) / Math.max(1, hooks.delivered);
    const cpuMsPerChange = (Math.max(0, svc - idleRate * (hooks.wallMs / 1000)) * 1000) / Math.max(1, hooks.delivered);
    log(`  webhooks ${n}: API+worker+Temporal ${svc.toFixed(1)} CPU-s for ${hooks.delivered} changes = ${rawCpuMsPerChange.toFixed(1)} ms/change (${cpuMsPerChange.toFixed(1)} ms net of the idle polling rate)`);
    lost += hooks.lost;
    duplicated += hooks.duplicated;
    reports.push({ connections: n, stores: storesAt(n), setupSec, idle, hooks, cpuMsPerChange, rawCpuMsPerChange });
    await waitIdle(env, hookConns, 60_000);
  }

  // Acknowledgements alone: signed webhooks for unchanged invoices over every Power BI connection.
  const hookConns = conns.filter((c) => c.kind === 'powerbi').map((c, i) => webhookConn(env, c, i));
  watch.phase = 'ramp';
  log(`── ack ramp over ${hookConns.length} connections and ${env.sender.origins.length} APIs (the first one's /metrics below), ${opts.rampSeconds} s per step`);
  const steps: AckStep[] = [];
  for (const r of opts.ramp) {
    const step = await runAckStep(env, hookConns, r, opts.rampSeconds);
    steps.push(step);
    log(`  ${String(r).padStart(5)}/s: sent ${step.sent} (${step.achieved.toFixed(0)}/s), non-200 ${step.errors}, ${describeQuantiles(step.q, 1)}; CPU s ${fmtCpu(step.cpu)}`);
    log(`         ${describeServerSide(step.server)}`);
    await waitIdle(env, hookConns, 120_000);
    if (step.q.p99 > 50 || step.errors > 0) break;
  }
  const passing = steps.filter((s) => s.q.p99 <= 50 && s.errors === 0);
  const ackMax = passing.length > 0 ? Math.max(...passing.map((s) => s.rate)) : 0;

  // ── summary ──
  log('growth (API + worker + Temporal; poll lag = first request of the account after the poll was due):');
  log(`  ${'conns'.padStart(6)} ${'stores'.padStart(6)} ${'setup s'.padStart(8)} ${'RSS MB'.padStart(7)} ${'idle CPU-s/min'.padStart(14)} ${'idle %'.padStart(7)} ${'ms/poll'.padStart(8)} ${'% @900s'.padStart(8)} ${'lag p50 s'.padStart(9)} ${'lag p99 s'.padStart(9)} ${'wh rate'.padStart(7)} ${'ack p99'.padStart(7)} ${'e2e p50'.padStart(7)} ${'e2e p99'.padStart(7)} ${'ms/chg'.padStart(6)} ${'net'.padStart(5)} load`);
  for (const r of reports) {
    const h = r.hooks!;
    const i = r.idle;
    const idleCols = i
      ? `${Math.round(Math.max(i.workerPeakRssMb, i.workerRssMb)).toString().padStart(7)} ${(i.serviceCpuSec / (i.wallSec / 60)).toFixed(1).padStart(14)} ${i.idlePct.toFixed(1).padStart(7)} ${fmtMs(i.cpuPerPollMs).padStart(8)} ${i.projectedPct900.toFixed(2).padStart(8)} ${fmtMs(i.lagSec.p50, 1).padStart(9)} ${fmtMs(i.lagSec.p99, 1).padStart(9)}`
      : [7, 14, 7, 8, 8, 9, 9].map((w) => '-'.padStart(w)).join(' ');
    log(`  ${String(r.connections).padStart(6)} ${String(r.stores).padStart(6)} ${r.setupSec.toFixed(0).padStart(8)} ${idleCols} ${h.rate.toFixed(0).padStart(7)} ${fmtMs(h.ack.p99, 1).padStart(7)} ${fmtMs(h.e2e.p50).padStart(7)} ${fmtMs(h.e2e.p99).padStart(7)} ${r.rawCpuMsPerChange.toFixed(1).padStart(6)} ${r.cpuMsPerChange.toFixed(1).padStart(5)} ${(i?.load[0] ?? loadavg()[0]!).toFixed(2)}`);
  }
  log(`ack ramp: ${steps.map((s) => `${s.rate}/s p99 ${fmtMs(s.q.p99, 1)} ms${s.errors ? ` (${s.errors} non-200)` : ''}`).join(', ')} → ack_max_rps ${ackMax}`);
  log(`budget: ${traffic.violations} requests over ${opts.fbRequestsPerSec}/s + burst ${burst} in a second${traffic.violationSamples.length ? ` (e.g. ${traffic.violationSamples.join('; ')})` : ''}; FreshBooks 429s ${stats.rateLimited}`);
  const last = reports[reports.length - 1]!;
  const h = last.hooks!;
  const idle = last.idle;
  const na = 'na'; // --cycles 0: not measured
  const result = `RESULT scale connections=${last.connections} worker_rss_mb=${Math.round(Math.max(stack.workerMem.hwmMb, idle?.workerPeakRssMb ?? 0))} idle_cpu_pct=${idle ? idle.projectedPct900.toFixed(1) : na} `
    + `poll_lag_p99_s=${idle ? fmtMs(idle.lagSec.p99, 1) : na} webhook_e2e_p99_ms=${fmtMs(h.e2e.p99)} cpu_ms_per_change=${last.rawCpuMsPerChange.toFixed(1)} ack_max_rps=${ackMax} `
    + `budget_violations=${traffic.violations} lost=${lost} duplicated=${duplicated}`;
  return { code: lost > 0 || duplicated > 0 ? 1 : 0, result };
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.stdout.write(`FAILED scale: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
