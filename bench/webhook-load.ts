/**
 * The webhook load both webhook benchmarks play (bench/webhooks.ts, bench/scale.ts): connections and the
 * changes sent to them, the watcher that sees each change land in Power BI (and any duplicate), the
 * open-loop sender spread over the API processes, the sustained-run and acknowledgement-step phases.
 */
import { runAckLoad, type PreparedPost } from './ack-sender';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { Pool } from 'undici';
import { signFreshBooksWebhook } from '../connectors/freshbooks';
import type { PowerBiSandboxState, RowsPostedEvent } from '../sandbox/powerbi';
import { adminCall, type Sandboxes } from '../scripts/local-service';
import type { ConnectionWorkflowStatus } from '../contracts/connection';
import { cpuByRole, diffCpu, type MemorySampler } from './proc';
import { alive, describeQuantiles, fmtMs, machineBusySec, quantiles, type Quantiles } from './webhooks-procs';

const started = performance.now();
export const log = (msg: string) => process.stdout.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ── connections and what was sent ────────────────────────────────────────────

export interface Conn {
  idx: number;
  id: string;
  datasetName: string;
  datasetId: string;
  accountId: string;
  businessId: number;
  hookPath: string;
  /** The verifier of the connection's `invoice` callback at the FreshBooks sandbox. */
  verifier: string;
  /** Invoices this connection changes (disjoint from other connections' of the same phase). */
  pool: number[];
  next: number;
}

export interface Sent {
  conn: Conn;
  invoiceId: number;
  /** The PO number written into the invoice: identifies this change's row in Power BI. */
  token?: string;
  intendedAt: number;
  sentAt: number;
  ackAt?: number;
  status?: number;
  error?: string;
  /** When the worker fetched the invoice from the FreshBooks sandbox (first fetch after the send). */
  fetchedAt?: number;
  /** When the Power BI sandbox accepted the row with this change's PO number. */
  arrivedAt?: number;
  version?: string;
}

/**
 * Watches every row the Power BI sandbox accepts (duplicates of (dataset, table, TransactionId, Version),
 * arrival of the changes being waited for) and every invoice the FreshBooks sandbox serves by id.
 */
export class Watch {
  phase = 'setup';
  readonly rowsByPhase = new Map<string, number>();
  readonly dupsByPhase = new Map<string, number>();
  readonly dupSamples: string[] = [];
  misrouted = 0;
  private readonly seen = new Set<string>();
  private readonly awaiting = new Map<string, Sent>();
  private readonly fetching = new Map<string, Sent>();
  /** `${accountId}:${invoiceId}` whose last change has not arrived yet: not changed again until it has. */
  readonly busy = new Set<string>();

  constructor(private readonly pbi: PowerBiSandboxState) {}

  expect(s: Sent): void {
    const key = `${s.conn.accountId}:${s.invoiceId}`;
    this.awaiting.set(s.token!, s);
    this.fetching.set(key, s);
    this.busy.add(key);
  }

  pending(): number {
    return this.awaiting.size;
  }

  onFetch(accountId: string, id: number): void {
    const key = `${accountId}:${id}`;
    const s = this.fetching.get(key);
    if (!s) return;
    s.fetchedAt = performance.now();
    this.fetching.delete(key);
  }

  onRows(e: RowsPostedEvent): void {
    const at = performance.now();
    const table = this.pbi.datasetMap.get(e.datasetId)?.tables.get(e.table);
    if (!table) return;
    this.rowsByPhase.set(this.phase, (this.rowsByPhase.get(this.phase) ?? 0) + e.rows);
    for (const row of table.rows.slice(table.rows.length - e.rows)) {
      const tx = row.TransactionId;
      const version = row.Version;
      if (typeof tx === 'string' && typeof version === 'string') {
        const key = `${e.datasetId}|${e.table}|${tx}|${version}`;
        if (this.seen.has(key)) {
          this.dupsByPhase.set(this.phase, (this.dupsByPhase.get(this.phase) ?? 0) + 1);
          if (this.dupSamples.length < 10) this.dupSamples.push(`${this.phase}: ${e.table} ${tx} ${version}`);
        } else {
          this.seen.add(key);
        }
      }
      if (e.table !== 'Invoices' || typeof row.PoNumber !== 'string') continue;
      const s = this.awaiting.get(row.PoNumber);
      if (!s) continue;
      if (s.conn.datasetId !== e.datasetId) { this.misrouted += 1; continue; }
      s.arrivedAt = at;
      s.version = typeof version === 'string' ? version : undefined;
      this.awaiting.delete(row.PoNumber);
      this.busy.delete(`${s.conn.accountId}:${s.invoiceId}`);
    }
  }
}

