/**
 * FreshBooksWriter against the real sandbox over HTTP (no mocks): look-up-before-create for clients, items,
 * invoices, payments and credit notes; draft → sent; payments settling invoices; and the retry rule for writes
 * (a create is sent once on 5xx / network failure, while 401 and 429 are still handled). A small stub server
 * that ignores `search[…]` checks the writer matches exactly on its own side.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  FreshBooksApiError,
  FreshBooksNetworkError,
  FreshBooksWriter,
  isConflict,
} from '../../../connectors/freshbooks';
import { retryPolicy, sendFreshBooksJson } from '../../../connectors/freshbooks/get-json';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '../../../sandbox/freshbooks';
import { SpyBudget, TestTokens } from '../../support/freshbooks-doubles';

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
let accountId: string;
const secrets: string[] = [];

function newTokens(): TestTokens {
  const pair = sandbox.state.issueTokens();
  secrets.push(pair.access_token, pair.refresh_token);
  return new TestTokens(url, pair.access_token, pair.refresh_token);
}

function newWriter(extra: Partial<ConstructorParameters<typeof FreshBooksWriter>[0]> = {}): FreshBooksWriter {
  return new FreshBooksWriter({ apiBase: url, accountId, tokens: newTokens(), retryBaseMs: 10, ...extra });
}

function assertNoSecrets(err: unknown): void {
  const text = `${(err as Error).message} ${(err as Error).stack ?? ''}`;
  for (const s of secrets) assert.ok(!text.includes(s), `error text leaks a secret: ${(err as Error).message}`);
}

/** The sandbox records a request when its reply finishes; give that a moment before reading the log. */
const settle = () => new Promise((r) => setTimeout(r, 30));

/** Statuses of the requests the sandbox saw for `method` on paths ending in `suffix`, in order. */
async function seen(method: string, suffix: string): Promise<number[]> {
  await settle();
  return sandbox.state.stats.log.filter((e) => e.method === method && e.path.endsWith(suffix)).map((e) => e.status);
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

async function newCustomer(w: FreshBooksWriter): Promise<number> {
  return (await w.createClient({ email: `${unique('buyer')}@example.com`, fname: 'Buyer', currencyCode: 'USD' })).id;
}

function draft(customerid: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerid,
    create_date: '2025-06-15',
    currency_code: 'USD',
    lines: [{ type: 0, name: 'Pack', qty: '3', unit_cost: { amount: '33.37', code: 'USD' } }],
    ...fields,
  };
}

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 11, now: () => new Date('2025-06-15T16:00:00Z'), accessTokenTtlSec: 400 * 86_400 });
  ({ url, close } = await sandbox.listen());
  accountId = sandbox.state.accountIds()[0]!;
});

after(async () => {
  await close();
});

beforeEach(() => {
  sandbox.state.clearFaults();
  sandbox.state.resetStats();
});

describe('clients', () => {
  it('creates a client, finds it by email case-insensitively, updates it, and forgets it once deleted', async () => {
    const w = newWriter();
    const email = `Trail.Runner.${process.pid}@Example.com`;
    assert.equal(await w.findClientByEmail(email), null);

    const created = await w.createClient({ email, fname: 'Trail', lname: 'Runner', currencyCode: 'USD' });
    assert.ok(created.id > 0);
    assert.deepEqual({ ...created, id: 0 }, { id: 0, email, fname: 'Trail', lname: 'Runner', organization: '', visState: 0 });

    assert.equal((await w.findClientByEmail(email.toUpperCase()))?.id, created.id);
    assert.equal((await w.findClientByEmail(`  ${email.toLowerCase()} `))?.id, created.id);
    assert.equal(await w.findClientByEmail(`Runner.${process.pid}@Example.com`), null, 'equality, not substring');
    assert.deepEqual(await w.getClient(created.id), created);

    const withAddress = await w.createClient({
      email: `${unique('addr')}@example.com`, fname: 'Ada', phone: '555-0100', street: '1 Main St', street2: 'Unit 2', city: 'Toronto', province: 'Ontario', code: 'M5V 1A1', country: 'Canada',
    });
    const stored = sandbox.state.get(accountId, 'clients', withAddress.id)!;
    assert.deepEqual(
      [stored.bus_phone, stored.p_street, stored.p_street2, stored.p_city, stored.p_province, stored.p_code, stored.p_country],
      ['555-0100', '1 Main St', 'Unit 2', 'Toronto', 'Ontario', 'M5V 1A1', 'Canada'],
    );

    const updated = await w.updateClient(created.id, { organization: 'Trail Co' });
    assert.equal(updated.organization, 'Trail Co');
    assert.equal(updated.email, email, 'a partial update leaves the other fields alone');
    assert.equal((await w.getClient(created.id))?.organization, 'Trail Co');

    // A second client with the same address (other case): the older one still wins.
    const twin = await w.createClient({ email: email.toLowerCase(), fname: 'Twin' });
    assert.ok(twin.id > created.id);
    assert.equal((await w.findClientByEmail(email))?.id, created.id);

    sandbox.state.delete(accountId, 'clients', created.id);
    assert.equal(await w.getClient(created.id), null, 'deleted (vis_state 1) reads as absent');
    assert.equal((await w.findClientByEmail(email))?.id, twin.id);
    sandbox.state.archive(accountId, 'clients', twin.id);
    assert.equal((await w.findClientByEmail(email))?.visState, 2, 'archived clients still count');
    assert.equal(await w.getClient(987_654_321), null);
  });
});

