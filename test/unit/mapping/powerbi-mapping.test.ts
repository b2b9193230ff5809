import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FreshBooksEntity } from '../../../common/freshbooks-entities';
import { mapRecord, type MapContext } from '../../../mapping/freshbooks';
import {
  POWERBI_DIMENSION_ENTITIES,
  POWERBI_FACT_ENTITIES,
  POWERBI_TABLES,
  compareSchema,
  datasetDefinition,
  describeMismatch,
  mapToPowerBi,
  powerBiTablesFor,
  tombstoneFor,
  type PowerBiRow,
  type PowerBiTableKey,
} from '../../../mapping/powerbi';

// ---- fixtures: shaped like sandbox/freshbooks/render.ts output -------------------------------------
const ACCOUNT = 'xZNQ1X';
const ctx: MapContext = { accountId: ACCOUNT, businessId: 6543, syncedAt: '2024-05-01T12:00:00Z', batchId: 'batch-7' };
const cad = (amount: string) => ({ amount, code: 'CAD' });
const usd = (amount: string) => ({ amount, code: 'USD' });

function invoiceLine(lineid: number, name: string, qty: string, unit: string, amount: string, updated: string): Record<string, unknown> {
  return {
    lineid, invoiceid: 1001, type: 0, name, description: `${name} work`, qty,
    unit_cost: cad(unit), amount: cad(amount),
    taxName1: 'HST', taxAmount1: '13', taxName2: '', taxAmount2: '0', taxNumber1: null, taxNumber2: null,
    compounded_tax: false, expenseid: 0, basecampid: 0, taskno: lineid, retainer_id: null, retainer_period_id: null,
    date: null, updated,
  };
}

/** An invoice as renderInvoice writes it with include[]=lines; `updated` is Eastern wall time. */
function invoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const updated = (overrides.updated as string | undefined) ?? '2024-03-10 03:30:00';
  return {
    id: 1001, invoiceid: 1001, accountid: ACCOUNT, accounting_systemid: ACCOUNT,
    invoice_number: '0000042', customerid: 77, ownerid: 1, estimateid: 0, basecampid: 0, parent: 0, sentid: 1,
    po_number: 'PO-9', create_date: '2024-03-09', due_date: '2024-04-08', due_offset_days: 30,
    created_at: '2024-03-09 10:00:00', updated, date_paid: null, generation_date: null, fulfillment_date: null,
    currency_code: 'CAD', amount: cad('1222.50'), outstanding: cad('1000.00'), paid: cad('222.50'),
    discount_total: cad('0.00'), discount_value: '0', discount_description: null, deposit_amount: null, deposit_percentage: null,
    status: 2, v3_status: 'sent', display_status: 'sent', payment_status: 'partial', deposit_status: 'none',
    autobill_status: null, auto_bill: false, dispute_status: null, last_order_status: null, ext_archive: 0, vis_state: 0,
    fname: 'Gavin', lname: 'Belson', organization: 'Hooli', current_organization: 'Hooli', email: 'gavin@hooli.example',
    address: '', street: '174 Spadina Avenue', street2: '', city: 'Toronto', province: 'Ontario', country: 'Canada', code: 'M5V0P3',
    vat_name: null, vat_number: '', description: '', notes: 'Thanks!', terms: null, template: 'clean-grouped', language: 'en',
    payment_details: '', return_uri: null, show_attachments: false, gmail: false,
    lines: [invoiceLine(1, 'Design', '1.5', '500.00', '750.00', updated), invoiceLine(2, 'Hosting', '1', '472.50', '472.50', updated)],
    ...overrides,
  };
}