// ── load generation ─────────────────────────────────────────────────────────

/** Open loop: webhook k is due at t0 + k/rate whatever happened to the earlier ones. Returns elapsed ms and the worst lateness. */
export async function openLoop(rate: number, seconds: number, fire: (k: number, intendedAt: number) => void): Promise<{ elapsedMs: number; maxLagMs: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const t0 = performance.now();
  let maxLagMs = 0;
  for (let k = 0; k < total;) {
    const now = performance.now();
    while (k < total && t0 + k * interval <= now) {
      const intended = t0 + k * interval;
      maxLagMs = Math.max(maxLagMs, now - intended);
      fire(k, intended);
      k += 1;
    }
    if (k < total) await sleep(Math.max(0, t0 + k * interval - performance.now()));
  }
  return { elapsedMs: performance.now() - t0, maxLagMs };
}

export class Sender {
  private readonly inflight = new Set<Promise<void>>();
  private readonly pools: Pool[];
  private turn = 0;
  /** One pool per API process: sends go round-robin over them, as a load balancer would spread them. */
  constructor(readonly origins: string[], private readonly identityId: number, readonly connectionsPerOrigin = 128) {
    this.pools = origins.map((o) => new Pool(o, { connections: connectionsPerOrigin }));
  }

  /** FreshBooks' `invoice.update` for this invoice, signed with the connection's verifier. */
  prepare(c: Conn, invoiceId: number): PreparedPost {
    const body = new URLSearchParams([
      ['name', 'invoice.update'], ['object_id', String(invoiceId)], ['account_id', c.accountId],
      ['business_id', String(c.businessId)], ['identity_id', String(this.identityId)], ['user_id', '1'],
    ]).toString();
    return { path: c.hookPath, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, c.verifier) }, body };
  }

  /** POSTs the change now, from this thread, noting when it was sent and answered. */
  send(s: Sent): void {
    const { path, headers, body } = this.prepare(s.conn, s.invoiceId);
    s.sentAt = performance.now();
    const pool = this.pools[this.turn++ % this.pools.length]!;
    const p = pool.request({ path, method: 'POST', headers, body })
      .then(async (res) => {
        await res.body.dump();
        s.ackAt = performance.now();
        s.status = res.statusCode;
      }, (err: unknown) => {
        s.ackAt = performance.now();
        s.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }

  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}

// ── the service ─────────────────────────────────────────────────────────────

export interface Env {
  apiUrl: string;
  adminToken: string;
  sb: Sandboxes;
  watch: Watch;
  sender: Sender;
  worker: ChildProcess;
  workerMem: MemorySampler;
  apiMem: MemorySampler;
  roles: Parameters<typeof cpuByRole>[1];
  /** Where changes queue inside the service (e.g. the webhook inbox's depth), for the phase's progress lines. */
  probe?: () => Promise<string>;
}

export async function connectionView(env: Env, id: string): Promise<{ workflow: ConnectionWorkflowStatus | null; webhookCallbacks: { verified: boolean }[] }> {
  const res = await adminCall(env.apiUrl, env.adminToken, `/api/connections/${id}`);
  if (res.status !== 200) throw new Error(`GET /api/connections/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function webhookTotals(env: Env, conns: Conn[]): Promise<{ received: number; delivered: number; batches: number; pending: number }> {
  const out = { received: 0, delivered: 0, batches: 0, pending: 0 };
  const views: (Awaited<ReturnType<typeof connectionView>> | null)[] = [];
  await eachLimited(conns, 16, async (c) => { views.push(await connectionView(env, c.id).catch(() => null)); });
  for (const v of views) {
    const w = v?.workflow?.webhooks;
    if (!w) continue;
    out.received += w.received;
    out.delivered += w.delivered;
    out.batches += w.batches;
    out.pending += w.pending;
  }
  return out;
}

/** Runs `fn` over `items`, at most `limit` at a time (a thousand status reads at once would only queue in the API). */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Every connection's first (backfill) run finished and its callbacks verified, both at FreshBooks and in our database. */
export async function waitReady(env: Env, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = new Set<string>();
  let lastLog = 0;
  const hub = env.sb.fb.state.webhooks;
  let statusErrors = 0;
  let lastError = '';
  while (ready.size < ids.length) {
    if (!alive(env.worker)) throw new Error(`worker exited (code ${env.worker.exitCode}, signal ${env.worker.signalCode})`);
    const todo = ids.filter((id) => !ready.has(id));
    const byConnection = new Map<string, { verified: boolean }[]>();
    for (const c of hub.callbacks.values()) {
      const id = /\/webhooks\/freshbooks\/([^/?]+)$/.exec(c.uri)?.[1];
      if (id) byConnection.set(id, [...(byConnection.get(id) ?? []), c]);
    }
    let verified = 0;
    await eachLimited(todo, 16, async (id) => {
      const mine = byConnection.get(id) ?? [];
      if (mine.length === 0 || !mine.every((c) => c.verified)) return;
      verified += 1;
      // A status read can fail on a starved machine (the API answers 500 when the workflow query times out): not ready yet.
      const v = await connectionView(env, id).catch((err: unknown) => { statusErrors += 1; lastError = err instanceof Error ? err.message : String(err); return null; });
      if (!v) return;
      const w = v.workflow;
      if (w?.lastRun?.error) throw new Error(`connection ${id}: first run failed: ${w.lastRun.error}`);
      const backfilled = !!w?.lastRun?.finishedAt && !w.currentRun;
      const ours = v.webhookCallbacks.length === mine.length && v.webhookCallbacks.every((c) => c.verified);
      if (backfilled && ours) ready.add(id);
    });
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(`  setup: ${ready.size}/${ids.length} connections ready (callbacks verified at FreshBooks: ${verified + ids.length - todo.length}/${ids.length}); Power BI posts so far ${env.sb.powerbi.state.stats.postRowsRequests}, worker RSS ${Math.round(env.workerMem.lastRssMb)} MB${statusErrors ? `; ${statusErrors} status reads failed so far (last: ${lastError})` : ''}`);
    }
    if (ready.size === ids.length) break;
    if (Date.now() > deadline) throw new Error(`only ${ready.size}/${ids.length} connections ready after ${timeoutMs / 1000}s`);
    await sleep(1_000);
  }
}

/** Until no workflow holds undelivered webhook changes (twice in a row, 0.5 s apart), then 2 s more for the last batch. */
export async function waitIdle(env: Env, conns: Conn[], timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  let quiet = 0;
  let last = { pending: -1 };
  while (quiet < 2) {
    last = await webhookTotals(env, conns);
    quiet = last.pending === 0 ? quiet + 1 : 0;
    if (performance.now() - t0 > timeoutMs) {
      log(`  (still ${last.pending} webhook changes pending in the workflows after ${timeoutMs / 1000}s; going on)`);
      return;
    }
    await sleep(500);
  }
  await sleep(2_000);
  if (performance.now() - t0 > 4_000) log(`  (waited ${((performance.now() - t0) / 1000).toFixed(1)} s for the workflows to drain)`);
}

/** Adds "other processes" = machine busy time not accounted to any of our roles (another job on the box skews every figure). */
export function withOthers(cpu: Record<string, number>, machineBusy: number): Record<string, number> {
  const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
  return { ...cpu, 'OTHER processes': Math.max(0, machineBusy - ours) };
}

// ── phases ──────────────────────────────────────────────────────────────────

export interface ChangeReport {
  label: string;
  conns: number;
  sent: Sent[];
  skipped: number;
  elapsedMs: number;
  /** Sending + drain: the span the CPU figures cover. */
  wallMs: number;
  maxLagMs: number;
  rate: number;
  acked: number;
  ackFailures: number;
  delivered: number;
  lost: number;
  duplicated: number;
  e2e: Quantiles;
  ack: Quantiles;
  ackToFetch: Quantiles;
  fetchToRow: Quantiles;
  posts: number;
  throttled429: number;
  batches: number;
  webhooksReceived: number;
  cpu: Record<string, number>;
  workerPeakRssMb: number;
  apiPeakRssMb: number;
}

export async function runChanges(env: Env, label: string, conns: Conn[], rate: number, seconds: number, drainSec: number): Promise<ChangeReport> {
  const { watch, sb } = env;
  const fb = sb.fb.state;
  const stats = sb.powerbi.state.stats;
  watch.phase = label;
  const before = { posts: stats.postRowsRequests, throttled: stats.postRowsRejected429, hooks: await webhookTotals(env, conns), cpu: cpuByRole(process.pid, env.roles), machine: machineBusySec() };
  env.workerMem.resetPeak();
  env.apiMem.resetPeak();
  const phaseStart = performance.now();
  const tag = randomBytes(3).toString('hex');
  const sent: Sent[] = [];
  let skipped = 0;
  log(`── ${label}: ${rate}/s for ${seconds}s over ${conns.length} connection(s)/dataset(s) (${(rate / conns.length).toFixed(2)} changes/s per dataset)`);
  let lastProgress = performance.now();
  const loop = await openLoop(rate, seconds, (k, intendedAt) => {
    const conn = conns[k % conns.length]!;
    // The next invoice of the connection whose previous change has arrived (a change on top of one still
    // in flight would be fetched once, at its latest version: a coalesced webhook, not a lost one).
    let invoiceId: number | undefined;
    for (let tries = 0; tries < conn.pool.length; tries++) {
      const candidate = conn.pool[conn.next]!;
      conn.next = (conn.next + 1) % conn.pool.length;
      if (!watch.busy.has(`${conn.accountId}:${candidate}`)) { invoiceId = candidate; break; }
    }
    if (invoiceId === undefined) { skipped += 1; return; }
    const s: Sent = { conn, invoiceId, token: `wh-${tag}-${k}`, intendedAt, sentAt: 0 };
    fb.update(conn.accountId, 'invoices', invoiceId, { po_number: s.token });
    watch.expect(s);
    sent.push(s);
    env.sender.send(s);
    if (performance.now() - lastProgress > 5_000) {
      lastProgress = performance.now();
      const done = sent.filter((x) => x.arrivedAt !== undefined).length;
      const unfetched = sent.filter((x) => x.ackAt !== undefined && x.fetchedAt === undefined).length;
      const inDelivery = sent.filter((x) => x.fetchedAt !== undefined && x.arrivedAt === undefined).length;
      const line = `  ${label}: sent ${sent.length}, arrived ${done}, waiting ${watch.pending()} (acked, not fetched ${unfetched}; fetched, no row ${inDelivery}); Power BI posts ${stats.postRowsRequests - before.posts}, 429s ${stats.postRowsRejected429 - before.throttled}; worker RSS ${Math.round(env.workerMem.lastRssMb)} MB`;
      if (!env.probe) log(line);
      else void env.probe().then((p) => log(`${line}; ${p}`), (err: unknown) => log(`${line}; probe failed: ${String(err)}`));
    }
  });
  await env.sender.settle();
  const lastSend = Math.max(...sent.map((s) => s.sentAt));
  log(`  ${label}: sending done (${sent.length} sent, ${skipped} skipped, scheduler worst lateness ${fmtMs(loop.maxLagMs)} ms); draining up to ${drainSec}s for ${sent.filter((s) => s.arrivedAt === undefined).length} outstanding`);
  while (sent.some((s) => s.arrivedAt === undefined && s.status === 200) && performance.now() - lastSend < drainSec * 1000) await sleep(50);
  // A little longer, so a duplicate post that trails its first copy is still counted in this phase.
  await sleep(1_500);
  const cpu = withOthers(diffCpu(cpuByRole(process.pid, env.roles), before.cpu), machineBusySec() - before.machine);
  const hooks = await webhookTotals(env, conns);
  const ok = sent.filter((s) => s.status === 200);
  const arrived = sent.filter((s) => s.arrivedAt !== undefined);
  const withFetch = arrived.filter((s) => s.fetchedAt !== undefined && s.ackAt !== undefined);
  return {
    label,
    conns: conns.length,
    sent,
    skipped,
    elapsedMs: loop.elapsedMs,
    wallMs: performance.now() - phaseStart,
    maxLagMs: loop.maxLagMs,
    rate: sent.length / (loop.elapsedMs / 1000),
    acked: ok.length,
    ackFailures: sent.length - ok.length,
    delivered: arrived.length,
    lost: sent.length - arrived.length,
    duplicated: watch.dupsByPhase.get(label) ?? 0,
    e2e: quantiles(arrived.map((s) => s.arrivedAt! - s.sentAt)),
    ack: quantiles(sent.filter((s) => s.ackAt !== undefined).map((s) => s.ackAt! - s.sentAt)),
    ackToFetch: quantiles(withFetch.map((s) => s.fetchedAt! - s.ackAt!)),
    fetchToRow: quantiles(withFetch.map((s) => s.arrivedAt! - s.fetchedAt!)),
    posts: stats.postRowsRequests - before.posts,
    throttled429: stats.postRowsRejected429 - before.throttled,
    batches: hooks.batches - before.hooks.batches,
    webhooksReceived: hooks.received - before.hooks.received,
    cpu,
    workerPeakRssMb: env.workerMem.peakRssMb,
    apiPeakRssMb: env.apiMem.peakRssMb,
  };
}

export function printChanges(r: ChangeReport): void {
  const secs = r.elapsedMs / 1000;
  log(`${r.label}: sent ${r.sent.length} webhooks in ${secs.toFixed(1)} s (${r.rate.toFixed(1)}/s; ${r.skipped} skipped: no invoice of the connection free), acked 200: ${r.acked}, ack failures: ${r.ackFailures}`);
  log(`  delivered ${r.delivered}, lost ${r.lost} (no row within the drain), duplicated ${r.duplicated} (rows re-posted with a (TransactionId, Version) already in the dataset)`);
  log(`  e2e (POST sent → row in Power BI): ${describeQuantiles(r.e2e)}`);
  log(`  ack (POST sent → 200 received):    ${describeQuantiles(r.ack, 1)}`);
  log(`  where e2e goes: ack → worker fetches the invoice: ${describeQuantiles(r.ackToFetch)}; fetch → row accepted by Power BI: ${describeQuantiles(r.fetchToRow)}`);
  log(`  Power BI: ${r.posts} POST rows (${(r.posts / Math.max(1, r.conns)).toFixed(1)} per dataset), ${r.throttled429} answered 429; workflows: ${r.webhooksReceived} webhook changes received, ${r.batches} batches (${(r.posts / Math.max(1, r.batches)).toFixed(2)} POSTs per batch)`);
  log(`  CPU seconds (${(r.wallMs / 1000).toFixed(0)} s incl. drain, ${cpus().length} cores): ${Object.entries(r.cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  log(`  peak RSS during the phase: worker ${Math.round(r.workerPeakRssMb)} MB, API ${Math.round(r.apiPeakRssMb)} MB`);
  const worst = r.sent.filter((s) => s.arrivedAt !== undefined).sort((a, b) => (b.arrivedAt! - b.sentAt) - (a.arrivedAt! - a.sentAt)).slice(0, 3);
  for (const s of worst) {
    log(`  slowest: ${s.conn.datasetName} invoice ${s.invoiceId}: ack ${fmtMs(s.ackAt! - s.sentAt)} ms, fetched +${fmtMs((s.fetchedAt ?? NaN) - s.sentAt)} ms, row +${fmtMs(s.arrivedAt! - s.sentAt)} ms`);
  }
  const missing = r.sent.filter((s) => s.arrivedAt === undefined).slice(0, 5);
  for (const s of missing) {
    log(`  LOST: ${s.conn.datasetName} invoice ${s.invoiceId} ${s.token}: ack ${s.status ?? s.error}${s.fetchedAt !== undefined ? `, fetched +${fmtMs(s.fetchedAt - s.sentAt)} ms` : ', never fetched'}`);
  }
}

export interface AckStep {
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  q: Quantiles;
  achieved: number;
  maxLagMs: number;
  cpu: Record<string, number>;
  /** From the API's /metrics over the step: its own arrival → answer time per ack, and its inbox writes (what each ack waited on). */
  server: { acks: Histogram; inboxWrites: Histogram; inboxChanges: number };
}

/** One prom-client histogram of /metrics (no labels but `le`, or the `source` given): count, sum, cumulative buckets. */
export interface Histogram {
  count: number;
  sum: number;
  /** Cumulative observations at or under each bucket bound (seconds). */
  buckets: [number, number][];
}

function histogram(text: string, name: string, labels = ''): Histogram {
  const value = (suffix: string) => Number(new RegExp(`^${name}_${suffix}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  // prom-client writes `le` first: name_bucket{le="0.005",source="freshbooks"}.
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"${labels ? `,${labels}` : ''}\\} (\\S+)$`, 'gm'))]
    .filter((m) => m[1] !== '+Inf').map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  return { count: value('count'), sum: value('sum'), buckets };
}

function histogramDiff(a: Histogram, b: Histogram): Histogram {
  return { count: b.count - a.count, sum: b.sum - a.sum, buckets: b.buckets.map(([le, n], i) => [le, n - (a.buckets[i]?.[1] ?? 0)]) };
}

/** The API's /metrics, asked again on a failed fetch: one read failed in a 1,000-connection run after minutes idle
 * (a pooled connection the server had closed, most likely), and it ended the run before its ack ramp. */
async function metricsText(apiUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(`${apiUrl}/metrics`)).text();
    } catch (err) {
      if (attempt === 3) throw err;
      console.error(`[bench] reading ${apiUrl}/metrics failed (${String((err as { cause?: unknown }).cause ?? err)}); asking again`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function serverFigures(apiUrl: string): Promise<AckStep['server']> {
  const text = await metricsText(apiUrl);
  return {
    acks: histogram(text, 'ml_connector_webhook_ack_seconds', 'source="freshbooks"'),
    inboxWrites: histogram(text, 'ml_connector_webhook_inbox_write_seconds'),
    inboxChanges: histogram(text, 'ml_connector_webhook_inbox_write_changes').sum,
  };
}

/** `mean M ms; p50 ≤ A / p99 ≤ B ms` (the bucket bounds the 50th and 99th percentiles are under). */
export function describeHistogram(h: Histogram): string {
  if (h.count === 0) return 'none';
  const bound = (q: number) => {
    const le = h.buckets.find(([, n]) => n >= q * h.count)?.[0];
    return le === undefined ? `> ${(h.buckets.at(-1)?.[0] ?? 0) * 1000}` : `≤ ${le * 1000}`;
  };
  return `${h.count}, mean ${((h.sum / h.count) * 1000).toFixed(1)} ms; p50 ${bound(0.5)} / p99 ${bound(0.99)} ms`;
}

/** The API's side of an ack step: how long it held each ack, and the inbox writes the acks waited on. */
export function describeServerSide(s: AckStep['server']): string {
  const perWrite = s.inboxWrites.count ? (s.inboxChanges / s.inboxWrites.count).toFixed(1) : '0';
  return `API side: acks ${describeHistogram(s.acks)}; inbox writes ${describeHistogram(s.inboxWrites)}, ${perWrite} changes each`;
}

export async function runAckStep(env: Env, conns: Conn[], rate: number, seconds: number): Promise<AckStep> {
  const total = Math.max(1, Math.round(rate * seconds));
  const requests = Array.from({ length: total }, (_, k) => {
    const conn = conns[k % conns.length]!;
    return env.sender.prepare(conn, conn.pool[Math.floor(k / conns.length) % conn.pool.length]!);
  });
  const serverBefore = await serverFigures(env.apiUrl);
  const cpuBefore = cpuByRole(process.pid, env.roles);
  const machineBefore = machineBusySec();
  // From a thread of its own: timed on an event loop the sandboxes in this process do not hold up.
  const load = await runAckLoad({ origins: env.sender.origins, connectionsPerOrigin: env.sender.connectionsPerOrigin, requests, rate, seconds });
  const cpu = withOthers(diffCpu(cpuByRole(process.pid, env.roles), cpuBefore), machineBusySec() - machineBefore);
  const statuses: Record<string, number> = {};
  for (const t of load.timings) statuses[String(t.status ?? 'error')] = (statuses[String(t.status ?? 'error')] ?? 0) + 1;
  const ok = load.timings.filter((t) => t.status === 200).length;
  const after = await serverFigures(env.apiUrl);
  return {
    rate, sent: load.timings.length, ok, errors: load.timings.length - ok, statuses,
    q: quantiles(load.timings.map((t) => t.ackAt - t.sentAt)),
    achieved: load.timings.length / (load.elapsedMs / 1000),
    maxLagMs: load.maxLagMs,
    cpu,
    server: {
      acks: histogramDiff(serverBefore.acks, after.acks), inboxWrites: histogramDiff(serverBefore.inboxWrites, after.inboxWrites),
      inboxChanges: after.inboxChanges - serverBefore.inboxChanges,
    },
  };
}