describe('items', () => {
  it('finds an item by sku first, then by exact name, never a deleted one', async () => {
    const w = newWriter();
    const sku = unique('BCW-SKU');
    const name = unique('Trail Tent 2P');
    assert.equal(await w.findItem({ sku, name }), null);

    const item = await w.createItem({ name, sku, description: '2 person', unitCost: { amount: '249.00', code: 'USD' } });
    assert.deepEqual({ name: item.name, sku: item.sku }, { name, sku });
    assert.equal(sandbox.state.get(accountId, 'items', item.id)?.description, '2 person');

    assert.equal((await w.findItem({ sku }))?.id, item.id);
    assert.equal(await w.findItem({ sku: sku.toLowerCase() }), null, 'sku is exact');
    assert.equal((await w.findItem({ sku: unique('BCW-NOPE'), name }))?.id, item.id, 'falls back to the name');
    assert.equal(await w.findItem({ name: name.slice(0, -1) }), null, 'name is exact');

    // The sku decides even when another item carries the name.
    const namesake = await w.createItem({ name: unique('Other'), sku: unique('BCW-OTHER'), unitCost: { amount: '1.00', code: 'USD' } });
    assert.equal((await w.findItem({ sku, name: namesake.name }))?.id, item.id);
    assert.equal(await w.findItem({}), null);

    sandbox.state.delete(accountId, 'items', item.id);
    assert.equal(await w.findItem({ sku }), null);
    assert.equal(await w.findItem({ sku, name }), null);
  });
});

describe('invoices', () => {
  it('creates a draft, finds it by its own number, and marks it sent twice with one change', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const number = unique('BC-W');
    assert.equal(await w.findInvoiceByNumber(number), null);

    const inv = await w.createInvoice(draft(customer, { invoice_number: number, notes: 'BigCommerce order #8' }));
    assert.deepEqual({ ...inv, id: 0 }, {
      id: 0,
      invoiceNumber: number,
      notes: 'BigCommerce order #8',
      status: 1,
      amount: { amount: '100.11', code: 'USD' },
      outstanding: { amount: '100.11', code: 'USD' },
      visState: 0,
      customerId: customer,
    });
    assert.deepEqual(await w.findInvoiceByNumber(number), inv);
    assert.equal(await w.findInvoiceByNumber(number.slice(0, -1)), null, 'a prefix is not the number');

    sandbox.state.resetStats();
    const first = await w.markInvoiceSent(inv.id);
    const second = await w.markInvoiceSent(inv.id);
    assert.equal(first.status, 2);
    assert.equal(second.status, 2);
    assert.equal((await w.findInvoiceByNumber(number))?.status, 2);
    assert.deepEqual(await seen('PUT', `/invoices/invoices/${inv.id}`), [200, 200]);
    assert.equal(sandbox.state.statsSnapshot().writesByEvent['invoice.update'], 1, 'the second mark-as-sent changed nothing');
  });

  it('with duplicate numbers takes the lowest live id', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const number = unique('BC-DUP');
    const a = await w.createInvoice(draft(customer, { invoice_number: number }));
    const b = await w.createInvoice(draft(customer, { invoice_number: number }));
    assert.ok(b.id > a.id);
    assert.equal((await w.findInvoiceByNumber(number))?.id, a.id);
    sandbox.state.delete(accountId, 'invoices', a.id);
    assert.equal((await w.findInvoiceByNumber(number))?.id, b.id);
    sandbox.state.delete(accountId, 'invoices', b.id);
    assert.equal(await w.findInvoiceByNumber(number), null);
  });

  it('a numberless create that collides surfaces as a 409 conflict, is not repeated, and wrote nothing', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    sandbox.state.resetStats();
    sandbox.state.injectInvoiceNumberConflicts(1);
    const err = await w.createInvoice(draft(customer)).then(
      () => assert.fail('expected a 409'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FreshBooksApiError);
    assert.equal(err.status, 409);
    assert.ok(isConflict(err));
    assert.ok(!isConflict(new FreshBooksApiError({ status: 404, message: 'x' })));
    assertNoSecrets(err);
    assert.deepEqual(await seen('POST', '/invoices/invoices'), [409]);
    assert.equal(sandbox.state.statsSnapshot().writes, 0);
    const retried = await w.createInvoice(draft(customer));
    assert.equal(retried.status, 1);
  });
});

