/**
 * FreshBooks sandbox writes, over HTTP with a token from the control API, as the BigCommerce → FreshBooks
 * integration will use them (reference/freshbooks.md §3.1, §3.2, §6, §9.9, §9.10): invoice numbering and the
 * 409 on concurrent numberless creates, look-up-before-create filters, draft → sent, line/discount arithmetic,
 * payments settling invoices, credit notes, and webhooks/stats for every write.
 */
import assert from 'node:assert/strict';
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
let clientId: number;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/accounting/account/${accountId}/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/_sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const result = (r: { body: Json }) => r.body.response.result;

async function createInvoice(fields: Json = {}): Promise<{ status: number; body: Json }> {
  return api('POST', 'invoices/invoices', {
    invoice: { customerid: clientId, create_date: '2025-06-15', lines: [{ type: 0, name: 'Tent', qty: 1, unit_cost: { amount: '100.00' } }], ...fields },
  });
}

const invoiceCount = () => sandbox.state.list(accountId, 'invoices', { 'search[vis_state]': '0' }).total + sandbox.state.list(accountId, 'invoices', { 'search[vis_state]': '1' }).total + sandbox.state.list(accountId, 'invoices', { 'search[vis_state]': '2' }).total;

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 11, now: NOW, accessTokenTtlSec: 400 * 86_400 });
  ({ url, close } = await sandbox.listen());
  token = (await control('POST', '/tokens')).body.access_token;
  assert.ok(token, 'control API issues a token');
  accountId = (await control('GET', '')).body.accountIds[0];
  clientId = sandbox.state.list(accountId, 'clients', { per_page: '1' }).items[0]!.id as number;
});

after(async () => {
  await close();
});

beforeEach(() => {
  sandbox.state.clearFaults();
});

