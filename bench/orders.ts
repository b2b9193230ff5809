/**
 * Orders benchmark: a backlog of BigCommerce paid orders → FreshBooks invoices, through the whole service
 * (API → OAuth through the FreshBooks sandbox → POST /api/connections with a store → store workflow sweep
 * → one order workflow per order → activities in a worker child process), then the same FreshBooks /
 * BigCommerce calls in a plain loop (bench/orders-plain.ts: OrderSteps with no Temporal), in one run.
 *
 *   source .tools/env && npx tsx bench/orders.ts [--orders N] [--seed S] [--timeout-sec S]
 *
 * --orders is the number of PAID orders (default 1,000); about 10% more orders that are not paid
 * (status 7 authorized-only, status 0 incomplete) are mixed in and must be skipped. Both sandboxes run with
 * their rate limits off. Starts and stops its own stack (Temporal dev server, embedded Postgres).
 *
 * The last line is the RESULT line:
 *   RESULT orders count=<paid> temporal_per_min=<x> plain_per_min=<y> ratio=<x/y> duplicates=<d> mismatched_totals=<m>
 * On any failure (an order not invoiced exactly once, a duplicate, a mismatched total, an unpaid order
 * invoiced, a run failing, a timeout) the last line is `FAILED …` instead and the exit code is 1.
 *
 *   --history-sample N      histories analysed after the Temporal run: the store workflow's, and up to N
 *                           order workflows' (orders the sweep handed over; default 30; not timed)
 *
 * Investigation flags (the RESULT label then ends in "-experiment"; not the official figures):
 *   --plain-save-outcomes   the plain loop also saves each order's outcome in Postgres, as the workflow does
 *   --plain-concurrency N   orders in flight in the plain loop (default 20 = the worker's activity slots)
 *   --worker-options='{"maxCachedWorkflows":2000}'   worker = bench/orders-worker.ts with these WorkerOptions
 *   --workflows-path=DIR    bundle a modified copy of workflows/ (e.g. local activities) for the worker
 *   --worker-node-args="--max-old-space-size=1024"   node flags for the worker instead of WORKER_NODE_FLAGS
 *   --profile [--profile-dir D]   V8 CPU profile of the worker, summarised after the Temporal run
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { ConnectionStore } from '../db/connections';
import { createBigCommerceSandbox, DEFAULT_STORE_HASH, DEFAULT_TOKEN, type BigCommerceSandbox, type OrderLineSpec, type OrderSpec } from '../sandbox/bigcommerce';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '../sandbox/freshbooks';
import { startPostgres, startTemporal } from '../scripts/dev-stack';
import { adminCall, authorizeThroughSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type LocalService, type Sandboxes } from '../scripts/local-service';
import { storeWorkflowId } from '../contracts/ids';
import { WORKER_NODE_FLAGS } from '../workers/workflow-bundle';
import { Prng } from '../sandbox/freshbooks/prng';
import type { OrdersPlainInput, OrdersPlainResult } from './orders-plain';
import { formatSummary, summarise } from './cpuprofile-summary';
import { cpuByRole, diffCpu, MemorySampler, subtree } from './proc';
import { closeServer, listen, RequestTimings, timed } from './sandboxes';
import { BENCH_REQUESTS_PER_SEC, benchMain, forwardLines, startBenchApi, prebuildBundle, waitForPollers, quietSdkInfo, sleep, spawnTs, stopChild, type Teardown } from './children';

const STORE = DEFAULT_STORE_HASH;
/** workers/worker.ts maxConcurrentActivityTaskExecutions: the plain loop keeps as many orders in flight. */
const WORKER_ACTIVITY_SLOTS = 20;
const PROGRESS_EVERY_MS = 5_000;
const BACKFILL_DAYS = 3650;
const FB_SEED = 1;
const DAY = 86_400_000;
/** Orders through the unmeasured warm-up. */
const WARM_UP_ORDERS = 200;

interface Options {
  paid: number;
  unpaid: number;
  seed: number;
  timeoutSec: number;
  plainConcurrency: number;
  plainSaveOutcomes: boolean;
  historySample: number;
  /** Experiment: WorkerOptions overrides (JSON) → bench/orders-worker.ts. */
  workerOptions?: string;
  /** Experiment: bundle this copy of workflows/ instead. */
  workflowsPath?: string;
  /** Experiment: node flags for the worker instead of WORKER_NODE_FLAGS. */
  workerNodeArgs?: string[];
  /** Investigation: V8 CPU profiles of the worker into this directory. */
  profileDir?: string;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const num = (name: string, env: string | undefined, dflt: number, min = 1): number => {
    const raw = value(name) ?? env;
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
    return n;
  };
  const paid = num('--orders', process.env.BENCH_ORDERS, 1000);
  return {
    paid,
    // ~10% of all orders are not paid: unpaid / (paid + unpaid) ≈ 0.1.
    unpaid: Math.max(1, Math.round(paid / 9)),
    seed: num('--seed', undefined, 7),
    timeoutSec: num('--timeout-sec', process.env.BENCH_TIMEOUT_SEC, 900),
    plainConcurrency: num('--plain-concurrency', undefined, WORKER_ACTIVITY_SLOTS),
    plainSaveOutcomes: argv.includes('--plain-save-outcomes'),
    historySample: num('--history-sample', undefined, 30, 0),
    workerOptions: value('--worker-options'),
    workflowsPath: value('--workflows-path') && resolve(value('--workflows-path')!),
    workerNodeArgs: value('--worker-node-args')?.split(/\s+/).filter(Boolean),
    profileDir: argv.includes('--profile') ? resolve(value('--profile-dir') ?? '/tmp/ml-connector-bench-profile') : undefined,
  };
}