describe('payments', () => {
  it('settles the invoice (partial, then paid) and lists the invoice’s live payments only', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const inv = await w.createInvoice(draft(customer, { invoice_number: unique('BC-PAY') }));
    await w.markInvoiceSent(inv.id);
    const other = await w.createInvoice(draft(customer, { invoice_number: unique('BC-PAY') }));
    await w.createPayment({ invoiceId: other.id, amount: { amount: '5.00', code: 'USD' }, date: '2025-06-14', type: 'Cash', note: 'other', transactionId: 'other-1' });
    assert.deepEqual(await w.paymentsForInvoice(inv.id), []);

    const p1 = await w.createPayment({
      invoiceId: inv.id, amount: { amount: '33.37', code: 'USD' }, date: '2025-06-14', type: 'Credit Card', note: 'BC order 2001', transactionId: 'bc-txn-2001',
    });
    assert.deepEqual({ ...p1, id: 0 }, {
      id: 0, invoiceId: inv.id, amount: { amount: '33.37', code: 'USD' }, transactionId: 'bc-txn-2001', note: 'BC order 2001', type: 'Credit Card', date: '2025-06-14',
    });
    let now = await w.findInvoiceByNumber(inv.invoiceNumber);
    assert.equal(now?.status, 8, 'partial');
    assert.deepEqual(now?.outstanding, { amount: '66.74', code: 'USD' });

    const p2 = await w.createPayment({ invoiceId: inv.id, amount: { amount: '66.74', code: 'USD' }, date: '2025-06-15', type: 'Credit Card', note: 'BC order 2001', transactionId: 'bc-txn-2002' });
    now = await w.findInvoiceByNumber(inv.invoiceNumber);
    assert.equal(now?.status, 4, 'paid');
    assert.deepEqual(now?.outstanding, { amount: '0.00', code: 'USD' });

    assert.deepEqual(await w.paymentsForInvoice(inv.id), [p1, p2]);
    sandbox.state.delete(accountId, 'payments', p1.id);
    assert.deepEqual((await w.paymentsForInvoice(inv.id)).map((p) => p.id), [p2.id]);
  });

  it('reads every page of an invoice’s payments', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const inv = await w.createInvoice(draft(customer, { invoice_number: unique('BC-MANY'), lines: [{ name: 'Bulk', qty: '1', unit_cost: { amount: '1000.00', code: 'USD' } }] }));
    for (let i = 0; i < 130; i++) {
      sandbox.state.create(accountId, 'payments', { invoiceid: inv.id, amount: { amount: '1.00', code: 'USD' }, date: '2025-06-15', type: 'Cash' });
    }
    sandbox.state.resetStats();
    const all = await w.paymentsForInvoice(inv.id);
    assert.equal(all.length, 130);
    assert.equal(new Set(all.map((p) => p.id)).size, 130);
    assert.deepEqual(all.map((p) => p.id), [...all.map((p) => p.id)].sort((a, b) => a - b));
    assert.equal((await seen('GET', '/payments/payments')).length, 2, '100 per page');
  });
});