function bill(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 5005, bill_number: 'B-17', vendorid: 31,
    vendor: { vendorid: 31, vendor_name: 'IKEA', currency_code: 'USD', updated_at: '2021-06-17 12:08:25', vis_state: 0 },
    issue_date: '2021-09-01', due_date: '2021-09-26', due_offset_days: 25, currency_code: 'USD', language: 'en', status: 'partial',
    amount: usd('1500.00'), tax_amount: usd('195.00'), total_amount: usd('1695.00'), paid: usd('700.00'), outstanding: usd('995.00'),
    overall_category: 'Equipment', overall_description: 'Raw material', attachment: null,
    lines: [
      { list_index: 1, categoryid: 3696445, category: 'Equipment', description: 'Raw material', quantity: 10, unit_cost: usd('15.00'), amount: usd('150.00'), tax_name1: 'HST', tax_percent1: '13', tax_authorityid1: null, tax_amount1: usd('19.50'), tax_name2: null, tax_percent2: null, tax_authorityid2: null, tax_amount2: null, total_amount: usd('169.50') },
      { list_index: 2, categoryid: 3696446, category: 'Shipping', description: 'Freight', quantity: 1, unit_cost: usd('1350.00'), amount: usd('1350.00'), tax_name1: 'HST', tax_percent1: '13', tax_authorityid1: null, tax_amount1: usd('175.50'), tax_name2: null, tax_percent2: null, tax_authorityid2: null, tax_amount2: null, total_amount: usd('1525.50') },
    ],
    bill_payments: [
      { id: 901, billid: 5005, amount: usd('500.00'), paid_date: '2021-09-10', payment_type: 'Check', note: null, vis_state: 0 },
      { id: 902, billid: 5005, amount: usd('200.00'), paid_date: '2021-09-20', payment_type: 'Bank Transfer', note: 'wire', vis_state: 0 },
    ],
    created_at: '2021-09-01 15:30:29', updated_at: '2021-09-20 18:05:00', vis_state: 0,
    ...overrides,
  };
}

const payment: Record<string, unknown> = {
  id: 3003, logid: 3003, accounting_systemid: ACCOUNT, invoiceid: 1001, clientid: 77, amount: cad('222.50'), date: '2024-03-12',
  type: 'Credit Card', note: 'deposit', gateway: 'stripe', transactionid: 'ch_123', from_credit: false, creditid: null,
  overpaymentid: null, orderid: null, bulk_paymentid: null, send_client_notification: false, updated: '2024-03-12 09:15:00', vis_state: 0,
};

const expense: Record<string, unknown> = {
  id: 4004, expenseid: 4004, accounting_systemid: ACCOUNT, categoryid: 3012676, staffid: 1, clientid: 0, projectid: 0, invoiceid: null,
  vendor: 'Pizza Place', date: '2024-01-15', amount: usd('113.00'), taxName1: 'HST', taxPercent1: '13', taxAmount1: usd('13.00'),
  taxName2: null, taxPercent2: 0, taxAmount2: null, compounded_tax: false, status: 4, notes: 'Team lunch', markup_percent: '0',
  account_name: '', accountid: null, bank_name: '', transactionid: null, profileid: null, ext_invoiceid: 0, ext_systemid: 0,
  from_bulk_import: false, has_receipt: false, include_receipt: false, is_cogs: false, isduplicate: false,
  updated: '2024-01-15 20:00:00', vis_state: 0,
};

const client: Record<string, unknown> = {
  id: 77, userid: 77, accounting_systemid: ACCOUNT, organization: '', fname: 'Gavin', lname: 'Belson', email: 'gavin@hooli.example',
  currency_code: 'CAD', language: 'en', signup_date: '2023-01-02 03:04:05', updated: '2024-07-01 12:00:00', vis_state: 2,
};

const account: Record<string, unknown> = {
  id: 12, accountid: 12, account_name: 'Cash', account_number: '1000', account_type: 'asset', balance: '2500.75', currency_code: 'CAD',
  created_at: '2020-01-01 00:00:00',
  sub_accounts: [
    { id: 12, sub_accountid: 12, parentid: 12, account_sub_name: 'Petty cash', account_sub_number: '1000-1', account_type: 'asset', balance: '0', currency_code: 'CAD', custom: true, transaction_posted: false },
    { id: 13, sub_accountid: 13, parentid: 12, account_sub_name: 'Chequing', account_sub_number: '1000-2', account_type: 'asset', balance: '10.5', currency_code: 'CAD', custom: false, transaction_posted: false },
  ],
};

