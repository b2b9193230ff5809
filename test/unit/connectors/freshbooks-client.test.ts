/**
 * FreshBooksClient against the real sandbox over HTTP (no mocks): paging, includes, deletes, updated_min,
 * 401 → one refresh, 429 storms, 5xx/network retries, error shapes, and no secrets in errors.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  FreshBooksApiError,
  FreshBooksClient,
  FreshBooksRateLimitedError,
  FreshBooksUnauthorizedError,
} from '../../../connectors/freshbooks';
import { createFreshBooksSandbox, DEFAULT_CLIENT_SECRET, type FreshBooksSandbox } from '../../../sandbox/freshbooks';
import { SpyBudget, TestTokens } from '../../support/freshbooks-doubles';

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
let accountId: string;
const secrets: string[] = [DEFAULT_CLIENT_SECRET];

function newTokens(refreshes = true): TestTokens {
  const pair = sandbox.state.issueTokens();
  secrets.push(pair.access_token, pair.refresh_token);
  return new TestTokens(url, pair.access_token, pair.refresh_token, refreshes);
}

function newClient(extra: Partial<ConstructorParameters<typeof FreshBooksClient>[0]> = {}): FreshBooksClient {
  return new FreshBooksClient({ apiBase: url, accountId, tokens: newTokens(), retryBaseMs: 10, ...extra });
}

function assertNoSecrets(err: unknown): void {
  const text = `${(err as Error).message} ${(err as Error).stack ?? ''}`;
  for (const s of secrets) assert.ok(!text.includes(s), `error text leaks a secret: ${(err as Error).message}`);
}

before(async () => {
  // Pinned clock: the seed and every "today" are reproducible.
  sandbox = createFreshBooksSandbox({ seed: 11, now: () => new Date('2025-06-15T16:00:00Z') });
  ({ url, close } = await sandbox.listen());
  accountId = sandbox.state.accountIds()[0]!;
});

after(async () => {
  await close();
});

beforeEach(() => {
  sandbox.state.clearFaults();
});

describe('FreshBooksClient paging', () => {
  it('reads every page up to `pages`, with per_page capped at 100 by the server', async () => {
    const client = newClient();
    const totals = sandbox.state.totals(accountId).entities.invoices;
    const expected = totals.byVisState['0'].count + totals.byVisState['2'].count;

    // Asking for 250 gets 100 per page: "stop when the page is short" would stop after page 1.
    const ids: number[] = [];
    let pagesSeen = 0;
    for await (const page of client.listAll('invoices', { perPage: 250 })) {
      pagesSeen++;
      assert.equal(page.perPage, 100);
      assert.equal(page.total, expected);
      assert.equal(page.pages, Math.ceil(expected / 100));
      for (const inv of page.items) ids.push(inv.id as number);
    }
    assert.equal(pagesSeen, Math.ceil(expected / 100));
    assert.equal(ids.length, expected);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'stable id order');
  });

  it('asks for 100 per page by default and gets an empty list past the end', async () => {
    const client = newClient();
    const first = await client.listPage('clients', { page: 1 });
    assert.equal(first.perPage, 100);
    const past = await client.listPage('clients', { page: first.pages + 3 });
    assert.deepEqual(past.items, []);
    assert.equal(past.total, first.total);
  });

  it('gets invoice lines (include[]=lines) that add up to the invoice amount', async () => {
    const client = newClient();
    const lineSums: Record<string, number> = {};
    for await (const page of client.listAll('invoices')) {
      for (const inv of page.items) {
        const lines = inv.lines as Array<Record<string, any>>;
        assert.ok(Array.isArray(lines) && lines.length >= 1 && lines.length <= 5, 'each invoice has 1–5 lines');
        let total = 0;
        for (const l of lines) {
          const amount = Math.round(Number(l.amount.amount) * 100);
          assert.equal(typeof l.qty, 'string');
          assert.equal(Math.round(Number(l.qty) * Number(l.unit_cost.amount) * 100), amount, 'line amount = qty × unit_cost');
          const tax = (pct: string) => Math.round((amount * Math.round(Number(pct) * 1000)) / 100_000);
          total += amount + tax(l.taxAmount1) + tax(l.taxAmount2);
          const code = (inv.currency_code as string);
          lineSums[code] = (lineSums[code] ?? 0) + amount;
        }
        assert.equal(Math.round(Number((inv.amount as any).amount) * 100), total, `invoice ${inv.id} amount = Σ lines incl. tax`);
      }
    }
    const truth = sandbox.state.totals(accountId).entities.invoice_lines.byVisState;
    for (const [code, cents] of Object.entries(lineSums)) {
      const expected = Math.round(Number(truth['0'].amounts[code] ?? 0) * 100) + Math.round(Number(truth['2'].amounts[code] ?? 0) * 100);
      assert.equal(cents, expected, `line sum ${code}`);
    }
  });

  it('returns deleted rows only with visState 1', async () => {
    const client = newClient();
    for (const entity of ['invoices', 'payments', 'expenses', 'bills'] as const) {
      const all: Array<Record<string, unknown>> = [];
      for await (const p of client.listAll(entity)) all.push(...p.items);
      assert.ok(all.every((r) => r.vis_state !== 1), `${entity}: default list hides deleted`);
      assert.ok(all.some((r) => r.vis_state === 2), `${entity}: default list keeps archived`);
      const deleted: Array<Record<string, unknown>> = [];
      for await (const p of client.listAll(entity, { visState: 1 })) deleted.push(...p.items);
      assert.ok(deleted.length > 0 && deleted.every((r) => r.vis_state === 1), `${entity}: visState 1 gives only deleted`);
      assert.equal(deleted.length, sandbox.state.totals(accountId).entities[entity].byVisState['1'].count);
    }
  });

  it('filters updated_min by whole Eastern days', async () => {
    const client = newClient();
    // 2024-07-01T03:30Z is still June 30 in New York (23:30 EDT).
    sandbox.state.setClock('2024-07-01T03:30:00Z');
    try {
      const created = sandbox.state.create(accountId, 'items', { name: 'Late-night item', unit_cost: { amount: '10.00', code: 'USD' } });
      assert.equal(created.updated, '2024-06-30 23:30:00');
      const id = created.id as number;
      const idsFor = async (updatedMin: string) => {
        const ids: unknown[] = [];
        for await (const p of client.listAll('items', { updatedMin })) ids.push(...p.items.map((i) => i.id));
        return ids;
      };
      assert.ok((await idsFor('2024-06-30')).includes(id), 'same Eastern day is included (≥)');
      assert.ok(!(await idsFor('2024-07-01')).includes(id), 'the UTC date would wrongly include it; Eastern excludes it');
    } finally {
      sandbox.state.setClock('2025-06-15T16:00:00Z');
    }
  });

  it('gets one record with lines, and null for an unknown id', async () => {
    const client = newClient();
    const page = await client.listPage('invoices', { page: 1, perPage: 1 });
    const one = await client.get('invoices', page.items[0]!.id as number);
    assert.deepEqual(one, page.items[0]);
    assert.equal(await client.get('invoices', 99), null);
    assert.equal(await client.get('bill_vendors', 12345), null);
    const vendor = await client.get('bill_vendors', 7500001);
    assert.equal(vendor?.vendorid, 7500001);
  });
});

describe('FreshBooksClient auth', () => {
  it('on 401 asks the TokenSource for exactly one refresh, then succeeds', async () => {
    const tokens = newTokens();
    const client = new FreshBooksClient({ apiBase: url, accountId, tokens, retryBaseMs: 10 });
    const refreshesBefore = sandbox.state.stats.refreshes;
    sandbox.state.expireAccessTokens();
    const page = await client.listPage('clients', { page: 1 });
    assert.ok(page.items.length > 0);
    assert.equal(tokens.refreshCalls, 1);
    assert.equal(sandbox.state.stats.refreshes - refreshesBefore, 1);
    secrets.push(tokens.access, tokens.refresh);
  });

  it('gives up with FreshBooksUnauthorizedError when the refreshed token is still refused', async () => {
    const tokens = newTokens(false);
    const client = new FreshBooksClient({ apiBase: url, accountId, tokens, retryBaseMs: 10 });
    sandbox.state.expireAccessTokens();
    const err = await client.listPage('clients', { page: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksUnauthorizedError);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'invalid_token');
    assert.equal(tokens.refreshCalls, 1, 'one refresh per call, never a loop');
    assertNoSecrets(err);
  });
});

describe('FreshBooksClient rate limits and failures', () => {
  it('rides out a 429 storm, waiting as long as Retry-After says and pausing the budget', async () => {
    const budget = new SpyBudget();
    const client = newClient({ budget });
    sandbox.state.injectFaults({ rateLimit: { count: 2, retryAfterSec: 1 } });
    const limitedBefore = sandbox.state.stats.rateLimited;
    const started = Date.now();
    const page = await client.listPage('items', { page: 1 });
    const elapsed = Date.now() - started;
    assert.ok(page.items.length > 0);
    assert.equal(sandbox.state.stats.rateLimited - limitedBefore, 2);
    assert.ok(elapsed >= 1950, `waited ${elapsed} ms for two Retry-After: 1`);
    assert.ok(elapsed < 4000, `waited ${elapsed} ms, far more than asked`);
    assert.deepEqual(budget.pauses, [1000, 1000]);
    assert.equal(budget.acquired, 3, 'every attempt goes through the budget');
    assert.equal(budget.released, 3, 'each attempt gives its hold back once its reply came');
  });

  it('backs off on its own when a 429 has no Retry-After', async () => {
    const client = newClient();
    sandbox.state.injectFaults({ rateLimit: { count: 1, retryAfterSec: null } });
    const started = Date.now();
    await client.listPage('items', { page: 1 });
    assert.ok(Date.now() - started >= 450, 'default backoff waited');
  });

  it('throws FreshBooksRateLimitedError once the wait would pass maxRateLimitWaitMs', async () => {
    const client = newClient({ maxRateLimitWaitMs: 5_000 });
    sandbox.state.injectFaults({ rateLimit: { count: 5, retryAfterSec: 30 } });
    const started = Date.now();
    const err = await client.listPage('items', { page: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksRateLimitedError);
    assert.equal(err.name, 'RateLimited');
    assert.equal(err.retryAfterMs, 30_000);
    assert.ok(Date.now() - started < 1000, 'did not sleep a wait it was going to exceed anyway');
  });

  it('retries 5xx and dropped connections, then succeeds', async () => {
    const client = newClient();
    sandbox.state.injectFaults({ status5xx: { count: 2, status: 502 }, dropConnection: { count: 1 } });
    const page = await client.listPage('expenses', { page: 1, perPage: 5 });
    assert.equal(page.items.length, 5);
  });

  it('gives up on a persistent 5xx with a FreshBooksApiError carrying the status', async () => {
    const client = newClient({ maxAttempts: 3 });
    sandbox.state.injectFaults({ status5xx: { count: 10, status: 503 } });
    const err = await client.listPage('expenses', { page: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksApiError);
    assert.equal(err.status, 503);
    assertNoSecrets(err);
  });
});

describe('FreshBooksClient error shapes', () => {
  it('parses the accounting error shape (403 errno 1003) for an account the user only has a client role in', async () => {
    const client = new FreshBooksClient({ apiBase: url, accountId: 'xY9cLe', tokens: newTokens(), retryBaseMs: 10 });
    const err = await client.listPage('invoices', { page: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksApiError);
    assert.equal(err.status, 403);
    assert.equal(err.errno, 1003);
    assertNoSecrets(err);
  });

  it('treats an HTTP 200 carrying a google.rpc error as an error (and as "not found" for get)', async () => {
    const client = newClient();
    sandbox.state.injectFaults({ errorIn200: { count: 1, errno: 1004 } });
    const err = await client.listPage('clients', { page: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksApiError);
    assert.equal(err.status, 200);
    assert.equal(err.errno, 1004);
    sandbox.state.injectFaults({ errorIn200: { count: 1, errno: 1012 } });
    assert.equal(await client.get('clients', 210001), null);
  });
});

describe('FreshBooksClient lists without includes', () => {
  it('includes: false reads the same invoices, with the same totals, without their lines', async () => {
    const client = newClient();
    const withLines = await client.listPage('invoices', { page: 2 });
    const without = await client.listPage('invoices', { page: 2, includes: false });
    assert.ok(withLines.items.length > 0 && withLines.items.every((i) => Array.isArray(i.lines)), 'lines by default');
    assert.ok(without.items.every((i) => !('lines' in i)), 'no lines when includes are left out');
    const strip = (i: Record<string, unknown>) => { const { lines: _lines, ...rest } = i; return rest; };
    assert.deepEqual(without.items, withLines.items.map(strip));
    assert.equal(without.total, withLines.total);
  });

  it('a list that holds something other than records is an unexpected shape, not records', async () => {
    const { createServer } = await import('node:http');
    const bodies = [
      { response: { result: { invoices: [{ id: 1 }, 'two'], page: 1, pages: 1, per_page: 100, total: 2 } } },
      { response: { result: { invoices: [{ id: 1 }, null], page: 1, pages: 1, per_page: 100, total: 2 } } },
      { response: { result: { invoices: [[1]], page: 1, pages: 1, per_page: 100, total: 1 } } },
      { response: { result: { invoices: { id: 1 }, page: 1, pages: 1, per_page: 100, total: 1 } } },
    ];
    let next = 0;
    const server = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(bodies[next++])); });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const { port } = server.address() as { port: number };
      const client = new FreshBooksClient({ apiBase: `http://127.0.0.1:${port}`, accountId, tokens: newTokens(), retryBaseMs: 10 });
      for (let i = 0; i < bodies.length; i++) {
        await assert.rejects(client.listPage('invoices', { page: 1 }), (e: unknown) => e instanceof FreshBooksApiError && /unexpected shape/.test(e.message), `body ${i}`);
      }
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