describe('credit notes', () => {
  it('creates a credit note and finds it by its number', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const number = unique('CN-BC');
    assert.equal(await w.findCreditNote(number), null);
    const cn = await w.createCreditNote({
      clientId: customer,
      creditNumber: number,
      createDate: '2025-06-15',
      currencyCode: 'USD',
      notes: 'BC refund 3001',
      lines: [{ name: 'Refund: Tent', description: 'returned', qty: '2', unit_cost: { amount: '20.00', code: 'USD' } }],
    });
    assert.deepEqual({ ...cn, id: 0 }, { id: 0, creditNumber: number, amount: { amount: '40.00', code: 'USD' } });
    const stored = sandbox.state.getCreditNote(accountId, cn.id)!;
    assert.equal(stored.clientid, customer);
    assert.equal(stored.notes, 'BC refund 3001');
    assert.equal(stored.create_date, '2025-06-15');

    assert.deepEqual(await w.findCreditNote(number), cn);
    assert.equal(await w.findCreditNote(number.slice(0, -1)), null);
    sandbox.state.updateCreditNote(accountId, cn.id, { vis_state: 1 });
    assert.equal(await w.findCreditNote(number), null);
  });
});

describe('retry rules for writes', () => {
  it('a 5xx on any create is sent once and thrown; the caller decides after a look-up', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const inv = await w.createInvoice(draft(customer, { invoice_number: unique('BC-5XX') }));
    const creates: Array<[string, () => Promise<unknown>]> = [
      ['/users/clients', () => w.createClient({ email: `${unique('x')}@example.com` })],
      ['/items/items', () => w.createItem({ name: unique('x'), unitCost: { amount: '1.00', code: 'USD' } })],
      ['/invoices/invoices', () => w.createInvoice(draft(customer, { invoice_number: unique('BC-X') }))],
      ['/payments/payments', () => w.createPayment({ invoiceId: inv.id, amount: { amount: '1.00', code: 'USD' }, date: '2025-06-15', type: 'Cash', note: '', transactionId: 't' })],
      ['/credit_notes/credit_notes', () => w.createCreditNote({ clientId: customer, creditNumber: unique('CN-X'), createDate: '2025-06-15', currencyCode: 'USD', notes: '', lines: [] })],
    ];
    for (const [path, create] of creates) {
      sandbox.state.resetStats();
      sandbox.state.injectFaults({ status5xx: { count: 1, status: 503, pathContains: path } });
      const err = await create().then(
        () => assert.fail(`${path}: expected the 503 to be thrown`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof FreshBooksApiError, path);
      assert.equal(err.status, 503, path);
      assertNoSecrets(err);
      assert.deepEqual(await seen('POST', path), [503], `${path}: sent once`);
      assert.equal(sandbox.state.statsSnapshot().writes, 0, path);
      sandbox.state.clearFaults();
    }
  });

  it('a dropped connection on a create is thrown at once; on a look-up it is retried', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const number = unique('BC-DROP');
    sandbox.state.resetStats();
    sandbox.state.injectFaults({ dropConnection: { count: 1, pathContains: '/invoices/invoices' } });
    await assert.rejects(w.createInvoice(draft(customer, { invoice_number: number })), FreshBooksNetworkError);
    assert.deepEqual(await seen('POST', '/invoices/invoices'), [0]);

    sandbox.state.injectFaults({ dropConnection: { count: 1, pathContains: '/invoices/invoices' } });
    assert.equal(await w.findInvoiceByNumber(number), null, 'the dropped create wrote nothing, and the look-up survived a drop');
    assert.deepEqual(await seen('GET', '/invoices/invoices'), [0, 200]);
  });

  it('look-ups and mark-as-sent are retried through 5xx', async () => {
    const w = newWriter();
    const customer = await newCustomer(w);
    const inv = await w.createInvoice(draft(customer, { invoice_number: unique('BC-RETRY') }));
    sandbox.state.resetStats();
    sandbox.state.injectFaults({ status5xx: { count: 2, pathContains: '/invoices/invoices' } });
    assert.equal((await w.findInvoiceByNumber(inv.invoiceNumber))?.id, inv.id);
    assert.deepEqual(await seen('GET', '/invoices/invoices'), [503, 503, 200]);

    sandbox.state.injectFaults({ status5xx: { count: 1, pathContains: `/invoices/invoices/${inv.id}` } });
    assert.equal((await w.markInvoiceSent(inv.id)).status, 2);
    assert.deepEqual(await seen('PUT', `/invoices/invoices/${inv.id}`), [503, 200]);

    sandbox.state.injectFaults({ status5xx: { count: 1, pathContains: '/users/clients' } });
    assert.equal((await w.getClient(customer))?.id, customer);
    assert.deepEqual(await seen('GET', `/users/clients/${customer}`), [503, 200]);
  });

  it('a 429 on a create is waited out (Retry-After) and the record is created once', async () => {
    const budget = new SpyBudget();
    const w = newWriter({ budget });
    const name = unique('Rate limited item');
    sandbox.state.injectFaults({ rateLimit: { count: 1, retryAfterSec: 1, pathContains: '/items/items' } });
    const t0 = Date.now();
    const item = await w.createItem({ name, unitCost: { amount: '2.00', code: 'USD' } });
    assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
    assert.equal(item.name, name);
    assert.deepEqual(budget.pauses, [1000], 'the shared budget was paused too');
    assert.deepEqual(await seen('POST', '/items/items'), [429, 200]);
    assert.equal(sandbox.state.statsSnapshot().writesByEvent['item.create'], 1);
    assert.equal((await w.findItem({ name }))?.id, item.id);
  });

  it('a 401 on a create asks the TokenSource to refresh, then creates once', async () => {
    const tokens = newTokens();
    const w = new FreshBooksWriter({ apiBase: url, accountId, tokens, retryBaseMs: 10 });
    const staleToken = tokens.access;
    sandbox.state.expireAccessTokens();
    const email = `${unique('after-401')}@example.com`;
    const c = await w.createClient({ email });
    assert.equal(c.email, email);
    assert.equal(tokens.refreshCalls, 1);
    assert.notEqual(tokens.access, staleToken);
    assert.deepEqual(await seen('POST', '/users/clients'), [401, 200]);
    assert.equal(sandbox.state.statsSnapshot().writesByEvent['client.create'], 1);
    assert.equal(sandbox.state.statsSnapshot().refreshes, 1);
  });

  it('other callers keep the old default: a write without repeatable:false is retried on 5xx', async () => {
    const tokens = newTokens();
    const policy = retryPolicy({ tokens, budgetKey: accountId, label: accountId, retryBaseMs: 10 });
    sandbox.state.injectFaults({ status5xx: { count: 1, pathContains: '/items/items' } });
    await sendFreshBooksJson({ method: 'POST', url: `${url}/accounting/account/${accountId}/items/items`, body: { item: { name: unique('default') } } }, policy);
    assert.deepEqual(await seen('POST', '/items/items'), [503, 200]);
  });
});