// ---- checkers ---------------------------------------------------------------------------------------
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Keys exactly the table's columns, in order; every value null or of the column's type; flags never null. */
function assertRowsMatchSchema(rows: PowerBiRow[]): void {
  for (const { table, row } of rows) {
    const spec = POWERBI_TABLES[table];
    assert.ok(spec, `unknown table ${table}`);
    assert.deepEqual(Object.keys(row), spec.columns.map((c) => c.name), `${table} keys`);
    for (const c of spec.columns) {
      const v = row[c.name];
      const where = `${table}.${c.name} = ${JSON.stringify(v)}`;
      if (c.name === 'IsDeleted' || c.name === 'IsArchived' || c.name === 'IsSubAccount') assert.equal(typeof v, 'boolean', where);
      if (v === null) continue;
      switch (c.dataType) {
        case 'Int64': assert.ok(typeof v === 'number' && Number.isSafeInteger(v), where); break;
        case 'Double': assert.ok(typeof v === 'number' && Number.isFinite(v), where); break;
        case 'Boolean': assert.equal(typeof v, 'boolean', where); break;
        case 'DateTime': assert.ok(typeof v === 'string' && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v)), where); break;
        case 'String': assert.ok(typeof v === 'string' && v.length <= 4000 && !LONE_SURROGATE.test(v), where); break;
        default: assert.fail(`unknown dataType ${String(c.dataType)}`);
      }
    }
  }
}

function rowsOf(rows: PowerBiRow[], table: PowerBiTableKey): Record<string, unknown>[] {
  return rows.filter((r) => r.table === table).map((r) => r.row);
}

const pbi = (entity: FreshBooksEntity, record: Record<string, unknown>) => {
  const rows = mapToPowerBi(entity, record, ctx);
  assertRowsMatchSchema(rows);
  return rows;
};