describe('invoice numbers', () => {
  it('a create without invoice_number takes the previous number plus one, keeping zero padding', async () => {
    const given = await createInvoice({ invoice_number: '0005' });
    assert.equal(given.status, 200);
    assert.equal(result(given).invoice.invoice_number, '0005');
    const next = await createInvoice();
    assert.equal(next.status, 200);
    assert.equal(result(next).invoice.invoice_number, '0006');
    await createInvoice({ invoice_number: 'INV-0099' });
    assert.equal(result(await createInvoice()).invoice.invoice_number, 'INV-0100');
    assert.equal(result(await createInvoice()).invoice.invoice_number, 'INV-0101');
  });

  it('a forced conflict answers 409 in the accounting error shape, creates nothing, and a retry succeeds', async () => {
    await createInvoice({ invoice_number: '0041' });
    const before = invoiceCount();
    sandbox.state.injectInvoiceNumberConflicts(1);
    // A create WITH a number never collides and does not consume the forced conflict.
    const numbered = await createInvoice({ invoice_number: 'BC-500' });
    assert.equal(numbered.status, 200);
    await createInvoice({ invoice_number: '0041' }); // duplicate on purpose: accepted (reference says nothing)
    const conflict = await createInvoice();
    assert.equal(conflict.status, 409);
    const err = conflict.body.response.errors[0];
    assert.equal(err.errno, 409);
    assert.equal(err.field, 'invoice_number');
    assert.equal(err.object, 'invoice');
    assert.equal(invoiceCount(), before + 2, 'the 409 created nothing');
    const retry = await createInvoice();
    assert.equal(retry.status, 200);
    assert.equal(result(retry).invoice.invoice_number, '0042');
    assert.equal(sandbox.state.statsSnapshot().invoiceNumberConflicts >= 1, true);
  });

  it('the control API can force conflicts too, and clearFaults removes them', async () => {
    await control('POST', '/faults', { invoiceNumberConflicts: 2 });
    assert.equal((await createInvoice()).status, 409);
    await control('DELETE', '/faults');
    assert.equal((await createInvoice()).status, 200);
  });

  it('two truly concurrent numberless creates: one gets 409; sequential and numbered creates never collide', async () => {
    await control('POST', '/faults', { invoiceNumberRaceWindowMs: 150 });
    await createInvoice({ invoice_number: '0700' });
    const before = invoiceCount();
    const both = await Promise.all([createInvoice(), createInvoice()]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
    const winner = both.find((r) => r.status === 200)!;
    assert.equal(result(winner).invoice.invoice_number, '0701');
    assert.equal(both.find((r) => r.status === 409)!.body.response.errors[0].errno, 409);
    assert.equal(invoiceCount(), before + 1);
    const retry = await createInvoice();
    assert.equal(retry.status, 200);
    assert.equal(result(retry).invoice.invoice_number, '0702');
    // Sequential creates, each awaiting its reply, do not overlap.
    assert.equal((await createInvoice()).status, 200);
    assert.equal((await createInvoice()).status, 200);
    // Concurrent creates that carry their own numbers never collide.
    const numbered = await Promise.all([createInvoice({ invoice_number: 'BC-1' }), createInvoice({ invoice_number: 'BC-2' })]);
    assert.deepEqual(numbered.map((r) => r.status), [200, 200]);
  });

  it('without the overlap option, concurrent numberless creates all succeed with distinct numbers', async () => {
    const many = await Promise.all([createInvoice(), createInvoice(), createInvoice()]);
    assert.deepEqual(many.map((r) => r.status), [200, 200, 200]);
    assert.equal(new Set(many.map((r) => result(r).invoice.invoice_number)).size, 3);
  });

  it('looks an invoice up by search[invoice_number] before creating', async () => {
    const created = result(await createInvoice({ invoice_number: 'BC-100234' })).invoice;
    const hit = await api('GET', 'invoices/invoices?search[invoice_number]=BC-100234');
    assert.equal(hit.status, 200);
    assert.equal(result(hit).total, 1);
    assert.equal(result(hit).invoices[0].id, created.id);
    const miss = await api('GET', 'invoices/invoices?search[invoice_number]=BC-999999');
    assert.equal(result(miss).total, 0);
    assert.deepEqual(result(miss).invoices, []);
    // A prefix is not a match for the equality filter; the _like operator finds it.
    assert.equal(result(await api('GET', 'invoices/invoices?search[invoice_number]=BC-10023')).total, 0);
    assert.equal(result(await api('GET', 'invoices/invoices?search[invoice_number_like]=bc-10023')).total, 1);
    // Deleted invoices are hidden unless asked for (§3.2).
    await api('PUT', `invoices/invoices/${created.id}`, { invoice: { vis_state: 1 } });
    assert.equal(result(await api('GET', 'invoices/invoices?search[invoice_number]=BC-100234')).total, 0);
    assert.equal(result(await api('GET', 'invoices/invoices?search[invoice_number]=BC-100234&search[vis_state]=1')).total, 1);
  });
});

describe('invoice lifecycle and arithmetic', () => {
  it('new invoices are drafts; action_mark_as_sent moves them to sent once, and repeating it is harmless', async () => {
    const inv = result(await createInvoice({ notes: 'order 77' })).invoice;
    assert.equal(inv.status, 1);
    assert.equal(inv.v3_status, 'draft');
    const sent = await api('PUT', `invoices/invoices/${inv.id}`, { invoice: { action_mark_as_sent: true, notes: 'dropped' } });
    assert.equal(sent.status, 200);
    assert.equal(result(sent).invoice.status, 2);
    assert.equal(result(sent).invoice.v3_status, 'sent');
    assert.equal(result(sent).invoice.display_status, 'sent');
    assert.equal(result(sent).invoice.notes, 'order 77', 'an action_* PUT drops the other fields (§9.7)');
    const again = await api('PUT', `invoices/invoices/${inv.id}`, { invoice: { action_mark_as_sent: true } });
    assert.equal(again.status, 200);
    assert.equal(result(again).invoice.status, 2);
    assert.equal(result(again).invoice.v3_status, 'sent');
    const fetched = await api('GET', `invoices/invoices/${inv.id}`);
    assert.equal(result(fetched).invoice.status, 2);
  });

  it('computes line amounts, two per-line taxes, and an invoice-level discount to the cent', async () => {
    const lines = [
      { type: 0, name: 'Stove', qty: '3', unit_cost: { amount: '19.99', code: 'USD' }, taxName1: 'GST', taxAmount1: '5', taxName2: 'PST', taxAmount2: '7' },
      { type: 0, name: 'Fuel', qty: '0.5', unit_cost: { amount: '10.01', code: 'USD' } },
    ];
    const plain = result(await api('POST', 'invoices/invoices?include[]=lines', { invoice: { customerid: clientId, currency_code: 'USD', lines } })).invoice;
    assert.equal(plain.lines[0].amount.amount, '59.97');
    assert.equal(plain.lines[0].taxAmount1, '5');
    assert.equal(plain.lines[0].taxName2, 'PST');
    assert.equal(plain.lines[1].amount.amount, '5.01', '0.5 × 10.01 = 5.005 → 5.01');
    // 59.97 + 5.01 + GST 3.00 (2.9985) + PST 4.20 (4.1979)
    assert.equal(plain.amount.amount, '72.18');
    assert.equal(plain.outstanding.amount, '72.18');
    assert.equal(plain.discount_total.amount, '0.00');

    const discounted = result(await api('POST', 'invoices/invoices', { invoice: { customerid: clientId, currency_code: 'USD', discount_value: '10', lines } })).invoice;
    // Line 1: 59.97 − 6.00 = 53.97, GST 2.70, PST 3.78; line 2: 5.01 − 0.50 = 4.51.
    assert.equal(discounted.discount_value, '10');
    assert.equal(discounted.discount_total.amount, '6.50');
    assert.equal(discounted.amount.amount, '64.96');
    const badPct = await api('POST', 'invoices/invoices', { invoice: { customerid: clientId, discount_value: 'ten', lines } });
    assert.equal(badPct.status, 422);
    assert.equal(badPct.body.response.errors[0].errno, 1018);
  });
});

describe('payments', () => {
  it('a payment makes the invoice partial, a second one paid, with paid/outstanding to the cent', async () => {
    const inv = result(await createInvoice({ invoice_number: 'BC-PAY-1', currency_code: 'USD', lines: [{ name: 'Pack', qty: 3, unit_cost: { amount: '33.37' } }] })).invoice;
    assert.equal(inv.amount.amount, '100.11');
    await api('PUT', `invoices/invoices/${inv.id}`, { invoice: { action_mark_as_sent: true } });

    const first = await api('POST', 'payments/payments', {
      payment: { invoiceid: inv.id, amount: { amount: '33.37', code: 'USD' }, date: '2025-06-14', type: 'Credit Card', note: 'BC order 100', transactionid: 'bc-txn-1' },
    });
    assert.equal(first.status, 200);
    const p = result(first).payment;
    assert.equal(p.invoiceid, inv.id);
    assert.equal(p.clientid, clientId);
    assert.equal(p.amount.amount, '33.37');
    assert.equal(p.transactionid, 'bc-txn-1');
    assert.equal(p.note, 'BC order 100');
    let now = result(await api('GET', `invoices/invoices/${inv.id}`)).invoice;
    assert.equal(now.status, 8);
    assert.equal(now.v3_status, 'partial');
    assert.equal(now.payment_status, 'partial');
    assert.equal(now.paid.amount, '33.37');
    assert.equal(now.outstanding.amount, '66.74');
    assert.equal(now.date_paid, null);

    await api('POST', 'payments/payments', { payment: { invoiceid: inv.id, amount: { amount: '66.74', code: 'USD' }, date: '2025-06-15', type: 'Credit Card' } });
    now = result(await api('GET', `invoices/invoices/${inv.id}`)).invoice;
    assert.equal(now.status, 4);
    assert.equal(now.v3_status, 'paid');
    assert.equal(now.payment_status, 'paid');
    assert.equal(now.paid.amount, '100.11');
    assert.equal(now.outstanding.amount, '0.00');
    assert.equal(now.date_paid, '2025-06-15');

    const listed = await api('GET', `payments/payments?search[invoiceid]=${inv.id}`);
    assert.equal(result(listed).total, 2);
    assert.equal(result(await api('GET', 'payments/payments?search[transactionid]=bc-txn-1')).payments[0].id, p.id);
    const missing = await api('POST', 'payments/payments', { payment: { amount: { amount: '1.00', code: 'USD' } } });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.response.errors[0].errno, 1001);
  });
});

