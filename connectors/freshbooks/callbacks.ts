/**
 * FreshBooks webhook callbacks for one account (reference/freshbooks.md §5): list, register, confirm a
 * verifier, ask for it again, delete. Same auth and retry policy as the accounting client.
 */
import { z } from 'zod';
import type { RequestBudget } from './budget';
import { FreshBooksApiError } from './errors';
import { retryPolicy, sendFreshBooksJson, type GetJsonPolicy, type TokenSource } from './get-json';
import { trimBase } from './http';

export interface FreshBooksCallback {
  callbackId: number;
  event: string;
  uri: string;
  verified: boolean;
}

const Callback = z.object({ callbackid: z.coerce.number().int(), event: z.string(), uri: z.string(), verified: z.boolean() });
const One = z.object({ response: z.object({ result: z.object({ callback: Callback }) }) });
const Page = z.object({
  response: z.object({ result: z.object({ callbacks: z.array(Callback), page: z.coerce.number(), pages: z.coerce.number() }) }),
});

export class FreshBooksCallbacks {
  private readonly base: string;
  private readonly policy: GetJsonPolicy;

  constructor(opts: { apiBase: string; accountId: string; tokens: TokenSource; budget?: RequestBudget }) {
    this.base = `${trimBase(opts.apiBase)}/events/account/${encodeURIComponent(opts.accountId)}/events/callbacks`;
    this.policy = retryPolicy({ ...opts, budgetKey: opts.accountId, label: `${opts.accountId} callbacks` });
  }

  /** Every callback of the account whose URI is `uri` (FreshBooks filters with `search[uri]`). */
  async list(uri: string): Promise<FreshBooksCallback[]> {
    const out: FreshBooksCallback[] = [];
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({ 'search[uri]': uri, page: String(page), per_page: '100' });
      const body = Page.safeParse(await sendFreshBooksJson({ method: 'GET', url: `${this.base}?${params}` }, this.policy));
      if (!body.success) throw shapeError('callback list');
      out.push(...body.data.response.result.callbacks.map(toCallback));
      if (page >= body.data.response.result.pages) return out;
    }
  }

  async register(event: string, uri: string): Promise<FreshBooksCallback> {
    return this.one('POST', this.base, { callback: { event, uri } });
  }

  /** Sends the verifier back; FreshBooks delivers nothing to the callback until this succeeds. */
  async confirm(callbackId: number, verifier: string): Promise<FreshBooksCallback> {
    return this.one('PUT', `${this.base}/${callbackId}`, { callback: { verifier } });
  }

  /** Asks FreshBooks to post the verifier again. */
  async resendVerifier(callbackId: number): Promise<void> {
    await this.one('PUT', `${this.base}/${callbackId}`, { callback: { resend: true } });
  }

  /** Deletes a callback; one already gone counts as deleted. */
  async remove(callbackId: number): Promise<void> {
    try {
      await sendFreshBooksJson({ method: 'DELETE', url: `${this.base}/${callbackId}` }, this.policy);
    } catch (err) {
      if (err instanceof FreshBooksApiError && err.status === 404) return;
      throw err;
    }
  }

  private async one(method: 'POST' | 'PUT', url: string, body: unknown): Promise<FreshBooksCallback> {
    const parsed = One.safeParse(await sendFreshBooksJson({ method, url, body }, this.policy));
    if (!parsed.success) throw shapeError('callback');
    return toCallback(parsed.data.response.result.callback);
  }
}

function toCallback(c: z.infer<typeof Callback>): FreshBooksCallback {
  return { callbackId: c.callbackid, event: c.event, uri: c.uri, verified: c.verified };
}

function shapeError(what: string): FreshBooksApiError {
  return new FreshBooksApiError({ status: 200, message: `FreshBooks ${what} reply has an unexpected shape` });
}