const benchStarted = Date.now();
const stamp = () => `${((Date.now() - benchStarted) / 1000).toFixed(1).padStart(6)}s`;
const log = (msg: string) => process.stdout.write(`[bench ${stamp()}] ${msg}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ── process plumbing (as bench/backfill.ts) ──────────────────────────────────


// ── sandboxes, timed server-side ─────────────────────────────────────────────

function freshbooksOp(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!;
  const m = /^\/accounting\/account\/[^/]+\/(.+)$/.exec(path);
  if (m) return `${req.method} ${m[1]!.replace(/\/\d+$/, '/:id')}`;
  return `${req.method} ${path.replace(/\/[0-9a-f-]{8,}/gi, '/:id')}`;
}

/** "GET /v2/orders/:id/products", "GET /v3/orders/:id/transactions"… */
function bigcommerceOp(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!.replace(/^\/stores\/[^/]+/, '');
  return `${req.method} ${path.replace(/\/\d+/g, '/:id')}`;
}

interface TimedFreshBooks {
  fb: FreshBooksSandbox;
  url: string;
  timings: RequestTimings;
  close(): Promise<void>;
}

async function startFreshBooks(): Promise<TimedFreshBooks> {
  // Default seed scale (250 invoices, 40 clients… in the first business); rateLimitPerSec unset = no limit.
  const fb = createFreshBooksSandbox({ clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, seed: FB_SEED });
  const timings = new RequestTimings();
  const s = await listen(timed(fb.app as unknown as RequestListener, timings, freshbooksOp));
  return { fb, url: s.url, timings, close: () => closeServer(s.server) };
}

interface TimedBigCommerce {
  bc: BigCommerceSandbox;
  url: string;
  timings: RequestTimings;
  close(): Promise<void>;
}

async function startBigCommerce(seed: number): Promise<TimedBigCommerce> {
  // Rate limits off: nothing is refused, and the quota the headers report is so large that the client's
  // own pacing (connectors/bigcommerce/throttle.ts waits when ≤5 requests are left) never kicks in either.
  const bc = createBigCommerceSandbox({ seed, seedOrders: 0, enforceRateLimits: false, rateLimitQuota: 1_000_000_000 });
  const timings = new RequestTimings();
  const s = await listen(timed(bc.app as unknown as RequestListener, timings, bigcommerceOp));
  return {
    bc, url: s.url, timings,
    close: async () => {
      bc.state.shutdown();
      await closeServer(s.server);
    },
  };
}

// ── the backlog ──────────────────────────────────────────────────────────────

interface ExpectedOrder {
  id: number;
  paid: boolean;
  /** total_inc_tax in cents. */
  totalCents: number;
  /** Successful purchase/capture transactions (what becomes a FreshBooks payment each). */
  captures: number;
  capturedCents: number;
}

interface Backlog {
  orders: ExpectedOrder[];
  paid: number;
  unpaid: number;
  mix: Record<string, number>;
}

const CUSTOM_PRODUCTS: OrderLineSpec[] = [
  { productId: 0, name: 'Custom engraving', sku: 'CUSTOM-ENGRAVE', price: 15.5, type: 'digital' },
  { productId: 0, name: 'Tent footprint (cut to order)', sku: 'CUSTOM-FOOT', price: 38 },
  { productId: 0, name: 'Gear repair service', price: 45 }, // no SKU: matched by name
];

/**
 * The same orders for both runs (fixed seed): paid statuses with captured payments, ~10% not paid, a mix
 * of tax-exclusive and -inclusive pricing, shipping, coupons, manual discounts, gift-certificate tenders
 * (two payments), auth-then-capture payments, customers who order again, guests, catalogue products with
 * variants and custom products. Orders are dated over the last 20 days, ids ascending with the date.
 */
function makeBacklog(sb: BigCommerceSandbox, opts: Options): Backlog {
  const rng = new Prng(opts.seed);
  const state = sb.state;
  const now = Date.now();
  const catalogue = [...state.store(STORE).products.values()];
  const customers: number[] = [];
  const CUSTOMERS = Math.max(20, Math.round(opts.paid / 8));
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = state.createCustomer(STORE, {
      email: `bench.customer${i}@example.com`, firstName: `Bench${i}`, lastName: `Buyer${i % 37}`,
      ...(rng.chance(0.3) ? { company: `Buyer${i} Outfitters` } : {}),
      phone: `+1 555 02${String(rng.int(10, 99))}`,
      address: { address1: `${rng.int(1, 999)} Main St`, city: 'Austin', state_or_province: 'Texas', postal_code: '78701', country_code: 'US' },
      createdMs: now - 40 * DAY,
    });
    customers.push(c.id as number);
  }
  const catalogueLine = (): OrderLineSpec => {
    const p = rng.pick(catalogue);
    const v = rng.pick(p.variants);
    return { productId: p.id, variantId: v.id, name: p.name, sku: v.sku, price: (v.price ?? p.price) / 100, quantity: rng.int(1, 3), type: p.type };
  };

  const kinds: boolean[] = [...Array<boolean>(opts.paid).fill(true), ...Array<boolean>(opts.unpaid).fill(false)];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const mix: Record<string, number> = {};
  const count = (k: string) => { mix[k] = (mix[k] ?? 0) + 1; };
  const orders: ExpectedOrder[] = [];
  const span = 20 * DAY;
  kinds.forEach((paid, i) => {
    const lines = Array.from({ length: rng.int(1, 3) }, () => (rng.chance(0.12) ? { ...rng.pick(CUSTOM_PRODUCTS), quantity: rng.int(1, 2) } : catalogueLine()));
    const physical = lines.some((l) => (l.type ?? 'physical') === 'physical');
    const gross = lines.reduce((a, l) => a + l.price * (l.quantity ?? 1), 0);
    const statusId = paid ? rng.weighted<number>([[11, 5], [10, 6], [2, 3], [9, 2], [3, 1], [8, 1]]) : rng.weighted<number>([[7, 2], [0, 1]]);
    const tax = rng.weighted<'us' | 'vat' | 'none'>([['us', 7], ['vat', 2], ['none', 1]]);
    const coupon = rng.chance(0.2) && gross > 60 ? { code: 'TRAIL15', amount: 15 } : undefined;
    const manualDiscount = !coupon && rng.chance(0.05) && gross > 30 ? 5 : undefined;
    const net = gross - (coupon?.amount ?? 0) - (manualDiscount ?? 0);
    const giftCertificate = paid && rng.chance(0.1) ? Math.min(25, Math.floor(net / 2)) : 0;
    const guest = rng.chance(0.15);
    const spec: OrderSpec = {
      statusId,
      lines,
      ...(guest
        ? { billing: { first_name: 'Guest', last_name: `Shopper${i % 50}`, email: `guest${rng.int(0, 99)}@example.net` } }
        : { customerId: rng.pick(customers) }),
      ...(tax === 'us' ? { taxRate: 8.875, taxName: 'Sales Tax' } : tax === 'vat' ? { taxInclusive: true, taxRate: 20, taxName: 'VAT' } : {}),
      ...(physical ? { shipping: rng.pick([0, 5.99, 9.95, 14.5]) } : {}),
      ...(physical && rng.chance(0.05) ? { handling: 2.5 } : {}),
      ...(coupon ? { coupon } : {}),
      ...(manualDiscount ? { manualDiscount } : {}),
      ...(giftCertificate > 0 ? { giftCertificate } : {}),
      ...(paid && rng.chance(0.3) ? { payment: 'auth_capture' as const } : {}),
      gateway: rng.pick(['stripe', 'braintree', 'authorizenet'] as const),
      createdMs: now - span + Math.floor((span * i) / kinds.length),
    };
    const o = state.createOrder(STORE, spec);
    const rec = state.orderRecord(STORE, o.id as number)!;
    const captured = rec.transactions.filter((t) => t.status === 'ok' && (t.event === 'purchase' || t.event === 'capture'));
    orders.push({ id: rec.id, paid, totalCents: rec.total.inc, captures: captured.length, capturedCents: captured.reduce((a, t) => a + t.amount, 0) });
    count(paid ? `paid status ${statusId}` : `unpaid status ${statusId}`);
    if (paid) {
      if (guest) count('guest');
      if (tax === 'vat') count('tax-inclusive');
      if (coupon) count('coupon');
      if (manualDiscount) count('manual discount');
      if ((spec.shipping ?? 0) > 0) count('shipping');
      if (giftCertificate > 0) count('gift certificate (2 payments)');
      if (spec.payment === 'auth_capture') count('auth+capture');
      if (lines.some((l) => !l.productId)) count('custom product');
    }
  });
  for (const o of orders) {
    if (o.paid && o.capturedCents !== o.totalCents) throw new Error(`backlog: paid order ${o.id} captured ${o.capturedCents} of ${o.totalCents} cents`);
    if (!o.paid && o.captures > 0) throw new Error(`backlog: unpaid order ${o.id} has a capture`);
  }
  return { orders, paid: opts.paid, unpaid: opts.unpaid, mix };
}

// ── verification ─────────────────────────────────────────────────────────────

interface RunCheck {
  duplicates: number;
  mismatched: number;
  problems: string[];
  invoices: number;
  payments: number;
}

const cents = (amount: unknown): number => Math.round(Number((amount as { amount?: string } | undefined)?.amount ?? NaN) * 100);

function listAll(fb: FreshBooksSandbox, accountId: string, entity: 'invoices' | 'payments'): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (let page = 1; ; page++) {
    const r = fb.state.list(accountId, entity, { page: String(page), per_page: '100' });
    out.push(...(r.items as Record<string, any>[]));
    if (page >= r.pages) return out;
  }
}

/**
 * What one run left in its FreshBooks business, against the orders: every paid order exactly one live
 * invoice numbered by the order id, not a draft, for total_inc_tax to the cent, with one payment per
 * captured transaction adding up to it; no invoice for an unpaid order.
 */
function checkRun(fb: FreshBooksSandbox, accountId: string, backlog: Backlog): RunCheck {
  const invoices = listAll(fb, accountId, 'invoices'); // live ones: deleted invoices are hidden by default
  const payments = listAll(fb, accountId, 'payments');
  const byNumber = new Map<string, Record<string, any>[]>();
  for (const inv of invoices) byNumber.set(String(inv.invoice_number), [...(byNumber.get(String(inv.invoice_number)) ?? []), inv]);
  const paymentsByInvoice = new Map<number, Record<string, any>[]>();
  for (const p of payments) paymentsByInvoice.set(Number(p.invoiceid), [...(paymentsByInvoice.get(Number(p.invoiceid)) ?? []), p]);
  const out: RunCheck = { duplicates: 0, mismatched: 0, problems: [], invoices: 0, payments: 0 };
  for (const [num, list] of byNumber) {
    if (list.length > 1) {
      out.duplicates++;
      out.problems.push(`invoice number ${num}: ${list.length} invoices (ids ${list.map((i) => i.id).join(', ')})`);
    }
  }
  for (const o of backlog.orders) {
    const mine = byNumber.get(String(o.id)) ?? [];
    if (!o.paid) {
      if (mine.length > 0) out.problems.push(`unpaid order ${o.id} has ${mine.length} invoice(s)`);
      continue;
    }
    if (mine.length === 0) {
      out.problems.push(`paid order ${o.id} has no invoice`);
      continue;
    }
    out.invoices++;
    const inv = mine[0]!;
    if (Number(inv.status) === 1) out.problems.push(`order ${o.id}: invoice ${inv.id} is still a draft`);
    const pays = mine.flatMap((i) => paymentsByInvoice.get(Number(i.id)) ?? []);
    out.payments += pays.length;
    if (pays.length > o.captures) {
      out.duplicates++;
      out.problems.push(`order ${o.id}: ${pays.length} payments for ${o.captures} captured transaction(s)`);
    } else if (pays.length < o.captures) {
      out.problems.push(`order ${o.id}: ${pays.length} payments for ${o.captures} captured transaction(s)`);
    }
    const invCents = cents(inv.amount);
    const paidCents = pays.reduce((a, p) => a + cents(p.amount), 0);
    if (invCents !== o.totalCents || paidCents !== o.totalCents) {
      out.mismatched++;
      out.problems.push(`order ${o.id}: total_inc_tax ${(o.totalCents / 100).toFixed(2)}, invoice ${inv.amount?.amount}, payments ${(paidCents / 100).toFixed(2)}`);
    }
  }
  return out;
}

function printCheck(label: string, c: RunCheck): void {
  log(`${label}: ${fmt(c.invoices)} invoices for paid orders, ${fmt(c.payments)} payments; duplicates ${c.duplicates}, mismatched totals ${c.mismatched}, problems ${c.problems.length}`);
  for (const p of c.problems.slice(0, 15)) log(`  PROBLEM ${p}`);
  if (c.problems.length > 15) log(`  … ${c.problems.length - 15} more`);
}

// ── reporting helpers ────────────────────────────────────────────────────────

function printTimings(label: string, t: RequestTimings, wallMs: number, rows = 10): void {
  const snap = t.snapshot();
  const count = Object.values(snap).reduce((n, v) => n + v.count, 0);
  log(`${label}: ${fmt(count)} requests, server-side time ${fmt(t.totalMs() / 1000, 1)} s over ${fmt(wallMs / 1000, 1)} s wall`);
  for (const [op, v] of Object.entries(snap).slice(0, rows)) {
    log(`  ${op.padEnd(44)} ${fmt(v.count).padStart(6)} req  ${fmt(v.totalMs / 1000, 2).padStart(7)} s  avg ${fmt(v.totalMs / v.count, 2)} ms  max ${fmt(v.maxMs, 0)} ms`);
  }
}

/**
 * CPU by role (bench/proc.ts cpuByRole), with Postgres's reaped backends added: a connection's backend
 * exits with the connection (the plain loop's pool ends before we look), so its CPU is only left in the
 * postmaster's cutime/cstime.
 */
function cpuRoles(roles: Parameters<typeof cpuByRole>[1]): Record<string, number> {
  const out = cpuByRole(process.pid, roles);
  if (out.postgres === undefined) return out;
  for (const p of subtree(process.pid)) {
    if (!/^postgres/.test(p.comm)) continue;
    try {
      const text = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // rest[0] is field 3; cutime and cstime are fields 16 and 17.
      out.postgres += (Number(rest[13]) + Number(rest[14])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Busy CPU seconds of the whole machine so far (/proc/stat: everything but idle and iowait). */
function machineBusySec(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3]! - f[4]!) / 100;
  } catch {
    return NaN;
  }
}

/** Ours by role, plus what other processes on the machine burnt meanwhile (a shared machine skews the figures). */
function printCpu(label: string, cpu: Record<string, number>, wallMs: number, machineSec: number): void {
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  const others = Math.max(0, machineSec - total);
  log(`${label} (wall ${fmt(wallMs / 1000, 1)} s, 2 cores = ${fmt((2 * wallMs) / 1000, 1)} core-s): ${Object.entries(cpu).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')}; total ${fmt(total, 1)}; other processes on the machine ${Number.isNaN(others) ? '?' : fmt(others, 1)}`);
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const ET = temporal.api.enums.v1.EventType;
const evMs = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

interface HistoryStats {
  workflows: number;
  events: number[];
  activities: Record<string, { count: number; queueMs: number; execMs: number; retries: number }>;
  /** Workflow started → first activity scheduled (first workflow task). */
  firstTaskMs: number[];
  /** Activity closed → next activity scheduled (one workflow task round trip). */
  gapMs: number[];
  /** Workflow started → saveOrderOutcome completed. */
  totalMs: number[];
  /** Workflow tasks, and those after the first that went to the normal (not sticky) queue: the worker had evicted the workflow, so it replayed its history. */
  workflowTasks: number;
  nonStickyAfterFirst: number;
  /** Workflow tasks that timed out (e.g. sticky schedule-to-start: waited too long in the worker's sticky queue). */
  timedOutTasks: number;
}

/** Where a workflow's time went: its workflow tasks, and each activity type's queueing and execution. */
async function analyseHistories(service: LocalService, workflowIds: string[]): Promise<HistoryStats> {
  const out: HistoryStats = { workflows: 0, events: [], activities: {}, firstTaskMs: [], gapMs: [], totalMs: [], workflowTasks: 0, nonStickyAfterFirst: 0, timedOutTasks: 0 };
  for (const id of workflowIds) {
    const h = await service.client.workflow.getHandle(id).fetchHistory();
    const events = h.events ?? [];
    if (events.length === 0) continue;
    out.workflows++;
    out.events.push(events.length);
    const startedAt = evMs(events[0]!.eventTime);
    const scheduled = new Map<string, { type: string; at: number; startedAt?: number; attempt: number }>();
    let lastClosed: number | undefined;
    let first = true;
    let tasks = 0;
    for (const e of events) {
      const at = evMs(e.eventTime);
      if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
        out.workflowTasks++;
        const kind = e.workflowTaskScheduledEventAttributes?.taskQueue?.kind;
        if (tasks++ > 0 && kind !== temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY) out.nonStickyAfterFirst++;
      } else if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
        out.timedOutTasks++;
      } else if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', at, attempt: 1 });
        if (first) out.firstTaskMs.push(at - startedAt);
        else if (lastClosed !== undefined) out.gapMs.push(at - lastClosed);
        first = false;
      } else if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const s = scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) {
          s.startedAt = at;
          s.attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
        }
      } else if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED || e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_FAILED || e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
        const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
        const s = scheduled.get(String(attrs?.scheduledEventId));
        if (!s) continue;
        const a = (out.activities[s.type] ??= { count: 0, queueMs: 0, execMs: 0, retries: 0 });
        const st = s.startedAt ?? s.at;
        a.count++;
        a.queueMs += st - s.at;
        a.execMs += at - st;
        a.retries += Math.max(0, s.attempt - 1);
        lastClosed = at;
        if (s.type === 'saveOrderOutcome') out.totalMs.push(at - startedAt);
      }
    }
  }
  return out;
}