// ---- tests ------------------------------------------------------------------------------------------
describe('mapToPowerBi: invoices', () => {
  test('invoice with two CAD lines: values, UTC across the spring-forward boundary, lines tied to the version', () => {
    const rows = pbi('invoices', invoice());
    const [inv] = rowsOf(rows, 'Invoices');
    const lines = rowsOf(rows, 'InvoiceLines');
    assert.equal(rowsOf(rows, 'Invoices').length, 1);
    assert.equal(lines.length, 2);
    assert.equal(inv.TransactionId, `invoice:${ACCOUNT}:1001`);
    assert.equal(inv.InvoiceId, 1001);
    assert.equal(inv.InvoiceNumber, '0000042');
    assert.equal(inv.ClientId, 77);
    assert.equal(inv.ClientName, 'Hooli');
    assert.equal(inv.Amount, 1222.5);
    assert.equal(inv.Outstanding, 1000);
    assert.equal(inv.Paid, 222.5);
    assert.equal(inv.Currency, 'CAD');
    assert.equal(inv.IssueDate, '2024-03-09T00:00:00Z');
    assert.equal(inv.DueDate, '2024-04-08T00:00:00Z');
    assert.equal(inv.DatePaid, null);
    assert.equal(inv.Status, 'sent');
    assert.equal(inv.StatusCode, 2);
    assert.equal(inv.PaymentStatus, 'partial');
    assert.equal(inv.PoNumber, 'PO-9');
    // 03:30 on 2024-03-10 is EDT (UTC-4); 01:30 the same night is still EST (UTC-5).
    assert.equal(inv.UpdatedAt, '2024-03-10T07:30:00.000Z');
    const [before] = rowsOf(mapToPowerBi('invoices', invoice({ updated: '2024-03-10 01:30:00' }), ctx), 'Invoices');
    assert.equal(before.UpdatedAt, '2024-03-10T06:30:00.000Z');
    const [autumn] = rowsOf(mapToPowerBi('invoices', invoice({ updated: '2024-11-04 09:00:00' }), ctx), 'Invoices');
    assert.equal(autumn.UpdatedAt, '2024-11-04T14:00:00.000Z');
    assert.notEqual(before.Version, inv.Version);
    assert.equal(inv.SyncedAt, '2024-05-01T12:00:00.000Z');
    assert.equal(inv.BatchId, 'batch-7');
    assert.equal(inv.AccountId, ACCOUNT);
    assert.equal(inv.BusinessId, 6543);
    assert.equal(inv.IsDeleted, false);
    assert.equal(inv.IsArchived, false);

    assert.deepEqual(lines.map((l) => l.TransactionId), [`invoice_line:${ACCOUNT}:1001:1`, `invoice_line:${ACCOUNT}:1001:2`]);
    for (const l of lines) {
      assert.equal(l.ParentVersion, inv.Version);
      assert.equal(l.InvoiceId, 1001);
      assert.equal(l.UpdatedAt, inv.UpdatedAt);
      assert.equal(l.Currency, 'CAD');
    }
    assert.equal(lines[0].ItemName, 'Design');
    assert.equal(lines[0].Quantity, 1.5);
    assert.equal(lines[0].UnitCost, 500);
    assert.equal(lines[0].Amount, 750);
    assert.equal(lines[0].TaxName1, 'HST');
    assert.equal(lines[0].TaxPercent1, 13);
    assert.equal(lines[0].TaxName2, '');
    assert.equal(lines[0].ExpenseId, null, 'expenseid 0 means none');
    assert.equal(lines[1].Amount, 472.5);
    assert.notEqual(lines[0].Version, lines[1].Version);
  });

  test('Version equals the BigQuery mapping _version, for records and lines', () => {
    const record = invoice();
    const bq = mapRecord('invoices', record, ctx);
    const rows = mapToPowerBi('invoices', record, ctx);
    assert.equal(rowsOf(rows, 'Invoices')[0].Version, bq.find((r) => r.table === 'invoices')?.row.json._version);
    assert.deepEqual(
      rowsOf(rows, 'InvoiceLines').map((l) => l.Version),
      bq.filter((r) => r.table === 'invoice_lines').map((r) => r.row.json._version),
    );
    for (const [entity, rec, table] of [['payments', payment, 'Payments'], ['expenses', expense, 'Expenses'], ['bills', bill(), 'Bills']] as const) {
      const version = mapRecord(entity, rec, ctx)[0].row.json._version;
      assert.equal(typeof version, 'string');
      assert.equal(rowsOf(mapToPowerBi(entity, rec, ctx), table)[0].Version, version, entity);
    }
  });

  test('soft-deleted and archived invoices; lines inherit the flags; person name when no organization', () => {
    const deleted = pbi('invoices', invoice({ vis_state: 1, organization: '' }));
    for (const { row } of deleted) assert.equal(row.IsDeleted, true);
    assert.equal(rowsOf(deleted, 'Invoices')[0].ClientName, 'Gavin Belson');
    const archived = pbi('invoices', invoice({ vis_state: 2 }));
    for (const { row } of archived) {
      assert.equal(row.IsArchived, true);
      assert.equal(row.IsDeleted, false);
    }
  });

  test('notes over 4,000 characters are cut to the limit, ending in an ellipsis, never splitting a surrogate pair', () => {
    const long = 'x'.repeat(5000);
    const [row] = rowsOf(pbi('expenses', { ...expense, notes: long }), 'Expenses');
    const notes = row.Notes as string;
    assert.ok(notes.length <= 4000);
    assert.ok(notes.length >= 3990);
    assert.ok(notes.endsWith('\u2026'));
    assert.ok(long.startsWith(notes.slice(0, -1)));

    const emoji = '\u{1F600}'.repeat(2500); // 5000 UTF-16 units; a cut after 3999 units would split a pair
    const [e] = rowsOf(pbi('expenses', { ...expense, notes: emoji }), 'Expenses');
    const cut = e.Notes as string;
    assert.ok(cut.length <= 4000);
    assert.ok(!LONE_SURROGATE.test(cut));
    assert.ok(cut.endsWith('\u2026'));
    const exact = 'y'.repeat(4000);
    assert.equal(rowsOf(pbi('expenses', { ...expense, notes: exact }), 'Expenses')[0].Notes, exact, 'exactly 4,000 is kept whole');
  });
});