describe('credit notes', () => {
  it('creates, gets, finds, updates and soft-deletes a credit note', async () => {
    const created = await api('POST', 'credit_notes/credit_notes', {
      credit_notes: {
        clientid: clientId,
        currency_code: 'USD',
        create_date: '2025-06-15',
        credit_type: 'goodwill',
        notes: 'BC refund 9001',
        lines: [{ name: 'Refund: Tent', qty: 1, unit_cost: { amount: '40.00', code: 'USD' }, taxName1: 'GST', taxAmount1: '5' }],
      },
    });
    assert.equal(created.status, 200);
    const cn = result(created).credit_notes;
    assert.equal(cn.creditid, cn.id);
    assert.equal(cn.clientid, clientId);
    assert.equal(cn.credit_number, '0000001');
    assert.equal(cn.currency_code, 'USD');
    assert.equal(cn.amount.amount, '42.00');
    assert.equal(cn.create_date, '2025-06-15');
    assert.equal(cn.vis_state, 0);
    assert.equal(cn.lines[0].amount.amount, '40.00');

    const second = result(await api('POST', 'credit_notes/credit_notes', { credit_note: { clientid: clientId, credit_number: 'CN-0009', lines: [] } })).credit_notes;
    assert.equal(second.credit_number, 'CN-0009');
    assert.equal(result(await api('POST', 'credit_notes/credit_notes', { credit_notes: { clientid: clientId } })).credit_notes.credit_number, 'CN-0010');

    const got = await api('GET', `credit_notes/credit_notes/${cn.id}`);
    assert.equal(got.status, 200);
    assert.equal(result(got).credit_notes.notes, 'BC refund 9001');
    assert.equal(result(got).credit_notes.lines, undefined, 'lines only with include[]=lines');
    assert.equal(result(await api('GET', `credit_notes/credit_notes/${cn.id}?include[]=lines`)).credit_notes.lines.length, 1);

    assert.equal(result(await api('GET', 'credit_notes/credit_notes?search[credit_number]=0000001')).credit_notes[0].id, cn.id);
    assert.equal(result(await api('GET', 'credit_notes/credit_notes?search[notes_like]=refund%209001')).total, 1);
    assert.equal(result(await api('GET', 'credit_notes/credit_notes?search[notes_like]=refund%209002')).total, 0);

    const upd = await api('PUT', `credit_notes/credit_notes/${cn.id}`, { credit_notes: { notes: 'BC refund 9001 (partial)' } });
    assert.equal(result(upd).credit_notes.notes, 'BC refund 9001 (partial)');
    await api('PUT', `credit_notes/credit_notes/${cn.id}`, { credit_notes: { vis_state: 1, notes: 'ignored' } });
    assert.equal(result(await api('GET', 'credit_notes/credit_notes')).total, 2);
    assert.equal(result(await api('GET', 'credit_notes/credit_notes?search[vis_state]=1')).credit_notes[0].notes, 'BC refund 9001 (partial)');

    const nf = await api('GET', 'credit_notes/credit_notes/999');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.response.errors[0].errno, 1012);
    const noClient = await api('POST', 'credit_notes/credit_notes', { credit_notes: { notes: 'x' } });
    assert.equal(noClient.status, 422);
    assert.equal(noClient.body.response.errors[0].field, 'clientid');
  });
});