function printHistories(label: string, h: HistoryStats): void {
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  log(`${label} (${h.workflows}): events per workflow ${Math.min(...h.events)}–${Math.max(...h.events)} (avg ${fmt(avg(h.events), 1)})${h.totalMs.length ? `; start → outcome saved avg ${fmt(avg(h.totalMs) / 1000, 2)} s (p50 ${fmt(pct(h.totalMs, 50) / 1000, 2)} s, max ${fmt(Math.max(0, ...h.totalMs) / 1000, 2)} s)` : ''}`);
  log(`  workflow tasks ${h.workflowTasks} (${fmt(h.workflowTasks / Math.max(1, h.workflows), 1)} per workflow), of which after the first on the normal queue (worker had evicted the workflow, or its sticky queue timed out → full replay): ${h.nonStickyAfterFirst}; timed out ${h.timedOutTasks}`);
  log(`  start → first activity scheduled (first workflow task): avg ${fmt(avg(h.firstTaskMs), 0)} ms, max ${fmt(Math.max(0, ...h.firstTaskMs), 0)} ms; activity closed → next scheduled (workflow task round trip): avg ${fmt(avg(h.gapMs), 0)} ms over ${h.gapMs.length} gaps, p50 ${fmt(pct(h.gapMs, 50), 0)} ms, max ${fmt(Math.max(0, ...h.gapMs), 0)} ms`);
  for (const [type, a] of Object.entries(h.activities)) {
    log(`  activity ${type.padEnd(18)} ×${String(a.count).padStart(4)}  schedule→start avg ${fmt(a.queueMs / a.count, 0).padStart(6)} ms  exec avg ${fmt(a.execMs / a.count, 1).padStart(7)} ms  retries ${a.retries}`);
  }
}