describe('mapToPowerBi: other entities', () => {
  test('bill with two bill payments -> Bills + 2 BillPayments tied to the bill version', () => {
    const rows = pbi('bills', bill());
    const bills = rowsOf(rows, 'Bills');
    const pays = rowsOf(rows, 'BillPayments');
    assert.equal(bills.length, 1);
    assert.equal(pays.length, 2);
    const [b] = bills;
    assert.equal(b.TransactionId, `bill:${ACCOUNT}:5005`);
    assert.equal(b.BillId, 5005);
    assert.equal(b.BillNumber, 'B-17');
    assert.equal(b.VendorId, 31);
    assert.equal(b.VendorName, 'IKEA');
    assert.equal(b.TotalAmount, 1695);
    assert.equal(b.Outstanding, 995);
    assert.equal(b.Currency, 'USD');
    assert.equal(b.Status, 'partial');
    assert.equal(b.CategoryId, 3696445);
    assert.equal(b.CategoryName, 'Equipment');
    assert.equal(b.IssueDate, '2021-09-01T00:00:00Z');
    assert.equal(b.UpdatedAt, '2021-09-20T18:05:00.000Z', 'bill updated_at is already UTC');
    assert.deepEqual(pays.map((p) => p.BillPaymentId), [901, 902]);
    assert.deepEqual(pays.map((p) => p.Amount), [500, 200]);
    assert.deepEqual(pays.map((p) => p.TransactionId), [`bill_payment:${ACCOUNT}:5005:901`, `bill_payment:${ACCOUNT}:5005:902`]);
    for (const p of pays) {
      assert.equal(p.BillId, 5005);
      assert.equal(p.ParentVersion, b.Version);
      assert.equal(p.Currency, 'USD');
    }
    assert.equal(pays[1].PaidDate, '2021-09-20T00:00:00Z');
    assert.equal(pays[1].PaymentType, 'Bank Transfer');
    assert.equal(pays[1].Note, 'wire');
    // A deleted bill payment inside a live bill is deleted on its own.
    const withDeleted = bill({ bill_payments: [{ ...(bill().bill_payments as Record<string, unknown>[])[0], vis_state: 1 }] });
    const [p] = rowsOf(pbi('bills', withDeleted), 'BillPayments');
    assert.equal(p.IsDeleted, true);
  });

  test('payment and expense values', () => {
    const [p] = rowsOf(pbi('payments', payment), 'Payments');
    assert.equal(p.PaymentId, 3003);
    assert.equal(p.InvoiceId, 1001);
    assert.equal(p.Amount, 222.5);
    assert.equal(p.Currency, 'CAD', 'from the amount code: payments have no currency_code');
    assert.equal(p.Date, '2024-03-12T00:00:00Z');
    assert.equal(p.TransactionRef, 'ch_123');
    assert.equal(p.UpdatedAt, '2024-03-12T13:15:00.000Z');
    const [e] = rowsOf(pbi('expenses', expense), 'Expenses');
    assert.equal(e.ExpenseId, 4004);
    assert.equal(e.Status, 'recouped');
    assert.equal(e.StatusCode, 4);
    assert.equal(e.CategoryId, 3012676);
    assert.equal(e.ClientId, null, 'clientid 0 means none');
    assert.equal(e.TaxAmount1, 13);
    assert.equal(e.Amount, 113);
    assert.equal(e.UpdatedAt, '2024-01-16T01:00:00.000Z');
  });

  test('dimensions: clients and chart of accounts with sub accounts as rows', () => {
    const [c] = rowsOf(pbi('clients', client), 'Clients');
    assert.equal(c.ClientId, 77);
    assert.equal(c.ClientName, 'Gavin Belson');
    assert.equal(c.IsArchived, true);
    assert.equal(c.UpdatedAt, '2024-07-01T16:00:00.000Z');
    const rows = pbi('accounts', account);
    const coa = rowsOf(rows, 'ChartOfAccounts');
    assert.equal(rows.length, 3);
    assert.deepEqual(coa.map((r) => r.AccountKey), ['account:12', 'sub_account:12', 'sub_account:13']);
    assert.equal(new Set(coa.map((r) => r.AccountKey)).size, 3);
    assert.equal(coa[0].Balance, 2500.75);
    assert.equal(coa[0].ParentAccountId, null);
    assert.equal(coa[0].IsSubAccount, false);
    assert.equal(coa[2].AccountName, 'Chequing');
    assert.equal(coa[2].AccountNumber, '1000-2');
    assert.equal(coa[2].ParentAccountId, 12);
    assert.equal(coa[2].IsSubAccount, true);
    assert.equal(coa[2].Currency, 'CAD');
  });

  test('entities without a Power BI table give no rows; table lookup and entity lists', () => {
    assert.deepEqual(mapToPowerBi('items', { id: 1, name: 'Widget', updated: '2024-01-01 00:00:00' }, ctx), []);
    assert.deepEqual(mapToPowerBi('bill_vendors', { vendorid: 1 }, ctx), []);
    assert.deepEqual(powerBiTablesFor('invoices').map((t) => t.name), ['Invoices', 'InvoiceLines']);
    assert.deepEqual(powerBiTablesFor('bills').map((t) => t.name), ['Bills', 'BillPayments']);
    assert.deepEqual(powerBiTablesFor('expense_categories'), []);
    assert.deepEqual([...POWERBI_FACT_ENTITIES].sort(), ['bills', 'credit_notes', 'expenses', 'invoices', 'journal_entry_details', 'other_incomes', 'payments', 'time_entries']);
    assert.deepEqual([...POWERBI_DIMENSION_ENTITIES].sort(), ['accounts', 'clients', 'projects', 'services']);
    for (const t of Object.values(POWERBI_TABLES)) {
      assert.equal(t.kind === 'fact', POWERBI_FACT_ENTITIES.includes(t.entity), t.name);
    }
  });

  test('mapping is deterministic', () => {
    assert.deepEqual(mapToPowerBi('invoices', invoice(), ctx), mapToPowerBi('invoices', invoice(), ctx));
  });
});

