/**
 * The sandbox itself: determinism, internal consistency of the seed, FreshBooks list semantics over raw
 * HTTP, the control API, clock stamping across DST, faults, ground-truth totals, webhooks and scale.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '.';

type Json = Record<string, any>;
const NOW = () => new Date('2025-06-15T16:00:00Z');

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
let token: string;
let accountId: string;

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body, headers: res.headers };
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/_sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const list = (entity: string, qs = '') => api(`/accounting/account/${accountId}/${entity}${qs ? `?${qs}` : ''}`);

async function listAll(entity: string, qs = ''): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const { body } = await list(entity, `page=${page}&per_page=100${qs ? `&${qs}` : ''}`);
    const result = body.response.result;
    const key = Object.keys(result).find((k) => Array.isArray(result[k]))!;
    out.push(...result[key]);
    if (page >= result.pages) return out;
  }
}

const cents = (m: { amount: string }) => Math.round(Number(m.amount) * 100);

before(async () => {
  // Tests move the clock months around; a long token lifetime keeps the test token valid throughout.
  sandbox = createFreshBooksSandbox({ seed: 42, now: NOW, accessTokenTtlSec: 400 * 86_400 });
  ({ url, close } = await sandbox.listen());
  token = sandbox.state.issueTokens().access_token;
  accountId = sandbox.state.accountIds()[0]!;
});

after(async () => {
  await close();
});

beforeEach(() => {
  sandbox.state.clearFaults();
  sandbox.state.setClock(null);
});

describe('seed', () => {
  it('is deterministic for a seed and a clock, and differs across seeds', () => {
    const a = createFreshBooksSandbox({ seed: 7, now: NOW }).state;
    const b = createFreshBooksSandbox({ seed: 7, now: NOW }).state;
    const c = createFreshBooksSandbox({ seed: 8, now: NOW }).state;
    const page = (s: typeof a) => JSON.stringify(s.list(s.accountIds()[0]!, 'invoices', { per_page: '100', 'include[]': 'lines' }));
    assert.equal(page(a), page(b));
    assert.notEqual(page(a), page(c));
    assert.deepEqual(a.totals(a.accountIds()[1]!), b.totals(b.accountIds()[1]!));
  });

  it('seeds two businesses, the second about half the first, with different base currencies', () => {
    const [first, second] = sandbox.state.accountIds().map((id) => sandbox.state.totals(id));
    assert.equal(first!.baseCurrency, 'USD');
    assert.equal(second!.baseCurrency, 'CAD');
    assert.equal(first!.entities.invoices.count, 250);
    assert.equal(second!.entities.invoices.count, 125);
    assert.equal(first!.entities.clients.count, 40);
    assert.ok(Math.abs(first!.entities.payments.count - 180) < 40, `payments ≈ 180, got ${first!.entities.payments.count}`);
    for (const cur of ['USD', 'CAD', 'EUR']) assert.ok(first!.entities.invoices.amounts[cur], `invoices in ${cur}`);
    for (const e of ['clients', 'invoices', 'expenses', 'bills'] as const) {
      assert.ok(first!.entities[e].byVisState['1'].count > 0, `${e} has deleted rows`);
      assert.ok(first!.entities[e].byVisState['2'].count > 0, `${e} has archived rows`);
    }
  });

  it('seeds extra businesses the user owns on request, small, leaving the first two as they were', async () => {
    const plain = createFreshBooksSandbox({ seed: 3 });
    const many = createFreshBooksSandbox({ seed: 3, extraBusinesses: { count: 30, scale: { invoices: 10, clients: 4 } } });
    const ids = many.state.accountIds();
    assert.equal(ids.length, 32);
    assert.equal(new Set(ids).size, 32);
    assert.equal(new Set(many.state.memberships.map((m) => m.business.businessId)).size, many.state.memberships.length);
    for (const i of [0, 1]) assert.deepEqual(many.state.totals(ids[i]!), plain.state.totals(plain.state.accountIds()[i]!));
    const last = many.state.totals(ids[31]!);
    assert.equal(last.entities.invoices.count, 10);
    assert.equal(last.entities.clients.count, 4);
    // The user is offered them at sign-in like the seeded ones.
    const served = await many.listen();
    try {
      const bearer = many.state.issueTokens().access_token;
      const me = await (await fetch(`${served.url}/auth/api/v1/users/me`, { headers: { authorization: `Bearer ${bearer}` } })).json() as { response: { business_memberships: unknown[] } };
      assert.equal(me.response.business_memberships.length, 33);
    } finally {
      await served.close();
    }
  });

  it('keeps documents internally consistent: invoices, payments, bills', async () => {
    const invoices = [...(await listAll('invoices/invoices', 'include[]=lines')), ...(await listAll('invoices/invoices', 'include[]=lines&search[vis_state]=1'))];
    const payments = [...(await listAll('payments/payments')), ...(await listAll('payments/payments', 'search[vis_state]=1'))];
    const byId = new Map(invoices.map((i) => [i.id, i]));
    const paidBy = new Map<number, number>();
    for (const p of payments) {
      const inv = byId.get(p.invoiceid);
      assert.ok(inv, `payment ${p.id} references a real invoice`);
      assert.equal(p.amount.code, inv.currency_code);
      assert.equal(p.clientid, inv.customerid);
      if (p.vis_state !== 1) paidBy.set(p.invoiceid, (paidBy.get(p.invoiceid) ?? 0) + cents(p.amount));
    }
    for (const inv of invoices) {
      assert.equal(cents(inv.paid), paidBy.get(inv.id) ?? 0, `invoice ${inv.id} paid = Σ live payments`);
      assert.equal(cents(inv.outstanding), cents(inv.amount) - cents(inv.paid));
      if (inv.payment_status === 'paid') assert.equal(inv.status, 4);
      if (inv.status === 8) assert.equal(inv.payment_status, 'partial');
      assert.match(inv.updated, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.ok(inv.updated >= inv.created_at, 'updated never before created');
    }
    for (const bill of await listAll('bills/bills')) {
      assert.equal(cents(bill.total_amount), cents(bill.amount) + cents(bill.tax_amount));
      assert.equal(cents(bill.outstanding), cents(bill.total_amount) - cents(bill.paid));
      let sum = 0;
      for (const l of bill.lines) {
        assert.equal(cents(l.amount), Math.round(l.quantity * Number(l.unit_cost.amount) * 100));
        sum += cents(l.amount);
      }
      assert.equal(sum, cents(bill.amount));
      assert.equal(bill.vendor.vendorid, bill.vendorid);
    }
  });

  it('generates 100,000 invoices with lines in a few seconds of CPU', () => {
    // CPU time, not wall time: other processes on the machine must not fail the test, a seeding that
    // became expensive must.
    const cpuMs = (since?: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
    const started = process.cpuUsage();
    const big = createFreshBooksSandbox({ seed: 1, now: NOW, scale: { invoices: 100_000 } });
    const seededMs = cpuMs(started);
    assert.ok(seededMs < 5000, `seeded in ${seededMs} ms of CPU`);
    const first = big.state.accountIds()[0]!;
    assert.equal(big.state.totals(first).entities.invoices.count, 100_000);
    const t = process.cpuUsage();
    const last = big.state.list(first, 'invoices', { page: '900', per_page: '100', 'include[]': 'lines' });
    const again = big.state.list(first, 'invoices', { page: '901', per_page: '100', 'include[]': 'lines' });
    assert.equal(last.items.length, 100);
    assert.equal(again.items.length, 100);
    assert.ok(cpuMs(t) < 1000, 'deep pages are cheap');
  });
});

describe('list semantics over HTTP', () => {
  it('pages from 1 (page=0 means 1), defaults per_page to 15, caps it at 100', async () => {
    const d = await list('users/clients');
    assert.equal(d.status, 200);
    assert.equal(d.body.response.result.per_page, 15);
    assert.equal(d.body.response.result.clients.length, 15);
    const zero = await list('users/clients', 'page=0&per_page=5');
    assert.equal(zero.body.response.result.page, 1);
    assert.deepEqual(zero.body.response.result.clients, (await list('users/clients', 'page=1&per_page=5')).body.response.result.clients);
    const capped = await list('invoices/invoices', 'per_page=500');
    assert.equal(capped.body.response.result.per_page, 100);
    assert.equal(capped.body.response.result.invoices.length, 100);
    const past = await list('invoices/invoices', 'page=99&per_page=100');
    assert.deepEqual(past.body.response.result.invoices, []);
    assert.equal(past.body.response.result.page, 99);
  });

  it('answers bad page / per_page with errno 1014 / 1013 in the accounting error shape', async () => {
    const badPage = await list('users/clients', 'page=abc');
    assert.equal(badPage.status, 400);
    assert.equal(badPage.body.response.errors[0].errno, 1014);
    const badPer = await list('users/clients', 'per_page=-3');
    assert.equal(badPer.status, 400);
    assert.equal(badPer.body.response.errors[0].errno, 1013);
  });

  it('sends invoice lines only with include[]=lines', async () => {
    const without = await list('invoices/invoices', 'per_page=3');
    assert.ok(without.body.response.result.invoices.every((i: Json) => i.lines === undefined));
    const withLines = await list('invoices/invoices', 'per_page=3&include%5B%5D=lines');
    assert.ok(withLines.body.response.result.invoices.every((i: Json) => Array.isArray(i.lines) && i.lines[0].lineid === 1));
    const id = without.body.response.result.invoices[0].id;
    const one = await api(`/accounting/account/${accountId}/invoices/invoices/${id}?include[]=lines`);
    assert.ok(Array.isArray(one.body.response.result.invoice.lines));
  });

  it('filters updated_min (≥) and updated_max (<) by whole days in the record zone', async () => {
    const all = await listAll('users/clients');
    const day = all[5]!.updated.slice(0, 10);
    const min = await listAll('users/clients', `search[updated_min]=${day}`);
    const max = await listAll('users/clients', `search[updated_max]=${day}`);
    assert.deepEqual(min.map((c) => c.id), all.filter((c) => c.updated.slice(0, 10) >= day).map((c) => c.id));
    assert.deepEqual(max.map((c) => c.id), all.filter((c) => c.updated.slice(0, 10) < day).map((c) => c.id));
    // Bills are UTC: the filter reads updated_at as UTC days.
    const bills = await listAll('bills/bills');
    const bday = bills[3]!.updated_at.slice(0, 10);
    const bmin = await listAll('bills/bills', `search[updated_min]=${bday}`);
    assert.deepEqual(bmin.map((b) => b.id), bills.filter((b) => b.updated_at.slice(0, 10) >= bday).map((b) => b.id));
  });

  it('serves 404 errno 1012 for unknown ids and 403 for an account the user is only a client of', async () => {
    const missing = await api(`/accounting/account/${accountId}/users/clients/12345`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.response.errors[0], { errno: 1012, field: 'userid', message: 'Client not found.', object: 'client', value: '12345' });
    const forbidden = await api('/accounting/account/xY9cLe/invoices/invoices');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.response.errors[0].errno, 1003);
  });

  it('rejects missing and expired tokens with 401 in the OAuth shape', async () => {
    const anon = await fetch(`${url}/accounting/account/${accountId}/users/clients`);
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as Json).error, 'unauthenticated');
    const mine = sandbox.state.issueTokens().access_token;
    sandbox.state.injectFaults({ expireAccessTokens: true });
    const expired = await fetch(`${url}/accounting/account/${accountId}/users/clients`, { headers: { authorization: `Bearer ${mine}` } });
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as Json).error, 'invalid_token');
    token = sandbox.state.issueTokens().access_token;
  });

  it('applies only vis_state when a PUT carries it with other fields (§3.2)', async () => {
    const client = sandbox.state.list(accountId, 'clients', { per_page: '1' }).items[0]!;
    const res = await api(`/accounting/account/${accountId}/users/clients/${client.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client: { vis_state: 2, organization: 'Silently Dropped Ltd.' } }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.response.result.client.vis_state, 2);
    assert.equal(res.body.response.result.client.organization, client.organization);
    sandbox.state.restore(accountId, 'clients', client.id as number);
  });
});

describe('control API', () => {
  it('creates, updates, deletes, archives and restores records, stamping the sandbox clock', async () => {
    await control('PUT', '/clock', { now: '2025-01-15T15:00:00Z' });
    const created = await control('POST', `/accounts/${accountId}/clients`, { fname: 'Zoë', lname: 'Ng', organization: 'Ng & Ng', email: 'zoe@ng.example', currency_code: 'EUR' });
    assert.equal(created.status, 200);
    assert.equal(created.body.updated, '2025-01-15 10:00:00', 'Eastern wall time (EST)');
    const id = created.body.id;

    await control('PUT', '/clock', { now: '2025-07-15T15:00:00Z' });
    const updated = await control('PATCH', `/accounts/${accountId}/clients/${id}`, { organization: 'Ng Holdings', note: 'custom field kept' });
    assert.equal(updated.body.organization, 'Ng Holdings');
    assert.equal(updated.body.note, 'custom field kept');
    assert.equal(updated.body.updated, '2025-07-15 11:00:00', 'Eastern wall time (EDT)');

    const inDefault = async () => (await listAll('users/clients')).some((c) => c.id === id);
    const inDeleted = async () => (await listAll('users/clients', 'search[vis_state]=1')).some((c) => c.id === id);
    assert.equal(await inDefault(), true);
    await control('DELETE', `/accounts/${accountId}/clients/${id}`);
    assert.equal(await inDefault(), false);
    assert.equal(await inDeleted(), true);
    await control('POST', `/accounts/${accountId}/clients/${id}/archive`);
    assert.equal(await inDefault(), true, 'archived rows stay in default lists');
    assert.equal((await listAll('users/clients', 'search[vis_state]=2')).some((c) => c.id === id), true);
    await control('POST', `/accounts/${accountId}/clients/${id}/restore`);
    assert.equal((await listAll('users/clients', 'search[vis_state]=0')).some((c) => c.id === id), true);
  });

  it('purges a record outright: gone from every list and a GET is 404, with no webhook', async () => {
    const created = await control('POST', `/accounts/${accountId}/clients`, { fname: 'Gone', lname: 'Soon', email: 'gone@soon.example' });
    const id = created.body.id;
    const deliveries = sandbox.state.webhooks.deliveries.length;
    const { total } = (await list('users/clients', 'per_page=1')).body.response.result;
    assert.equal((await control('POST', `/accounts/${accountId}/clients/${id}/purge`)).status, 200);
    assert.equal((await list('users/clients', 'per_page=1')).body.response.result.total, total - 1);
    for (const vis of ['0', '1', '2']) assert.equal((await listAll('users/clients', `search[vis_state]=${vis}`)).some((c) => c.id === id), false);
    assert.equal((await api(`/accounting/account/${accountId}/users/clients/${id}`)).status, 404);
    assert.equal(sandbox.state.webhooks.deliveries.length, deliveries, 'no webhook');
  });

  it('stamps Eastern records in wall time across DST and UTC records in UTC', () => {
    const s = sandbox.state;
    const item = s.list(accountId, 'items', { per_page: '1' }).items[0]!.id as number;
    const bill = s.list(accountId, 'bills', { per_page: '1' }).items[0]!.id as number;
    const stamp = (iso: string) => {
      s.setClock(iso);
      return [s.update(accountId, 'items', item, { sku: iso }).updated, s.update(accountId, 'bills', bill, { bill_number: iso }).updated_at];
    };
    // Fall back: 01:30 happens twice in New York.
    assert.deepEqual(stamp('2024-11-03T05:30:00Z'), ['2024-11-03 01:30:00', '2024-11-03 05:30:00']);
    assert.deepEqual(stamp('2024-11-03T06:30:00Z'), ['2024-11-03 01:30:00', '2024-11-03 06:30:00']);
    // Spring forward: 02:xx never happens.
    assert.deepEqual(stamp('2024-03-10T06:59:59Z'), ['2024-03-10 01:59:59', '2024-03-10 06:59:59']);
    assert.deepEqual(stamp('2024-03-10T07:00:00Z'), ['2024-03-10 03:00:00', '2024-03-10 07:00:00']);
  });

  it('settles invoices when payments are created or deleted', () => {
    const s = sandbox.state;
    const draft: Json = s.create(accountId, 'invoices', {
      customerid: 210001,
      lines: [
        { name: 'Design', qty: '2.5', unit_cost: { amount: '100.00' }, taxName1: 'HST', taxAmount1: '13' },
        { name: 'Hosting', qty: 1, unit_cost: { amount: '49.99' } },
      ],
    });
    assert.equal(draft.amount.amount, '332.49', '250 + 32.50 tax + 49.99');
    assert.equal(draft.status, 1);
    s.update(accountId, 'invoices', draft.id, { status: 2 });
    const pay = s.create(accountId, 'payments', { invoiceid: draft.id, amount: { amount: '332.49' }, date: '2025-06-01', type: 'ACH' });
    let inv: Json = s.get(accountId, 'invoices', draft.id)!;
    assert.equal(inv.payment_status, 'paid');
    assert.equal(inv.outstanding.amount, '0.00');
    assert.equal(inv.date_paid, '2025-06-01');
    s.delete(accountId, 'payments', pay.id as number);
    inv = s.get(accountId, 'invoices', draft.id)!;
    assert.equal(inv.payment_status, 'unpaid');
    assert.equal(inv.outstanding.amount, '332.49');
  });

  it('reports ground-truth totals that match what the API lists', async () => {
    const totals = (await control('GET', `/totals?accountId=${accountId}`)).body;
    const live = await listAll('invoices/invoices', 'include[]=lines');
    const sum: Record<string, number> = {};
    const lineSum: Record<string, number> = {};
    for (const inv of live) {
      sum[inv.currency_code] = (sum[inv.currency_code] ?? 0) + cents(inv.amount);
      for (const l of inv.lines) lineSum[inv.currency_code] = (lineSum[inv.currency_code] ?? 0) + cents(l.amount);
    }
    const both = (e: string, cur: string) =>
      Math.round(Number(totals.entities[e].byVisState['0'].amounts[cur] ?? 0) * 100) + Math.round(Number(totals.entities[e].byVisState['2'].amounts[cur] ?? 0) * 100);
    for (const cur of Object.keys(sum)) {
      assert.equal(sum[cur], both('invoices', cur), `invoices ${cur}`);
      assert.equal(lineSum[cur], both('invoice_lines', cur), `invoice lines ${cur}`);
    }
    assert.equal(live.length, totals.entities.invoices.byVisState['0'].count + totals.entities.invoices.byVisState['2'].count);
    const bills = await listAll('bills/bills');
    const billSum = bills.reduce((a, b) => a + cents(b.total_amount), 0);
    const truthBills = Object.values(totals.entities.bills.byVisState['0'].amounts as Record<string, string>)
      .concat(Object.values(totals.entities.bills.byVisState['2'].amounts as Record<string, string>))
      .reduce((a, v) => a + Math.round(Number(v) * 100), 0);
    assert.equal(billSum, truthBills);
  });

  it('injects 429 with Retry-After (seconds or HTTP date), HTML 5xx, and counts them', async () => {
    await control('POST', '/stats/reset');
    await control('POST', '/faults', { rateLimit: { count: 1, retryAfterSec: 7 } });
    const limited = await list('users/clients');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await control('POST', '/faults', { rateLimit: { count: 1, retryAfterSec: 60, httpDate: true } });
    const dated = await list('users/clients');
    assert.ok(Date.parse(dated.headers.get('retry-after')!) > Date.now() + 50_000);
    await control('POST', '/faults', { status5xx: { count: 1, status: 502 } });
    const bad = await list('users/clients');
    assert.equal(bad.status, 502);
    assert.match(bad.body.raw, /<html>/);
    assert.equal((await list('users/clients')).status, 200);
    const stats = (await control('GET', '/stats')).body;
    assert.equal(stats.rateLimited, 2);
    assert.equal(stats.serverErrors, 1);
    assert.equal(stats.requestsByPath[`/accounting/account/${accountId}/users/clients`], 4);
    assert.equal(typeof stats.validRefreshTokens, 'number');
  });

  it('enforces an optional per-account rate limit', async () => {
    const limited = createFreshBooksSandbox({ seed: 1, now: NOW, rateLimitPerSec: 3 });
    const running = await limited.listen();
    try {
      const t = limited.state.issueTokens().access_token;
      const acct = limited.state.accountIds()[0]!;
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(`${running.url}/accounting/account/${acct}/items/items`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status),
        ),
      );
      assert.equal(statuses.filter((s) => s === 200).length, 3);
      assert.equal(statuses.filter((s) => s === 429).length, 3);
    } finally {
      await running.close();
    }
  });
});

describe('webhooks', () => {
  it('verifies callbacks and delivers signed, ids-only events', async () => {
    const received: Array<{ body: string; signature: string | undefined }> = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-freshbooks-hmac-sha256'] as string | undefined });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const waitFor = async (n: number) => {
      for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(received.length >= n, `expected ${n} deliveries, got ${received.length}`);
    };
    try {
      const base = `/events/account/${accountId}/events/callbacks`;
      const reg = await api(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callback: { event: 'client', uri: hookUrl } }) });
      assert.equal(reg.status, 200);
      const cb = reg.body.response.result.callback;
      assert.equal(cb.verified, false);
      await waitFor(1);
      const verify = new URLSearchParams(received[0]!.body);
      assert.equal(verify.get('name'), 'callback.verify');
      assert.equal(verify.get('object_id'), String(cb.callbackid));
      const verifier = verify.get('verifier')!;

      // Nothing is delivered before verification.
      sandbox.state.update(accountId, 'clients', 210002, { organization: 'Unverified Co' });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(received.length, 1);

      const put = await api(`${base}/${cb.callbackid}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callback: { verifier } }) });
      assert.equal(put.body.response.result.callback.verified, true);

      sandbox.state.update(accountId, 'clients', 210002, { organization: 'Café «Ünïcode», Ltd: 1/2' });
      await waitFor(2);
      const event = received[1]!;
      const form = new URLSearchParams(event.body);
      assert.equal(form.get('name'), 'client.update');
      assert.equal(form.get('object_id'), '210002');
      assert.equal(form.get('account_id'), accountId);
      // Signature per reference §5: HMAC over Python json.dumps of the form, not over the raw body.
      const py = (s: string) => JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
      const msg = '{' + [...form].map(([k, v]) => `${py(k)}: ${py(v)}`).join(', ') + '}';
      assert.equal(event.signature, createHmac('sha256', verifier).update(msg, 'utf8').digest('base64'));
      assert.notEqual(event.signature, createHmac('sha256', verifier).update(event.body).digest('base64'));

      const listed = await api(`${base}?search[event]=client.update`);
      assert.equal(listed.body.response.result.callbacks.length, 1);
      const bad = await api(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callback: { event: 'journal_entry.create', uri: 'nope' } }) });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.errno, 422);
      assert.equal(bad.body.details.length, 2);
      const del = await api(`${base}/${cb.callbackid}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      assert.equal((await api(`${base}/${cb.callbackid}`)).body.errno, 404);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