describe('matching on our side (a FreshBooks that ignores search[…])', () => {
  let stub: Server;
  let stubUrl: string;
  const requests: URL[] = [];
  const PAGE = 2;
  // Ids as strings and deleted/archived rows on purpose: the writer coerces, skips vis_state 1, keeps 2.
  const data: Record<string, Array<Record<string, unknown>>> = {
    clients: [
      { id: '5', email: 'other@example.com', fname: 'O', lname: '', organization: '', vis_state: 0 },
      { id: '9', email: 'Shopper@Example.com', fname: 'S9', lname: '', organization: '', vis_state: 0 },
      { id: '3', email: 'shopper@example.com', fname: 'S3', lname: '', organization: '', vis_state: 1 },
      { id: '7', email: 'SHOPPER@example.com', fname: 'S7', lname: '', organization: 'Org', vis_state: '2' },
      { id: '8', email: 'shopper@example.com.au', fname: 'S8', lname: '', organization: '', vis_state: 0 },
    ],
    items: [
      { id: 4, name: 'Tent', sku: 'TENT-1x', vis_state: 0 },
      { id: 6, name: 'Tent', sku: 'STOVE', vis_state: 0 },
      { id: 2, name: 'Tent', sku: 'TENT-1', vis_state: 1 },
      { id: 11, name: 'Tent', sku: 'TENT-1', vis_state: 0 },
    ],
    invoices: [
      { id: 30, invoice_number: 'BC-10', status: 2, amount: { amount: '1.00', code: 'USD' }, customerid: 5, vis_state: 0 },
      { id: 20, invoice_number: 'BC-1', status: '1', amount: { amount: 2, code: 'USD' }, outstanding: null, customerid: '5', vis_state: 1 },
      { id: 40, invoice_number: 'bc-1', status: 2, amount: { amount: '3.00', code: 'USD' }, customerid: 5, vis_state: 0 },
      { id: 50, invoice_number: 'BC-1', status: 4, amount: { amount: '4.00', code: 'USD' }, outstanding: { amount: '0.00', code: 'USD' }, customerid: 5, vis_state: 0 },
    ],
    payments: [
      { id: 1, invoiceid: 99, amount: { amount: '1.00', code: 'USD' }, transactionid: null, note: null, type: 'Cash', date: '2025-01-01', vis_state: 0 },
      { id: 3, invoiceid: '50', amount: { amount: '2.00', code: 'USD' }, transactionid: 12345, note: 'n', type: 'Cash', date: '2025-01-02', vis_state: 0 },
      { id: 2, invoiceid: 50, amount: { amount: '3.00', code: 'USD' }, transactionid: 't2', note: 'n', type: 'Cash', date: '2025-01-03', vis_state: 1 },
    ],
    credit_notes: [
      { id: 70, credit_number: 'CN-1', amount: { amount: '1.00', code: 'USD' }, vis_state: 1 },
      { id: 80, credit_number: 'CN-10', amount: { amount: '2.00', code: 'USD' }, vis_state: 0 },
      { id: 90, credit_number: 'CN-1', amount: { amount: '3.00', code: 'USD' }, vis_state: 0 },
    ],
  };

  before(async () => {
    stub = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://stub');
      requests.push(u);
      const key = Object.keys(data).find((k) => u.pathname.endsWith(`/${k}/${k}`) || (k === 'clients' && u.pathname.endsWith('/users/clients')));
      if (!key) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const rows = data[key]!;
      const page = Number(u.searchParams.get('page') ?? '1');
      const body = { response: { result: { [key]: rows.slice((page - 1) * PAGE, page * PAGE), page, pages: Math.ceil(rows.length / PAGE), per_page: PAGE, total: rows.length } } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((r) => stub.close(r));
  });

  const stubWriter = () =>
    new FreshBooksWriter({ apiBase: stubUrl, accountId: 'ACC', tokens: { accessToken: async () => ({ token: 'stub-token', version: 1 }), refreshAfterUnauthorized: async () => {} }, retryBaseMs: 10 });

  it('sends the filter but matches exactly, live records only, lowest id, across every page', async () => {
    const w = stubWriter();
    requests.length = 0;
    const c = await w.findClientByEmail('shopper@example.com');
    assert.deepEqual(c, { id: 7, email: 'SHOPPER@example.com', fname: 'S7', lname: '', organization: 'Org', visState: 2 });
    assert.equal(requests.length, 3, 'read all three pages');
    assert.equal(requests[0]!.searchParams.get('search[email]'), 'shopper@example.com');
    assert.equal(requests[0]!.searchParams.get('per_page'), '100');
    assert.deepEqual(requests.map((r) => r.searchParams.get('page')), ['1', '2', '3']);

    assert.deepEqual(await w.findItem({ sku: 'TENT-1' }), { id: 11, name: 'Tent', sku: 'TENT-1' });
    assert.equal((await w.findItem({ sku: 'NOPE', name: 'Tent' }))?.id, 4);
    assert.equal(await w.findItem({ sku: 'NOPE', name: 'tent' }), null);

    const inv = await w.findInvoiceByNumber('BC-1');
    assert.deepEqual(inv, { id: 50, invoiceNumber: 'BC-1', status: 4, amount: { amount: '4.00', code: 'USD' }, outstanding: { amount: '0.00', code: 'USD' }, visState: 0, customerId: 5, notes: '' });
    assert.equal(await w.findInvoiceByNumber('BC-2'), null);

    const pays = await w.paymentsForInvoice(50);
    assert.deepEqual(pays, [{ id: 3, invoiceId: 50, amount: { amount: '2.00', code: 'USD' }, transactionId: '12345', note: 'n', type: 'Cash', date: '2025-01-02' }]);
    assert.deepEqual(await w.paymentsForInvoice(99), [{ id: 1, invoiceId: 99, amount: { amount: '1.00', code: 'USD' }, transactionId: '', note: '', type: 'Cash', date: '2025-01-01' }]);

    assert.deepEqual(await w.findCreditNote('CN-1'), { id: 90, creditNumber: 'CN-1', amount: { amount: '3.00', code: 'USD' } });
  });

  it('a reply it cannot read is an error, not an empty result', async () => {
    const saved = data.invoices!;
    data.invoices = [{ id: 1, invoice_number: 'BC-1' }];
    try {
      await assert.rejects(stubWriter().findInvoiceByNumber('BC-1'), (e: unknown) => e instanceof FreshBooksApiError && /unexpected shape/.test(e.message));
    } finally {
      data.invoices = saved;
    }
  });
});
