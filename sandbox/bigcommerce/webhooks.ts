/**
 * `/v3/hooks` and callback delivery (reference §5).
 *
 * - Payloads are thin — `{scope, store_id, data:{type,id,…}, hash, created_at, producer}` — ids only.
 * - `hash` is a SHA-1 of the JSON payload (without `hash`), for dedupe only; a retried delivery carries
 *   the same payload and so the same hash. Which exact bytes BigCommerce hashes is unverified.
 * - The hook's custom `headers` go out with every delivery.
 * - Standard Webhooks signing: `webhook-id`, `webhook-timestamp` (Unix s) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`. BigCommerce's samples pass
 *   base64(client_secret) to the `standardwebhooks` library, which base64-decodes its secret, so the HMAC key
 *   is the raw client_secret bytes. Unverified for store-level API accounts (the reference says so); the id
 *   format (`msg_…`) is the sandbox's own.
 * - Retries follow BC's schedule (60 s … 86400 s, ~48 h); when the last retry of an event fails the hook is
 *   set `is_active:false`. Tests pass a short `retryDelaysMs` to get there quickly. Retries run on real
 *   timers, not the injectable clock. Domain blocklisting (≥100 deliveries in 2 min under 90 % success) and
 *   the "live after up to 1 minute" delay are not simulated.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HookRec } from './model';

export const BC_RETRY_DELAYS_MS: readonly number[] = [60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400].map((s) => s * 1000);

/** Scopes the sandbox emits or accepts (a subset of BigCommerce's list; `store/…/*` wildcards are accepted too). */
export const KNOWN_SCOPES: readonly string[] = [
  'store/order/created',
  'store/order/updated',
  'store/order/archived',
  'store/order/statusUpdated',
  'store/order/message/created',
  'store/order/refund/created',
  'store/order/transaction/created',
  'store/order/transaction/updated',
  'store/customer/created',
  'store/customer/updated',
  'store/customer/deleted',
  'store/customer/address/created',
  'store/customer/address/updated',
  'store/customer/address/deleted',
  'store/product/created',
  'store/product/updated',
  'store/product/deleted',
  'store/sku/created',
  'store/sku/updated',
  'store/sku/deleted',
];

export function isKnownScope(scope: string): boolean {
  if (KNOWN_SCOPES.includes(scope)) return true;
  if (!scope.endsWith('/*')) return false;
  const prefix = scope.slice(0, -1);
  return KNOWN_SCOPES.some((s) => s.startsWith(prefix));
}

/** `store/order/*` matches every order event, `store/order/refund/created` included. */
export function scopeMatches(hookScope: string, event: string): boolean {
  return hookScope === event || (hookScope.endsWith('/*') && event.startsWith(hookScope.slice(0, -1)));
}

export interface WebhookOptions {
  /** Waits between attempts; the hook is deactivated once every attempt of one event has failed. */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout; no reply in time is a failure. */
  timeoutMs?: number;
  /** Send the Standard Webhooks headers (default true). */
  sign?: boolean;
}

export interface Delivery {
  hookId: number;
  storeHash: string;
  scope: string;
  destination: string;
  /** 1 for the first try. */
  attempt: number;
  webhookId: string;
  body: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  /** HTTP status, 'error' (no reply / timeout) or 'pending' while in flight. */
  status: number | 'error' | 'pending';
  /** Sandbox clock, ms. */
  at: number;
}

export interface HookHubDeps {
  now: () => number;
  storeId: (storeHash: string) => string;
  clientSecret: (storeHash: string, clientId: string) => string;
}

export function signStandardWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  return `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

export class HookHub {
  readonly hooks = new Map<number, HookRec>();
  readonly deliveries: Delivery[] = [];
  private nextId = 18_048_280;
  private nextMessage = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly retryDelays: readonly number[];
  private readonly timeoutMs: number;
  private readonly sign: boolean;
  private stopped = false;

  constructor(
    private readonly deps: HookHubDeps,
    opts: WebhookOptions = {},
  ) {
    this.retryDelays = opts.retryDelaysMs ?? BC_RETRY_DELAYS_MS;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.sign = opts.sign ?? true;
  }

  create(storeHash: string, clientId: string, init: { scope: string; destination: string; isActive: boolean; headers: Record<string, string> }): HookRec {
    const at = Math.floor(this.deps.now() / 1000);
    const hook: HookRec = { id: this.nextId++, storeHash, clientId, ...init, createdAt: at, updatedAt: at };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  touch(hook: HookRec): void {
    hook.updatedAt = Math.floor(this.deps.now() / 1000);
  }

  list(storeHash: string, clientId?: string): HookRec[] {
    return [...this.hooks.values()].filter((h) => h.storeHash === storeHash && (clientId === undefined || h.clientId === clientId));
  }

  /** Fire an event to every active hook of the store whose scope matches. */
  emit(storeHash: string, scope: string, data: Record<string, unknown>): void {
    if (this.stopped) return;
    const targets = this.list(storeHash).filter((h) => h.isActive && scopeMatches(h.scope, scope));
    if (targets.length === 0) return;
    const unsigned = { scope, store_id: this.deps.storeId(storeHash), data, created_at: Math.floor(this.deps.now() / 1000), producer: `stores/${storeHash}` };
    const hash = createHash('sha1').update(JSON.stringify(unsigned)).digest('hex');
    const payload = { scope, store_id: unsigned.store_id, data, hash, created_at: unsigned.created_at, producer: unsigned.producer };
    for (const hook of targets) this.attempt(hook, `msg_${hook.id}_${this.nextMessage++}`, scope, payload, 1);
  }

  private attempt(hook: HookRec, webhookId: string, scope: string, payload: Record<string, unknown>, attempt: number): void {
    const body = JSON.stringify(payload);
    const ts = Math.floor(this.deps.now() / 1000);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...hook.headers };
    if (this.sign) {
      headers['webhook-id'] = webhookId;
      headers['webhook-timestamp'] = String(ts);
      headers['webhook-signature'] = signStandardWebhook(this.deps.clientSecret(hook.storeHash, hook.clientId), webhookId, ts, body);
    }
    const rec: Delivery = { hookId: hook.id, storeHash: hook.storeHash, scope, destination: hook.destination, attempt, webhookId, body, payload, headers, status: 'pending', at: this.deps.now() };
    this.deliveries.push(rec);
    if (this.deliveries.length > 5000) this.deliveries.splice(0, 1000);
    const run = (async () => {
      try {
        const res = await fetch(hook.destination, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
        rec.status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch {
        rec.status = 'error';
      }
      if (typeof rec.status === 'number' && rec.status >= 200 && rec.status < 300) return;
      this.failed(hook, webhookId, scope, payload, attempt);
    })();
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  private failed(hook: HookRec, webhookId: string, scope: string, payload: Record<string, unknown>, attempt: number): void {
    const delay = this.retryDelays[attempt - 1];
    if (delay === undefined) {
      // Every retry of this event failed (~48 h on the real schedule): BigCommerce deactivates the hook.
      if (this.hooks.get(hook.id) === hook && hook.isActive) {
        hook.isActive = false;
        this.touch(hook);
      }
      return;
    }
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || this.hooks.get(hook.id) !== hook || !hook.isActive) return;
      this.attempt(hook, webhookId, scope, payload, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Resolves once no delivery is in flight and no retry is scheduled. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0 || this.timers.size > 0) {
      if (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops retries (server close). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