describe('look-up-before-create: clients and items', () => {
  it('finds a client by search[email] (case-insensitive) and creates one when missing', async () => {
    const email = 'Hiker.Jane@example.com';
    assert.equal(result(await api('GET', `users/clients?search[email]=${encodeURIComponent(email)}`)).total, 0);
    const created = await api('POST', 'users/clients', { client: { fname: 'Jane', lname: 'Hiker', email, currency_code: 'USD' } });
    assert.equal(created.status, 200);
    const c = result(created).client;
    const found = result(await api('GET', `users/clients?search[email]=${encodeURIComponent(email.toLowerCase())}`));
    assert.equal(found.total, 1);
    assert.equal(found.clients[0].id, c.id);
    assert.equal(found.clients[0].email, email);
    assert.equal(result(await api('GET', 'users/clients?search[email]=jane@example.com')).total, 0, 'equality, not substring');
  });

  it('finds an item by search[sku] and search[name], and creates one', async () => {
    const created = await api('POST', 'items/items', { item: { name: 'Trail Tent 2P', sku: 'BC-SKU-TT2', unit_cost: { amount: '249.00', code: 'USD' }, qty: 0 } });
    assert.equal(created.status, 200);
    const item = result(created).item;
    assert.equal(item.sku, 'BC-SKU-TT2');
    const bySku = result(await api('GET', 'items/items?search[sku]=BC-SKU-TT2'));
    assert.equal(bySku.total, 1);
    assert.equal(bySku.items[0].id, item.id);
    const byName = result(await api('GET', `items/items?search[name]=${encodeURIComponent('Trail Tent 2P')}`));
    assert.equal(byName.total, 1);
    assert.equal(byName.items[0].id, item.id);
    assert.equal(result(await api('GET', 'items/items?search[sku]=BC-SKU-NOPE')).total, 0);
    const nameless = await api('POST', 'items/items', { item: { sku: 'X' } });
    assert.equal(nameless.status, 422);
    assert.equal(nameless.body.response.errors[0].errno, 1001);
  });
});