describe('tombstoneFor', () => {
  test('a hard-deleted invoice: main row only, id and identity set, record columns null', () => {
    const rows = tombstoneFor('invoices', 1001, { ...ctx, deletedAt: '2024-06-01T10:00:00Z' });
    assertRowsMatchSchema(rows);
    assert.equal(rows.length, 1);
    const [{ table, row }] = rows;
    assert.equal(table, 'Invoices');
    assert.equal(row.TransactionId, `invoice:${ACCOUNT}:1001`);
    assert.equal(row.TransactionId, rowsOf(mapToPowerBi('invoices', invoice(), ctx), 'Invoices')[0].TransactionId);
    assert.equal(row.Version, 'deleted:2024-06-01T10:00:00.000Z');
    assert.equal(row.InvoiceId, 1001);
    assert.equal(row.IsDeleted, true);
    assert.equal(row.IsArchived, false);
    assert.equal(row.UpdatedAt, '2024-06-01T10:00:00.000Z');
    assert.equal(row.AccountId, ACCOUNT);
    const identity = new Set(['TransactionId', 'Version', 'InvoiceId', 'IsDeleted', 'IsArchived', 'UpdatedAt', 'SyncedAt', 'BatchId', 'AccountId', 'BusinessId']);
    for (const [k, v] of Object.entries(row)) if (!identity.has(k)) assert.equal(v, null, k);
    const [bt] = tombstoneFor('bills', '5005', { ...ctx, deletedAt: '2024-06-01T10:00:00Z' });
    assert.equal(bt.table, 'Bills');
    assert.equal(bt.row.BillId, 5005);
    assert.equal(bt.row.CategoryId, null);
    assert.deepEqual(tombstoneFor('clients', 77, { ...ctx, deletedAt: '2024-06-01T10:00:00Z' }), []);
  });
});

describe('datasetDefinition', () => {
  test('push dataset body within Power BI limits and with valid, unique names', () => {
    const def = datasetDefinition('FreshBooks');
    assert.equal(def.name, 'FreshBooks');
    assert.equal(def.defaultMode, 'Push');
    assert.deepEqual(def.tables.map((t) => t.name).sort(), [
      'BillPayments', 'Bills', 'ChartOfAccounts', 'Clients', 'CreditNotes', 'Expenses', 'GeneralLedger', 'InvoiceLines', 'Invoices', 'OtherIncome', 'Payments',
      'Projects', 'Services', 'TimeEntries',
    ]);
    assert.ok(def.tables.length <= 75);
    for (const t of def.tables) {
      assert.match(t.name, /^[A-Z][A-Za-z0-9]{0,99}$/);
      assert.ok(t.columns.length > 0 && t.columns.length <= 75, t.name);
      assert.equal(new Set(t.columns.map((c) => c.name)).size, t.columns.length, `${t.name} duplicate column`);
      for (const c of t.columns) {
        assert.match(c.name, /^[A-Z][A-Za-z0-9]{0,99}$/);
        assert.ok(['Int64', 'Double', 'Boolean', 'DateTime', 'String'].includes(c.dataType), `${t.name}.${c.name}`);
        assert.deepEqual(Object.keys(c), ['name', 'dataType']);
      }
    }
    const facts = def.tables.filter((t) => POWERBI_TABLES[t.name as PowerBiTableKey].kind === 'fact');
    for (const t of facts) {
      for (const name of ['TransactionId', 'Version', 'UpdatedAt', 'SyncedAt', 'BatchId', 'IsDeleted', 'IsArchived', 'AccountId', 'BusinessId']) {
        assert.ok(t.columns.some((c) => c.name === name), `${t.name}.${name}`);
      }
    }
    assert.deepEqual(JSON.parse(JSON.stringify(def)), def, 'plain JSON');
  });
});

