/**
 * BigCommerce store API client (reference/bigcommerce.md): `X-Auth-Token`, never Bearer (§1); v2 lists
 * answer an empty page with 204 and no body (§2, quirk 3); v3 wraps in {data, meta}; the store quota is
 * paced from the rate-limit headers and a 429 waits out the window with jitter (§6). Reads are retried on
 * 5xx and network failures; writes only where repeating them is harmless (hooks are unique per scope and
 * destination). No Temporal imports: activities map its errors.
 */
import { backoffDelay } from '../../common/backoff';
import { HttpNetworkError, headerValue, sendHttp, sleep as realSleep, trimBase, type HttpReply } from '../http';
import { BigCommerceApiError, BigCommerceRateLimitedError, errorMessage } from './errors';
import { StoreThrottle } from './throttle';

export interface BigCommerceClientOptions {
  apiBase: string;
  storeHash: string;
  token: string;
  throttle?: StoreThrottle;
  maxAttempts?: number;
  /** Total time one call may spend waiting out 429s. */
  maxRateLimitWaitMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BcHook {
  id: number;
  scope: string;
  destination: string;
  is_active: boolean;
  headers?: Record<string, string> | null;
}

type Json = Record<string, unknown>;

export class BigCommerceClient {
  private readonly base: string;
  private readonly throttle: StoreThrottle;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly o: BigCommerceClientOptions) {
    this.base = `${trimBase(o.apiBase)}/stores/${encodeURIComponent(o.storeHash)}`;
    this.throttle = o.throttle ?? new StoreThrottle();
    this.sleep = o.sleep ?? realSleep;
    this.random = o.random ?? Math.random;
  }

  /** Orders changed since `minDateModified` (ISO-8601 with time: a bare date gets today's time appended, quirk 14), oldest change first. */
  async listOrders(q: { minDateModified?: string; page: number; limit?: number }): Promise<Json[]> {
    const params = new URLSearchParams({ page: String(q.page), limit: String(q.limit ?? 250), sort: 'date_modified:asc' });
    if (q.minDateModified) params.set('min_date_modified', q.minDateModified);
    return this.v2List(`/v2/orders?${params}`);
  }

  async getOrder(id: number): Promise<Json | null> {
    const reply = await this.call('GET', `/v2/orders/${id}?include=fees`, undefined, [404]);
    return reply.status === 404 ? null : (JSON.parse(reply.text) as Json);
  }

  /** Every line of an order (v2 pages of 50; 204 past the last). */
  async orderProducts(id: number): Promise<Json[]> {
    return this.v2All(`/v2/orders/${id}/products`);
  }

  async orderCoupons(id: number): Promise<Json[]> {
    return this.v2All(`/v2/orders/${id}/coupons`);
  }

  async transactions(orderId: number): Promise<Json[]> {
    return this.v3Data(`/v3/orders/${orderId}/transactions`);
  }

  async refunds(orderId: number): Promise<Json[]> {
    return this.v3Data(`/v3/orders/${orderId}/payment_actions/refunds`);
  }

  async customersByEmail(email: string): Promise<Json[]> {
    return this.v3Data(`/v3/customers?${new URLSearchParams({ 'email:in': email })}`);
  }

  async customer(id: number): Promise<Json | null> {
    return (await this.v3Data(`/v3/customers?${new URLSearchParams({ 'id:in': String(id) })}`))[0] ?? null;
  }

  async productsBySku(sku: string): Promise<Json[]> {
    return this.v3Data(`/v3/catalog/products?${new URLSearchParams({ sku, include: 'variants' })}`);
  }

  async hooks(): Promise<BcHook[]> {
    return (await this.v3Data('/v3/hooks')) as unknown as BcHook[];
  }

  async createHook(hook: Omit<BcHook, 'id'>): Promise<BcHook> {
    const reply = await this.call('POST', '/v3/hooks', hook);
    return (JSON.parse(reply.text) as { data: BcHook }).data;
  }

  /** Re-activates (or edits) a hook BigCommerce deactivated after its retries ran out (§5). */
  async updateHook(id: number, patch: Partial<Omit<BcHook, 'id'>>): Promise<BcHook> {
    const reply = await this.call('PUT', `/v3/hooks/${id}`, patch);
    return (JSON.parse(reply.text) as { data: BcHook }).data;
  }