function printCpuProfile(label: string, dir: string): void {
  try {
    const summaries = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => ({ f, s: summarise(resolve(dir, f)) }));
    const busy = (x: { s: ReturnType<typeof summarise> }) => x.s.totalMs - (x.s.byCategory.find(([k]) => k === '(idle)')?.[1] ?? 0);
    summaries.sort((a, b) => busy(b) - busy(a));
    summaries.forEach((x, i) => {
      if (i === 0) for (const line of formatSummary(`${label} (busiest thread, ${x.f})`, x.s, 20)) log(line);
      else log(`${label}: other thread ${x.f}: ${fmt(busy(x) / 1000, 2)} s busy; top ${x.s.byCategory.filter(([k]) => k !== '(idle)').slice(0, 4).map(([k, v]) => `${k} ${fmt(v / 1000, 2)} s`).join(', ')}`);
    });
  } catch (err) {
    log(`${label}: no CPU profile (${err instanceof Error ? err.message : String(err)})`);
  }
}

// ── main ─────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  return benchMain('orders', opts.timeoutSec, log, (teardown) => runBench(opts, teardown));
}

async function runBench(opts: Options, teardown: Teardown): Promise<{ code: number; result: string }> {
  const experiment = opts.plainSaveOutcomes || opts.plainConcurrency !== WORKER_ACTIVITY_SLOTS || !!opts.workerOptions || !!opts.workflowsPath || !!opts.workerNodeArgs || !!opts.profileDir;
  if (opts.workerOptions) JSON.parse(opts.workerOptions); // fail early on a typo
  log(`orders benchmark: ${fmt(opts.paid)} paid + ${fmt(opts.unpaid)} unpaid BigCommerce orders → FreshBooks, sandbox rate limits off, hard timeout ${opts.timeoutSec}s`);

  // Infrastructure.
  let t = Date.now();
  const started = await Promise.allSettled([startTemporal(), startPostgres()]);
  const [temporalStart, pgStart] = started;
  if (pgStart.status === 'fulfilled') teardown.add('postgres', () => pgStart.value.stop());
  if (temporalStart.status === 'fulfilled') teardown.add('temporal', () => stopChild(temporalStart.value.child, 10_000));
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  const temporalServer = (temporalStart as PromiseFulfilledResult<Awaited<ReturnType<typeof startTemporal>>>).value;
  const pg = (pgStart as PromiseFulfilledResult<Awaited<ReturnType<typeof startPostgres>>>).value;
  log(`stack up in ${Date.now() - t} ms: Temporal ${temporalServer.address}, Postgres`);

  // Two FreshBooks sandboxes seeded alike: the Temporal run writes into one, the plain loop into the other,
  // so neither finds the other's invoices, clients or items, and both start from the same business.
  t = Date.now();
  const fbTemporal = await startFreshBooks();
  teardown.add('freshbooks (temporal)', () => fbTemporal.close());
  const fbPlain = await startFreshBooks();
  teardown.add('freshbooks (plain)', () => fbPlain.close());
  const bc = await startBigCommerce(opts.seed);
  teardown.add('bigcommerce', () => bc.close());
  const backlog = makeBacklog(bc.bc, opts);
  const ids = backlog.orders.map((o) => o.id);
  log(`sandboxes up in ${Date.now() - t} ms: FreshBooks ${fbTemporal.url} (Temporal run) and ${fbPlain.url} (plain loop), BigCommerce ${bc.url}`);
  log(`backlog: orders ${ids[0]}–${ids[ids.length - 1]}: ${fmt(backlog.paid)} paid, ${fmt(backlog.unpaid)} unpaid; ${Object.entries(backlog.mix).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);

  // The service, wired to the sandboxes. Google / Power BI are not on the orders path: their URLs are placeholders.
  const unused = 'http://127.0.0.1:9';
  const sandboxes = { fbUrl: fbTemporal.url, googleUrl: unused, powerbiAuthorityUrl: unused, powerbiApiBase: unused, bcApiBase: bc.url } as Sandboxes;
  const { env, service, taskQueue } = await startBenchApi(teardown, sandboxes, { databaseUrl: pg.url, temporalAddress: temporalServer.address, bigqueryEndpoint: unused }, 'bench-orders');

  // The worker as a child process, as production runs it: prebuilt workflow bundle, WORKER_NODE_FLAGS.
  t = Date.now();
  const workerEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PUBLIC_URL: service.apiUrl };
  workerEnv.WORKFLOW_BUNDLE_PATH = await prebuildBundle(resolve(tmpdir(), `ml-connector-workflow-bundle-orders-${process.pid}.js`), opts.workflowsPath);
  teardown.add('bundle', () => rmSync(workerEnv.WORKFLOW_BUNDLE_PATH!, { force: true }));
  if (opts.workerOptions) workerEnv.BENCH_WORKER_OPTIONS = opts.workerOptions;
  const experimentWorker = !!opts.workerOptions;
  if (experiment) log(`EXPERIMENT (not the official figures):${opts.workerOptions ? ` worker options ${opts.workerOptions};` : ''}${opts.workflowsPath ? ` workflows from ${opts.workflowsPath};` : ''}${opts.plainSaveOutcomes ? ' plain loop saves outcomes;' : ''}${opts.plainConcurrency !== WORKER_ACTIVITY_SLOTS ? ` plain concurrency ${opts.plainConcurrency};` : ''}${opts.workerNodeArgs ? ` worker node ${opts.workerNodeArgs.join(' ')};` : ''}${opts.profileDir ? ` worker CPU profile into ${opts.profileDir};` : ''}`);
  const profDir = opts.profileDir ? resolve(opts.profileDir, `orders-worker-${Date.now()}`) : undefined;
  const worker = spawnTs(experimentWorker ? 'bench/orders-worker.ts' : 'workers/main.ts', workerEnv,
    [...(opts.workerNodeArgs ?? WORKER_NODE_FLAGS), ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])]);
  forwardLines(worker.stdout, '[worker]', quietSdkInfo());
  forwardLines(worker.stderr, '[worker]', quietSdkInfo());
  teardown.add('worker', () => stopChild(worker));
  const workerMem = new MemorySampler(worker.pid!, 250);
  teardown.add('worker-sampler', () => workerMem.stop());
  await waitForPollers(service, taskQueue, worker, 180_000);
  log(`worker pid ${worker.pid} polling ${taskQueue} after ${Date.now() - t} ms (bundle built first); RSS ${fmt(workerMem.lastRssMb)} MB`);
  workerMem.resetPeak();

  // OAuth through the sandbox, as a user would.
  const auth = await authorizeThroughSandbox(service.apiUrl, env.ADMIN_TOKEN!);
  const business = auth.businesses[0]!;
  await warmUp(service, pg.url, auth.grantId, business, opts);

  const roles = [
    { name: 'worker', pid: worker.pid },
    { name: 'temporal', pid: temporalServer.child.pid },
    { name: 'postgres', comm: /^postgres/ },
    { name: 'bench(sandboxes+api)', pid: process.pid, tree: false },
  ];

  // Which run first: the Temporal path. Both runs share this process's sandboxes and Postgres; the
  // warm-up above took the sandboxes' JIT warm-up off the first run, and whatever warmth is left (caches,
  // table growth) goes to the baseline, which can only understate the ratio, never flatter it. The worker
  // is stopped before the plain loop starts, so the baseline runs on an otherwise idle machine, as
  // bench/backfill.ts does.

  // ── Temporal path ──
  log('── Temporal path: POST /api/connections (store) → store workflow → one sweep activity per page of 250 orders in the worker (order workflows only for what it hands over)');
  fbTemporal.timings.reset();
  bc.timings.reset();
  const cpuBefore = cpuRoles(roles);
  const machineBefore = machineBusySec();
  const t0 = Date.now();
  const created = await adminCall(service.apiUrl, env.ADMIN_TOKEN!, '/api/connections', {
    body: {
      authorizationId: auth.authorizationId,
      businessId: business.businessId,
      store: { type: 'bigcommerce', storeHash: STORE, accessToken: DEFAULT_TOKEN },
      settings: { pollIntervalSec: 3600, backfillDays: BACKFILL_DAYS },
    },
  });
  if (created.status !== 201) throw new Error(`create store connection failed: ${created.status} ${JSON.stringify(created.body)}`);
  const connectionId: string = created.body.connectionIds[0];
  const endMs = await waitForOutcomes(service, connectionId, backlog, t0, worker, workerMem, Math.max(120_000, (opts.timeoutSec - 150) * 1000 * 0.6));
  const temporalMs = endMs - t0;
  const cpuTemporal = diffCpu(cpuRoles(roles), cpuBefore);
  const machineTemporal = machineBusySec() - machineBefore;
  workerMem.sample();
  const temporalPerMin = backlog.paid / (temporalMs / 60_000);
  log(`Temporal path done: ${fmt(backlog.paid)} paid orders invoiced, ${fmt(backlog.unpaid)} skipped in ${fmt(temporalMs / 1000, 2)} s → ${fmt(temporalPerMin, 1)} paid orders/min; worker peak RSS ${fmt(workerMem.peakRssMb)} MB`);
  printTimings('FreshBooks sandbox (Temporal path)', fbTemporal.timings, temporalMs);
  printTimings('BigCommerce sandbox (Temporal path)', bc.timings, temporalMs, 8);
  printCpu('CPU seconds during the Temporal path', cpuTemporal, temporalMs, machineTemporal);

  // Where the Temporal path's time went (after the measurement; not timed).
  await reportTemporalTimeline(service, connectionId, t0, endMs, ids).catch((err) => log(`(timeline unavailable: ${err instanceof Error ? err.message : String(err)})`));
  if (opts.historySample > 0) {
    const unavailable = (err: unknown) => log(`(histories unavailable: ${err instanceof Error ? err.message : String(err)})`);
    await analyseHistories(service, [storeWorkflowId(connectionId)]).then((h) => printHistories('store workflow history', h), unavailable);
    const handedOver = (await orderWorkflowsStarted(service)).slice(0, opts.historySample);
    if (handedOver.length > 0) await analyseHistories(service, handedOver).then((h) => printHistories('order workflow histories', h), unavailable);
  }

  // Nothing else is coming. Stop the worker so the plain loop has the machine to itself.
  workerMem.stop();
  await stopChild(worker);
  log(`worker stopped (VmHWM ${fmt(workerMem.hwmMb)} MB)`);
  if (profDir) printCpuProfile('worker CPU profile', profDir);

  // ── Plain loop ──
  log(`── plain loop: the same OrderSteps calls, no Temporal, ${opts.plainConcurrency} orders in flight${opts.plainSaveOutcomes ? ', outcomes saved (experiment)' : ''}, child process`);
  const plainConnectionId = await pausedConnection(service, auth.grantId, business, 'plain');
  const { rows: [plan] } = await service.db.query<{ since: string }>(`SELECT settings->>'backfillSince' AS since FROM connections WHERE id = $1`, [connectionId]);
  fbPlain.timings.reset();
  bc.timings.reset();
  const plainRoles = roles.filter((r) => r.name !== 'worker');
  const cpuPlainBefore = cpuRoles(plainRoles);
  const machinePlainBefore = machineBusySec();
  const input: OrdersPlainInput = {
    fbApiBase: fbPlain.url,
    accountId: business.accountId,
    accessToken: fbPlain.fb.state.issueTokens().access_token,
    requestsPerSec: Number(BENCH_REQUESTS_PER_SEC),
    bcApiBase: bc.url,
    storeHash: STORE,
    bcToken: DEFAULT_TOKEN,
    databaseUrl: pg.url,
    connectionId: plainConnectionId,
    since: plan!.since,
    concurrency: opts.plainConcurrency,
    saveOutcomes: opts.plainSaveOutcomes,
  };
  const plain = await runPlainChild(input, Math.max(120_000, (opts.timeoutSec - 150) * 1000 * 0.4));
  const cpuPlain = { plain: plain.result.cpuSec, ...diffCpu(cpuRoles(plainRoles), cpuPlainBefore) };
  const machinePlain = machineBusySec() - machinePlainBefore;
  const plainMs = plain.result.elapsedMs;
  const plainPerMin = backlog.paid / (plainMs / 60_000);
  log(`plain loop done: ${fmt(plain.result.listed)} orders listed, ${fmt(plain.result.invoiced)} invoiced, ${fmt(plain.result.skipped)} skipped, ${fmt(plain.result.payments)} payments in ${fmt(plainMs / 1000, 2)} s → ${fmt(plainPerMin, 1)} paid orders/min; child peak RSS ${fmt(plain.peakRssMb)} MB`);
  const stepSummary = Object.entries(plain.result.steps).map(([k, v]) => `${k} ×${v.count} avg ${fmt(v.ms / v.count, 1)} ms`).join(', ');
  log(`plain loop steps (wall per call, ${opts.plainConcurrency} in flight): ${stepSummary}`);
  printTimings('FreshBooks sandbox (plain loop)', fbPlain.timings, plainMs);
  printTimings('BigCommerce sandbox (plain loop)', bc.timings, plainMs, 8);
  printCpu('CPU seconds during the plain loop', cpuPlain, plainMs, machinePlain);

  // ── Checks ──
  const failures: string[] = [];
  const cT = checkRun(fbTemporal.fb, business.accountId, backlog);
  printCheck('Temporal path, FreshBooks', cT);
  const cP = checkRun(fbPlain.fb, business.accountId, backlog);
  printCheck('plain loop, FreshBooks', cP);
  const states = await service.db.query<{ order_id: string; state: string; error: string | null; flags: string[] }>(
    'SELECT order_id, state, error, flags FROM bigcommerce_orders WHERE connection_id = $1', [connectionId]);
  const stateOf = new Map(states.rows.map((r) => [Number(r.order_id), r]));
  let wrongState = 0;
  for (const o of backlog.orders) {
    const s = stateOf.get(o.id);
    const want = o.paid ? 'invoiced' : 'skipped';
    if (s?.state !== want) {
      if (wrongState++ < 10) log(`  PROBLEM Temporal path: order ${o.id} saved as ${s?.state ?? '(nothing)'}, expected ${want}${s?.error ? `: ${s.error}` : ''}${s?.flags?.length ? ` flags ${JSON.stringify(s.flags)}` : ''}`);
    }
  }
  if (wrongState > 0) failures.push(`${wrongState} order outcome(s) of the Temporal path are not what they should be`);
  if (plain.result.failures.length > 0) {
    for (const f of plain.result.failures.slice(0, 10)) log(`  PROBLEM plain loop: order ${f.orderId}: ${f.error}`);
    failures.push(`${plain.result.failures.length} order(s) failed in the plain loop`);
  }
  if (plain.result.flagged.length > 0) {
    for (const f of plain.result.flagged.slice(0, 10)) log(`  PROBLEM plain loop: order ${f.orderId}: ${f.flag}`);
    failures.push(`${plain.result.flagged.length} order(s) flagged in the plain loop`);
  }
  if (plain.result.invoiced !== backlog.paid || plain.result.skipped !== backlog.unpaid) {
    failures.push(`plain loop invoiced ${plain.result.invoiced}/${backlog.paid} and skipped ${plain.result.skipped}/${backlog.unpaid}`);
  }
  const problems = (label: string, c: RunCheck) => {
    const other = c.problems.length - c.duplicates - c.mismatched;
    if (other > 0) failures.push(`${label}: ${other} order(s) not invoiced exactly as they should be`);
  };
  problems('Temporal path', cT);
  problems('plain loop', cP);
  const duplicates = cT.duplicates + cP.duplicates;
  const mismatched = cT.mismatched + cP.mismatched;
  if (duplicates > 0) failures.push(`${duplicates} duplicate(s) (Temporal ${cT.duplicates}, plain ${cP.duplicates})`);
  if (mismatched > 0) failures.push(`${mismatched} mismatched total(s) (Temporal ${cT.mismatched}, plain ${cP.mismatched})`);

  // ── Summary ──
  const ratio = temporalPerMin / plainPerMin;
  log(`summary: ${fmt(backlog.paid)} paid orders; Temporal ${fmt(temporalMs / 1000, 1)} s (${fmt(temporalPerMin, 1)}/min), plain ${fmt(plainMs / 1000, 1)} s (${fmt(plainPerMin, 1)}/min)`);
  log(`targets: ratio ${ratio.toFixed(2)} ${ratio >= 0.6 ? '≥' : '<'} 0.6; duplicates ${duplicates} (target 0); mismatched totals ${mismatched} (target 0)`);
  const label = `orders${experiment ? '-experiment' : ''}`;
  const figures = `count=${backlog.paid} temporal_per_min=${temporalPerMin.toFixed(1)} plain_per_min=${plainPerMin.toFixed(1)} ratio=${ratio.toFixed(2)} duplicates=${duplicates} mismatched_totals=${mismatched}`;
  if (failures.length > 0) {
    log(`figures: ${figures}`);
    return { code: 1, result: `FAILED orders: ${failures.join('; ')}` };
  }
  return { code: 0, result: `RESULT ${label} ${figures}` };
}



/**
 * Polls the saved outcomes until every paid order is 'invoiced' and every unpaid one 'skipped'. The end
 * is the last outcome's own commit time (Postgres now()), not when this poll noticed it.
 */
async function waitForOutcomes(service: LocalService, connectionId: string, backlog: Backlog, t0: number, worker: ChildProcess, mem: MemorySampler, timeoutMs: number): Promise<number> {
  const until = t0 + timeoutMs;
  let lastProgress = Date.now();
  while (Date.now() < until) {
    if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`worker died (code ${worker.exitCode}, signal ${worker.signalCode})`);
    const { rows } = await service.db.query<{ state: string; n: string; last: Date }>(
      'SELECT state, count(*) AS n, max(updated_at) AS last FROM bigcommerce_orders WHERE connection_id = $1 GROUP BY state', [connectionId]);
    const by = Object.fromEntries(rows.map((r) => [r.state, { n: Number(r.n), last: r.last }]));
    const bad = (by.needs_attention?.n ?? 0) + (by.failed?.n ?? 0);
    if (bad > 0) {
      const { rows: sample } = await service.db.query<{ order_id: string; state: string; error: string | null; flags: unknown }>(
        `SELECT order_id, state, error, flags FROM bigcommerce_orders WHERE connection_id = $1 AND state IN ('needs_attention', 'failed') ORDER BY order_id LIMIT 5`, [connectionId]);
      for (const r of sample) log(`  PROBLEM order ${r.order_id}: ${r.state} ${r.error ?? ''} ${JSON.stringify(r.flags)}`);
      throw new Error(`${bad} order(s) ended needs_attention/failed in the Temporal path`);
    }
    const invoiced = by.invoiced?.n ?? 0;
    const skipped = by.skipped?.n ?? 0;
    if (invoiced >= backlog.paid && skipped >= backlog.unpaid) {
      const detected = Date.now();
      const last = Math.max(...rows.map((r) => r.last.getTime()));
      return last > t0 && last <= detected ? last : detected;
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      const secs = (Date.now() - t0) / 1000;
      const started = await countOrderWorkflows(service).catch(() => -1);
      log(`  temporal t=${secs.toFixed(1)}s: ${fmt(invoiced)}/${fmt(backlog.paid)} invoiced (${fmt((invoiced / secs) * 60, 0)}/min), ${fmt(skipped)}/${fmt(backlog.unpaid)} skipped; order workflows started ${started >= 0 ? fmt(started) : '?'}; worker RSS ${fmt(mem.lastRssMb)} MB (peak ${fmt(mem.peakRssMb)})`);
    }
    await sleep(200);
  }
  throw new Error(`the Temporal path did not finish within ${fmt(timeoutMs / 1000)} s`);
}

async function countOrderWorkflows(service: LocalService): Promise<number> {
  const res = await service.client.workflowService.countWorkflowExecutions({ namespace: service.config.temporal.namespace, query: `WorkflowType = 'orderWorkflow'` });
  return Number(res.count ?? 0);
}

/** When the sweep handed orders over (order workflow start times) against when their outcomes were saved. */
/** Order workflows in the namespace (the sweep starts one only for an order it hands over). */
async function orderWorkflowsStarted(service: LocalService): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of service.client.workflow.list({ query: `WorkflowType = 'orderWorkflow'` })) ids.push(info.workflowId);
  return ids;
}

async function reportTemporalTimeline(service: LocalService, connectionId: string, t0: number, endMs: number, ids: number[]): Promise<void> {
  const { rows } = await service.db.query<{ order_id: string; created_at: Date }>('SELECT order_id, created_at FROM bigcommerce_orders WHERE connection_id = $1', [connectionId]);
  const savedMs = new Map(rows.map((r) => [Number(r.order_id), r.created_at.getTime()]));
  const saves = ids.map((id) => savedMs.get(id)).filter((x): x is number => x !== undefined).map((x) => x - t0);
  const s = (ms: number) => `${fmt(ms / 1000, 1)} s`;
  const orderWorkflows = (await orderWorkflowsStarted(service)).length;
  log(`timeline (from connection creation): outcomes saved between ${s(Math.min(...saves))} and ${s(Math.max(...saves))}; end ${s(endMs - t0)}; order workflows started ${fmt(orderWorkflows)} (orders the sweep handed over)`);
  const buckets = 10;
  const width = (endMs - t0) / buckets;
  const hist = Array.from({ length: buckets }, (_, i) => saves.filter((x) => x >= i * width && x < (i + 1) * width).length);
  hist[buckets - 1]! += saves.filter((x) => x >= buckets * width).length;
  log(`  outcomes saved per ${fmt(width / 1000, 1)} s slice: ${hist.join(' ')}`);
  const store = await service.workflows.storeStatus(connectionId).catch(() => null);
  if (store) log(`  store workflow: polls ${store.polls}, last sweep ${store.lastPoll?.pages ?? '?'} pages, worked ${store.lastPoll?.worked ?? '?'} orders, handed over ${store.lastPoll?.signalled ?? '?'}, hooks ${store.hooks ? `created ${store.hooks.created}${store.hooks.error ? ` (error ${store.hooks.error})` : ''}` : '?'}`);
}

/**
 * A connection row for a plain loop (the record map and outcome tables reference connections): paused,
 * pointing at no real store, so nothing in the service acts on it.
 */
async function pausedConnection(service: LocalService, grantId: string, business: { accountId: string; businessId: number }, label: string): Promise<string> {
  const id = `conn_bench_${label}_${randomBytes(4).toString('hex')}`;
  const connections = new ConnectionStore(service.db);
  await connections.create({
    id, kind: 'bigcommerce_freshbooks',
    freshbooks: { grantId, accountId: business.accountId, businessId: business.businessId, businessUuid: '', businessName: `bench ${label} loop` },
    destination: { type: 'bigcommerce', storeHash: `bench-${label}-loop`, credentialId: 'none' },
    settings: { pollIntervalSec: 3600, entities: [], reconcileEveryHours: 24 },
  });
  await connections.setStatus(id, 'paused', { reason: `bench/orders.ts ${label} loop` });
  return id;
}

/**
 * Not measured: a small backlog through the plain loop against sandboxes of its own, so the sandboxes'
 * code (in this process, serving both runs) and Postgres are warm before the first measured run, and
 * neither run pays for that warm-up.
 */
async function warmUp(service: LocalService, pgUrl: string, grantId: string, business: { accountId: string; businessId: number }, opts: Options): Promise<void> {
  const t = Date.now();
  const fb = await startFreshBooks();
  const bc = await startBigCommerce(opts.seed + 1);
  try {
    const small = makeBacklog(bc.bc, { ...opts, paid: WARM_UP_ORDERS, unpaid: Math.round(WARM_UP_ORDERS / 9) });
    const r = await runPlainChild({
      fbApiBase: fb.url, accountId: business.accountId, accessToken: fb.fb.state.issueTokens().access_token, requestsPerSec: Number(BENCH_REQUESTS_PER_SEC),
      bcApiBase: bc.url, storeHash: STORE, bcToken: DEFAULT_TOKEN, databaseUrl: pgUrl,
      connectionId: await pausedConnection(service, grantId, business, 'warmup'),
      since: new Date(Date.now() - BACKFILL_DAYS * DAY).toISOString(), concurrency: opts.plainConcurrency,
    }, 120_000, true);
    log(`warm-up (not measured): ${fmt(r.result.invoiced)} of ${fmt(small.paid)} orders through the plain loop on sandboxes of their own in ${fmt((Date.now() - t) / 1000, 1)} s`);
  } finally {
    await fb.close();
    await bc.close();
  }
}

async function runPlainChild(input: OrdersPlainInput, timeoutMs: number, quiet = false): Promise<{ result: OrdersPlainResult; peakRssMb: number }> {
  const child = spawnTs('bench/orders-plain.ts', { ...process.env, BENCH_ORDERS_PLAIN_INPUT: JSON.stringify(input) });
  const mem = new MemorySampler(child.pid!, 200);
  let result: OrdersPlainResult | undefined;
  forwardLines(child.stdout, '[plain]', (line) => {
    if (!line.startsWith('PLAIN_RESULT ')) return quiet;
    result = JSON.parse(line.slice('PLAIN_RESULT '.length)) as OrdersPlainResult;
    return true;
  });
  forwardLines(child.stderr, '[plain]');
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const timer = setTimeout(() => { log(`plain loop exceeded ${fmt(timeoutMs / 1000)} s; killing it`); child.kill('SIGKILL'); }, timeoutMs);
  const code = await exit;
  clearTimeout(timer);
  mem.stop();
  if (code !== 0 || !result) throw new Error(`plain loop failed (exit ${code})`);
  return { result, peakRssMb: Math.max(mem.hwmMb, mem.peakRssMb) };
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.stdout.write(`FAILED orders: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