describe('compareSchema', () => {
  const actualFromDefinition = () => datasetDefinition('x').tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ ...c })) as { name: string; dataType: string }[] }));

  test('matching dataset (with an extra table) gives no mismatch', () => {
    const actual = [...actualFromDefinition(), { name: 'MyOwnTable', columns: [{ name: 'X', dataType: 'String' }] }];
    assert.deepEqual(compareSchema(undefined, actual), []);
    assert.equal(describeMismatch([]), 'The Power BI dataset matches the expected schema.');
  });

  test('missing table, missing and unexpected columns, type mismatch; bool is Boolean; case rules', () => {
    const actual = actualFromDefinition().filter((t) => t.name !== 'Expenses');
    const payments = actual.find((t) => t.name === 'Payments')!;
    payments.columns = payments.columns.filter((c) => c.name !== 'TransactionRef');
    payments.columns.push({ name: 'Gateway', dataType: 'String' });
    payments.columns.find((c) => c.name === 'Amount')!.dataType = 'String';
    payments.columns.find((c) => c.name === 'IsDeleted')!.dataType = 'bool';
    payments.columns.find((c) => c.name === 'PaymentId')!.dataType = 'int64';
    const invoices = actual.find((t) => t.name === 'Invoices')!;
    invoices.columns.find((c) => c.name === 'ClientName')!.name = 'clientname'; // names are case-sensitive

    const result = compareSchema(undefined, actual);
    assert.deepEqual(result.map((m) => m.table).sort(), ['Expenses', 'Invoices', 'Payments']);
    const exp = result.find((m) => m.table === 'Expenses')!;
    assert.equal(exp.missingTable, true);
    const pay = result.find((m) => m.table === 'Payments')!;
    assert.equal(pay.missingTable, undefined);
    assert.deepEqual(pay.missingColumns, ['TransactionRef']);
    assert.deepEqual(pay.unexpectedColumns, ['Gateway']);
    assert.deepEqual(pay.typeMismatches, [{ column: 'Amount', expected: 'Double', actual: 'String' }]);
    const inv = result.find((m) => m.table === 'Invoices')!;
    assert.deepEqual(inv.missingColumns, ['ClientName']);
    assert.deepEqual(inv.unexpectedColumns, ['clientname']);

    const text = describeMismatch(result);
    assert.ok(!text.includes('\n'));
    for (const fragment of ['Expenses is missing', 'Payments', 'TransactionRef', 'Gateway', 'Amount is String, expected Double', 'ClientName']) {
      assert.ok(text.includes(fragment), `${fragment} in: ${text}`);
    }
  });

  test('tables listed without columns are only checked for presence', () => {
    const actual = Object.values(POWERBI_TABLES).map((t) => ({ name: t.name }));
    assert.deepEqual(compareSchema(undefined, actual), []);
    const onlySome = compareSchema(undefined, [{ name: 'Invoices' }]);
    assert.equal(onlySome.length, 7);
    assert.ok(onlySome.every((m) => m.missingTable === true));
  });

  test('explicit expected list', () => {
    const expected = [{ name: 'T', columns: [{ name: 'A', dataType: 'Double' as const }, { name: 'B', dataType: 'Boolean' as const }] }];
    assert.deepEqual(compareSchema(expected, [{ name: 'T', columns: [{ name: 'A', dataType: 'DOUBLE' }, { name: 'B', dataType: 'Bool' }] }]), []);
    assert.deepEqual(compareSchema(expected, [{ name: 'T', columns: [{ name: 'A', dataType: 'Int64' }] }]), [
      { table: 'T', missingColumns: ['B'], unexpectedColumns: [], typeMismatches: [{ column: 'A', expected: 'Double', actual: 'Int64' }] },
    ]);
  });
});