describe('webhooks and stats for writes', () => {
  it('every write fires the webhook hub and counts in stats', async () => {
    const received: string[] = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const waitUntil = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 150 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(ok(), what);
    };
    const events = () => received.map((b) => new URLSearchParams(b)).filter((f) => f.get('name') !== 'callback.verify');
    try {
      const cbBase = `${url}/events/account/${accountId}/events/callbacks`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      for (const event of ['invoice', 'payment', 'credit_note', 'client', 'item']) {
        const reg = (await (await fetch(cbBase, { method: 'POST', headers, body: JSON.stringify({ callback: { event, uri: hookUrl } }) })).json()) as Json;
        const id = String(reg.response.result.callback.callbackid);
        await waitUntil(() => received.some((b) => new URLSearchParams(b).get('object_id') === id), `verify for ${event}`);
        const verifier = new URLSearchParams(received.find((b) => new URLSearchParams(b).get('object_id') === id)!).get('verifier')!;
        await fetch(`${cbBase}/${id}`, { method: 'PUT', headers, body: JSON.stringify({ callback: { verifier } }) });
      }
      await control('POST', '/stats/reset');

      const client = result(await api('POST', 'users/clients', { client: { email: 'hook@example.com', fname: 'Hook' } })).client;
      const item = result(await api('POST', 'items/items', { item: { name: 'Hook item', sku: 'HK-1' } })).item;
      const inv = result(await createInvoice({ invoice_number: 'BC-HOOK-1', currency_code: 'USD' })).invoice;
      await api('PUT', `invoices/invoices/${inv.id}`, { invoice: { action_mark_as_sent: true } });
      const pay = result(await api('POST', 'payments/payments', { payment: { invoiceid: inv.id, amount: { amount: '10.00', code: 'USD' }, date: '2025-06-15', type: 'Cash' } })).payment;
      const cn = result(await api('POST', 'credit_notes/credit_notes', { credit_notes: { clientid: client.id, notes: 'hook' } })).credit_notes;
      await api('PUT', `credit_notes/credit_notes/${cn.id}`, { credit_notes: { vis_state: 1 } });

      const expected = [
        `client.create:${client.id}`,
        `item.create:${item.id}`,
        `invoice.create:${inv.id}`,
        `invoice.update:${inv.id}`,
        `payment.create:${pay.id}`,
        `credit_note.create:${cn.id}`,
        `credit_note.delete:${cn.id}`,
      ];
      await waitUntil(() => expected.every((e) => events().some((f) => `${f.get('name')}:${f.get('object_id')}` === e)), 'all write events delivered');
      // The payment also settles (touches) its invoice: a second invoice.update.
      assert.equal(events().filter((f) => f.get('name') === 'invoice.update' && f.get('object_id') === String(inv.id)).length, 2);
      assert.ok(events().every((f) => f.get('account_id') === accountId));

      const stats = (await control('GET', '/stats')).body;
      assert.equal(stats.writes, 7, 'side effects (invoice settled by the payment) are not writes');
      assert.deepEqual(stats.writesByEvent, {
        'client.create': 1,
        'item.create': 1,
        'invoice.create': 1,
        'invoice.update': 1,
        'payment.create': 1,
        'credit_note.create': 1,
        'credit_note.delete': 1,
      });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