  async deleteHook(id: number): Promise<void> {
    await this.call('DELETE', `/v3/hooks/${id}`, undefined, [404]);
  }

  private async v2List(path: string): Promise<Json[]> {
    const reply = await this.call('GET', path);
    if (reply.status === 204 || reply.text.trim() === '') return [];
    const body = JSON.parse(reply.text) as unknown;
    if (!Array.isArray(body)) throw new BigCommerceApiError(reply.status, `BigCommerce ${path.split('?')[0]} sent no list`, false);
    return body as Json[];
  }

  private async v2All(path: string): Promise<Json[]> {
    const out: Json[] = [];
    for (let page = 1; ; page++) {
      const items = await this.v2List(`${path}${path.includes('?') ? '&' : '?'}page=${page}&limit=250`);
      out.push(...items);
      if (items.length < 250) return out;
    }
  }

  /** v3 {data, meta.pagination}, every page; 204 is an empty list. */
  private async v3Data(path: string): Promise<Json[]> {
    const out: Json[] = [];
    for (let page = 1; ; page++) {
      const reply = await this.call('GET', `${path}${path.includes('?') ? '&' : '?'}page=${page}&limit=250`);
      if (reply.status === 204 || reply.text.trim() === '') return out;
      const body = JSON.parse(reply.text) as { data?: unknown; meta?: { pagination?: { total_pages?: number } } };
      if (!Array.isArray(body.data)) throw new BigCommerceApiError(reply.status, `BigCommerce ${path.split('?')[0]} sent no data`, false);
      out.push(...(body.data as Json[]));
      if (page >= (body.meta?.pagination?.total_pages ?? 1)) return out;
    }
  }

  private async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, okStatuses: number[] = []): Promise<HttpReply> {
    const maxAttempts = this.o.maxAttempts ?? 5;
    const maxWait = this.o.maxRateLimitWaitMs ?? 120_000;
    let failures = 0;
    let rateLimited = 0;
    let waited = 0;
    for (;;) {
      await this.throttle.acquire(this.o.storeHash);
      const pause = this.throttle.waitMs(this.o.storeHash);
      if (pause > 0) await this.sleep(pause);
      let reply: HttpReply;
      try {
        reply = await sendHttp({
          method, url: `${this.base}${path}`, timeoutMs: this.o.timeoutMs ?? 30_000,
          headers: { 'x-auth-token': this.o.token, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (err) {
        if (!(err instanceof HttpNetworkError) || method !== 'GET' || ++failures >= maxAttempts) throw err;
        await this.sleep(backoffDelay(failures - 1, { baseMs: 500, maxMs: 30_000, jitter: 'equal' }, this.random));
        continue;
      }
      this.throttle.observe(this.o.storeHash, reply);
      if (reply.status === 429) {
        // X-Retry-After (seconds) or the window's reset, then a jittered extra on repeats: BigCommerce
        // treats clients that hammer through 429s as abusive.
        const advised = Number(headerValue(reply.headers, 'x-retry-after')) * 1000 || Number(headerValue(reply.headers, 'x-rate-limit-time-reset-ms')) || 1000;
        const wait = advised + backoffDelay(rateLimited++, { baseMs: 250, maxMs: 10_000, jitter: 'equal' }, this.random);
        if (waited + wait > maxWait) throw new BigCommerceRateLimitedError(`BigCommerce store ${this.o.storeHash} kept answering 429`, wait);
        this.throttle.exhausted(this.o.storeHash, wait);
        waited += wait;
        continue;
      }
      if (reply.status >= 500 && method === 'GET' && ++failures < maxAttempts) {
        await this.sleep(backoffDelay(failures - 1, { baseMs: 500, maxMs: 30_000, jitter: 'equal' }, this.random));
        continue;
      }
      if ((reply.status >= 200 && reply.status < 300) || okStatuses.includes(reply.status)) return reply;
      throw new BigCommerceApiError(reply.status, `BigCommerce ${method} ${path.split('?')[0]}: ${errorMessage(reply.status, reply.text)}`);
    }
  }
}
