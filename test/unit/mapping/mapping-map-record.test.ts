import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FreshBooksEntity } from '../../../common/freshbooks-entities';
import {
  MAX_INSERT_ID_LENGTH,
  TABLES,
  inferExtraColumns,
  mapRecord,
  type MapContext,
  type MappedRow,
  type TableKey,
} from '../../../mapping/freshbooks';

// ---- fixtures: record shapes as FreshBooks returns them (reference/freshbooks.md §3) ---------------
const ACCOUNT = 'xZNQ1X';
const ctx: MapContext = { accountId: ACCOUNT, businessId: 6543, syncedAt: '2024-05-01T12:00:00.000Z', batchId: 'batch-1' };

const usd = (amount: string) => ({ amount, code: 'USD' });
const cad = (amount: string) => ({ amount, code: 'CAD' });

function invoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountid: ACCOUNT,
    accounting_systemid: ACCOUNT,
    address: '',
    amount: usd('1222.00'),
    auto_bill: false,
    autobill_status: null,
    basecampid: 0,
    city: 'Toronto',
    code: 'M5V0P3',
    country: 'Canada',
    create_date: '2019-11-14',
    created_at: '2019-11-14 11:27:45',
    currency_code: 'USD',
    current_organization: 'Hooli',
    customerid: 217572,
    date_paid: null,
    deposit_amount: null,
    deposit_percentage: null,
    deposit_status: 'none',
    description: 'Consulting for apples.',
    discount_description: null,
    discount_total: usd('0.00'),
    discount_value: '0',
    display_status: 'draft',
    dispute_status: null,
    due_date: '2019-11-14',
    due_offset_days: 0,
    email: 'gavin.belson@example.com',
    estimateid: 0,
    ext_archive: 0,
    fname: 'Gavin',
    fulfillment_date: null,
    generation_date: null,
    gmail: false,
    id: 217506,
    invoice_number: 'SS007',
    invoiceid: 217506,
    language: 'en',
    last_order_status: null,
    lname: 'Belson',
    notes: '',
    organization: 'Hooli',
    outstanding: usd('1222.00'),
    ownerid: 1,
    paid: usd('0.00'),
    parent: 0,
    payment_details: '',
    payment_status: 'unpaid',
    po_number: null,
    province: 'Ontario',
    return_uri: null,
    sentid: 1,
    show_attachments: false,
    status: 1,
    street: '174 Spadina Avenue',
    street2: '',
    template: 'clean-grouped',
    terms: null,
    updated: '2019-11-14 11:27:45',
    v3_status: 'draft',
    vat_name: null,
    vat_number: '',
    vis_state: 0,
    lines: [invoiceLine(1, 'Paperwork', '0.10'), invoiceLine(2, 'Filing', '0.20')],
    ...overrides,
  };
}

function invoiceLine(lineid: number, name: string, unitCost: string): Record<string, unknown> {
  return {
    amount: usd(unitCost),
    basecampid: 0,
    compounded_tax: false,
    date: null,
    description: '',
    expenseid: 0,
    invoiceid: 217506,
    lineid,
    name,
    qty: '1',
    retainer_id: null,
    retainer_period_id: null,
    taskno: lineid,
    taxAmount1: '13',
    taxAmount2: '0',
    taxName1: 'HST',
    taxName2: '',
    taxNumber1: null,
    taxNumber2: null,
    type: 0,
    unit_cost: usd(unitCost),
    updated: '2019-11-25 15:43:26',
  };
}

function bill(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: cad('1500.00'),
    attachment: null,
    bill_number: 'BN101',
    bill_payments: [{ id: 123445, amount: cad('1500.00'), billid: 43221133, paid_date: '2021-09-01', payment_type: 'Check', note: null, vis_state: 0 }],
    created_at: '2021-09-01 15:30:29',
    currency_code: 'CAD',
    due_date: '2021-09-26',
    due_offset_days: 25,
    id: 43221133,
    issue_date: '2021-09-01',
    language: 'en',
    lines: [
      {
        category: 'Equipment',
        categoryid: 3696445,
        list_index: 1,
        description: 'Raw material',
        quantity: 10,
        unit_cost: cad('15.00'),
        amount: cad('150.00'),
        total_amount: cad('150.00'),
        tax_name1: null,
        tax_name2: null,
        tax_percent1: null,
        tax_percent2: null,
        tax_authorityid1: null,
        tax_authorityid2: null,
        tax_amount1: null,
        tax_amount2: null,
      },
      {
        category: 'Shipping',
        categoryid: 3696446,
        list_index: 2,
        description: 'Freight',
        quantity: '1',
        unit_cost: cad('1350.00'),
        amount: cad('1350.00'),
        total_amount: cad('1350.00'),
      },
    ],
    outstanding: cad('0.00'),
    overall_category: 'Equipment',
    overall_description: 'Raw material',
    paid: cad('1500.00'),
    status: 'paid',
    tax_amount: cad('0.00'),
    total_amount: cad('1500.00'),
    updated_at: '2021-09-01 15:30:29',
    vendorid: 1563,
    vis_state: 0,
    vendor: { vendorid: 1563, vendor_name: 'IKEA', currency_code: 'USD' },
    ...overrides,
  };
}

const payment = {
  accounting_systemid: ACCOUNT,
  amount: usd('100.00'),
  clientid: 212566,
  creditid: null,
  date: '2019-10-22',
  from_credit: false,
  gateway: null,
  id: 115804,
  invoiceid: 197902,
  logid: 115804,
  note: '',
  orderid: null,
  overpaymentid: null,
  transactionid: null,
  type: 'Cash',
  updated: '2019-11-29 12:18:29',
  vis_state: 0,
};

const expense = {
  account_name: '',
  accountid: null,
  accounting_systemid: ACCOUNT,
  amount: usd('2000.00'),
  bank_name: '',
  categoryid: 3012676,
  clientid: 0,
  compounded_tax: false,
  date: '2019-10-10',
  expenseid: '43221133',
  ext_invoiceid: 0,
  ext_systemid: 0,
  from_bulk_import: false,
  has_receipt: false,
  id: '43221133',
  include_receipt: false,
  invoiceid: null,
  is_cogs: false,
  isduplicate: false,
  markup_percent: '0',
  notes: 'Team lunch',
  profileid: null,
  projectid: 0,
  staffid: 1,
  status: 4,
  taxAmount1: usd('260.00'),
  taxAmount2: null,
  taxName1: 'HST',
  taxName2: null,
  taxPercent1: 13,
  taxPercent2: 0,
  transactionid: null,
  updated: '2019-12-02 12:36:05',
  vendor: 'Pizza Place',
  vis_state: 0,
  category: { category: 'Meals', categoryid: 3012676, parentid: 3012670 },
};

const billVendor = {
  account_number: '45454545',
  city: 'San Francisco',
  country: 'United States',
  currency_code: 'USD',
  is_1099: false,
  language: 'en',
  note: null,
  outstanding_balance: [],
  overdue_balance: [],
  phone: '4158859378',
  postal_code: null,
  primary_contact_email: 'someone@example.com',
  primary_contact_first_name: 'Jimmy',
  primary_contact_last_name: 'McNamara',
  province: 'California',
  street: '332 Carlton Ave.',
  street2: null,
  tax_defaults: [],
  created_at: '2021-06-17 12:08:25',
  updated_at: '2021-06-17 12:08:25',
  vendor_name: 'IKEA',
  vendorid: 1563,
  vis_state: 0,
  website: 'ikea.example',
};

const client = {
  accounting_systemid: ACCOUNT,
  allow_late_fees: true,
  allow_late_notifications: true,
  bus_phone: '',
  company_industry: null,
  company_size: null,
  currency_code: 'USD',
  direct_link_token: null,
  email: 'jappleseed@example.com',
  fax: '',
  fname: 'Johnathan',
  has_retainer: null,
  home_phone: null,
  id: 218192,
  language: 'en',
  last_activity: null,
  last_login: null,
  level: 0,
  lname: 'Appleseed',
  mob_phone: '',
  note: null,
  notified: false,
  num_logins: 0,
  organization: 'Apple Seed Co.',
  p_city: '',
  p_code: '',
  p_country: '',
  p_province: '',
  p_street: '1655 Dupont St. W.',
  p_street2: '',
  pref_email: true,
  pref_gmail: false,
  retainer_id: null,
  role: 'client',
  s_city: '',
  s_code: '',
  s_country: '',
  s_province: '',
  s_street: '',
  s_street2: '',
  signup_date: '2019-11-18 16:14:18',
  statement_token: null,
  subdomain: null,
  updated: '2019-11-18 12:04:07',
  userid: 218192,
  username: 'johnnyappleseed2',
  vat_name: null,
  vat_number: null,
  vis_state: 0,
};

const item = {
  id: 201225,
  accounting_systemid: ACCOUNT,
  updated: '2016-07-20 15:36:09',
  name: 'Monkeys',
  qty: '21',
  sku: 'FB0192374221',
  inventory: null,
  unit_cost: usd('1234.00'),
  tax1: 58730,
  vis_state: 0,
  tax2: 58729,
  description: 'monkey descriptor',
};

const category = {
  category: 'Airfare',
  categoryid: 12345678,
  created_at: '2022-08-16 14:11:07',
  id: 12345678,
  is_cogs: false,
  is_editable: true,
  parentid: 19876543,
  transaction_posted: true,
  updated_at: '2022-10-07 11:04:59',
  vis_state: 0,
};

const account = {
  account_name: 'Operating Expenses',
  account_number: '6000',
  account_type: 'expense',
  accountid: 1234567,
  balance: '0',
  created_at: '2022-08-16 14:11:07',
  currency_code: 'CAD',
  id: 1234567,
  sub_accounts: [
    { account_sub_name: 'Advertising', account_sub_number: '1', account_type: 'expense', balance: '0', currency_code: 'CAD', custom: true, id: 9876543, parentid: 1234567, sub_accountid: 9876543 },
  ],
};

const FIXTURES: [FreshBooksEntity, Record<string, unknown>][] = [
  ['invoices', invoice()],
  ['payments', payment],
  ['expenses', expense],
  ['bills', bill()],
  ['bill_vendors', billVendor],
  ['clients', client],
  ['items', item],
  ['expense_categories', category],
  ['accounts', account],
];

function rowsOf(rows: MappedRow[], table: TableKey): Record<string, unknown>[] {
  return rows.filter((r) => r.table === table).map((r) => r.row.json);
}

function only(rows: MappedRow[], table: TableKey): Record<string, unknown> {
  const found = rowsOf(rows, table);
  assert.equal(found.length, 1, `one ${table} row`);
  return found[0];
}

// ---- tests -----------------------------------------------------------------------------------------
describe('mapRecord: every entity', () => {
  for (const [entity, record] of FIXTURES) {
    test(`${entity}: every row has the catalogue columns, owner ids, audit columns and the whole record`, () => {
      const rows = mapRecord(entity, record, ctx);
      assert.ok(rows.length >= 1);
      for (const { table, row } of rows) {
        const json = row.json;
        for (const col of TABLES[table].columns) assert.ok(col.name in json, `${table}.${col.name} present`);
        assert.equal(json.account_id, ACCOUNT);
        assert.equal(json.business_id, 6543);
        assert.equal(json._synced_at, '2024-05-01T12:00:00.000Z');
        assert.equal(json._batch_id, 'batch-1');
        assert.equal(json._version, row.insertId);
        assert.equal(typeof json.raw_json, 'string');
        assert.equal(typeof json.is_deleted, 'boolean');
        assert.equal(typeof json.is_archived, 'boolean');
        assert.ok(row.insertId.length <= MAX_INSERT_ID_LENGTH);
      }
      assert.deepEqual(JSON.parse(only(rows, TABLES[entity].key).raw_json as string), record, 'raw_json is the whole record');
      assert.deepEqual(inferExtraColumns(TABLES[entity].key, rows.filter((r) => r.table === entity).map((r) => r.row)), [], 'fixture fields are all in the catalogue');
    });

    test(`${entity}: values match their column types`, () => {
      for (const { table, row } of mapRecord(entity, record, ctx)) {
        for (const col of TABLES[table].columns) {
          const v = row.json[col.name];
          if (v === null) continue;
          const where = `${table}.${col.name} = ${JSON.stringify(v)}`;
          switch (col.type) {
            case 'INT64':
              assert.ok(Number.isSafeInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)), where);
              break;
            case 'NUMERIC':
              assert.ok(typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v), where);
              break;
            case 'BOOL':
              assert.equal(typeof v, 'boolean', where);
              break;
            case 'DATE':
              assert.match(v as string, /^\d{4}-\d{2}-\d{2}$/, where);
              break;
            case 'TIMESTAMP':
              assert.match(v as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,6}Z$/, where);
              break;
            default:
              assert.equal(typeof v, 'string', where);
          }
        }
      }
    });
  }
});

describe('mapRecord: invoices', () => {
  test('numeric status is resolved to a readable name, with the code kept', () => {
    const names: Record<number, string> = { 0: 'disputed', 1: 'draft', 2: 'sent', 3: 'viewed', 4: 'paid', 5: 'auto-paid', 6: 'retry', 7: 'failed', 8: 'partial' };
    for (const [code, name] of Object.entries(names)) {
      const row = only(mapRecord('invoices', invoice({ status: Number(code) }), ctx), 'invoices');
      assert.equal(row.status, name);
      assert.equal(row.status_code, Number(code));
    }
    const unknown = only(mapRecord('invoices', invoice({ status: 42 }), ctx), 'invoices');
    assert.equal(unknown.status, null);
    assert.equal(unknown.status_code, 42);
  });

  test('the other status fields are carried as strings', () => {
    const row = only(mapRecord('invoices', invoice(), ctx), 'invoices');
    assert.equal(row.v3_status, 'draft');
    assert.equal(row.display_status, 'draft');
    assert.equal(row.payment_status, 'unpaid');
  });

  test('updated (US/Eastern wall time) becomes UTC, with the original text kept', () => {
    const row = only(mapRecord('invoices', invoice(), ctx), 'invoices');
    assert.equal(row.updated_at, '2019-11-14T16:27:45.000Z');
    assert.equal(row.updated_raw, '2019-11-14 11:27:45');
    assert.equal(row.created_at, '2019-11-14T16:27:45.000Z');
    assert.equal(row.created_raw, '2019-11-14 11:27:45');
    assert.equal(row.create_date, '2019-11-14');
  });

  test('money: exact decimal text plus its currency', () => {
    const row = only(mapRecord('invoices', invoice(), ctx), 'invoices');
    assert.equal(row.amount, '1222.00');
    assert.equal(row.amount_currency, 'USD');
    assert.equal(row.paid, '0.00');
    assert.equal(row.outstanding_currency, 'USD');
    assert.equal(row.deposit_amount, null);
    assert.equal(row.deposit_amount_currency, null);
  });

  test('"0.10" and "0.20" stay exact strings (0.1 + 0.2 would be 0.30000000000000004 as floats)', () => {
    const lines = rowsOf(mapRecord('invoices', invoice(), ctx), 'invoice_lines');
    assert.deepEqual(lines.map((l) => l.unit_cost), ['0.10', '0.20']);
    assert.deepEqual(lines.map((l) => l.amount), ['0.10', '0.20']);
    assert.ok(lines.every((l) => typeof l.amount === 'string'));
    const huge = only(mapRecord('invoices', invoice({ amount: usd('98765432109876543210.99') }), ctx), 'invoices');
    assert.equal(huge.amount, '98765432109876543210.99');
  });

  test('a malformed amount becomes NULL rather than a guess, and raw_json keeps it', () => {
    const row = only(mapRecord('invoices', invoice({ amount: usd('12,00') }), ctx), 'invoices');
    assert.equal(row.amount, null);
    assert.match(row.raw_json as string, /12,00/);
  });

  test('lines carry the parent id and the parent version', () => {
    const rows = mapRecord('invoices', invoice(), ctx);
    const parent = only(rows, 'invoices');
    const lines = rowsOf(rows, 'invoice_lines');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.invoice_id, 217506);
      assert.equal(line.invoice_updated_raw, '2019-11-14 11:27:45');
      assert.equal(line.invoice_updated_at, '2019-11-14T16:27:45.000Z');
      assert.equal(line.invoice_version, parent._version);
    }
    assert.deepEqual(lines.map((l) => l.line_id), [1, 2]);
    assert.equal(lines[0].name, 'Paperwork');
    assert.equal(lines[0].qty, '1');
    assert.equal(lines[0].tax_name1, 'HST');
    assert.equal(lines[0].tax_percent1, '13', 'taxAmount1 on invoice lines is a percent');
    assert.equal(lines[0].updated_at, '2019-11-25T20:43:26.000Z');
    assert.deepEqual(JSON.parse(lines[0].raw_json as string), invoiceLine(1, 'Paperwork', '0.10'));
  });

  test('an invoice read without include[]=lines yields no line rows', () => {
    const rows = mapRecord('invoices', invoice({ lines: undefined }), ctx);
    assert.deepEqual(rows.map((r) => r.table), ['invoices']);
  });

  test('lines use their parent currency when their money carries none', () => {
    const line = { ...invoiceLine(1, 'X', '5.00'), unit_cost: { amount: '5.00' } };
    const [lineRow] = rowsOf(mapRecord('invoices', invoice({ lines: [line] }), ctx), 'invoice_lines');
    assert.equal(lineRow.unit_cost_currency, 'USD');
  });
});

describe('mapRecord: soft deletes', () => {
  test('vis_state 1 is deleted, 2 archived, 0 neither; the row is kept either way', () => {
    const flags = (vis_state: number) => {
      const row = only(mapRecord('payments', { ...payment, vis_state }, ctx), 'payments');
      return [row.vis_state, row.is_deleted, row.is_archived];
    };
    assert.deepEqual(flags(0), [0, false, false]);
    assert.deepEqual(flags(1), [1, true, false]);
    assert.deepEqual(flags(2), [2, false, true]);
  });

  test('lines inherit the parent invoice flags', () => {
    const rows = mapRecord('invoices', invoice({ vis_state: 1 }), ctx);
    assert.equal(only(rows, 'invoices').is_deleted, true);
    for (const line of rowsOf(rows, 'invoice_lines')) assert.equal(line.is_deleted, true);
  });

  test('no vis_state (chart of accounts) means not deleted, so WHERE NOT is_deleted keeps the row', () => {
    const row = only(mapRecord('accounts', account, ctx), 'accounts');
    assert.equal(row.vis_state, null);
    assert.equal(row.is_deleted, false);
    assert.equal(row.is_archived, false);
  });
});

describe('mapRecord: bills and vendors use UTC', () => {
  test('bill created_at/updated_at are UTC wall times', () => {
    const row = only(mapRecord('bills', bill(), ctx), 'bills');
    assert.equal(row.updated_at, '2021-09-01T15:30:29.000Z');
    assert.equal(row.updated_raw, '2021-09-01 15:30:29');
    assert.equal(row.created_at, '2021-09-01T15:30:29.000Z');
    assert.equal(row.vendorid, 1563);
    assert.equal(row.bill_number, 'BN101');
    assert.equal(row.status, 'paid');
    assert.equal(row.issue_date, '2021-09-01');
    assert.equal(row.due_date, '2021-09-26');
    assert.equal(row.total_amount, '1500.00');
    assert.equal(row.total_amount_currency, 'CAD');
    assert.equal(JSON.parse(row.bill_payments as string)[0].payment_type, 'Check');
  });

  test('bill lines have no FreshBooks line id, so list_index is the line key', () => {
    const rows = mapRecord('bills', bill(), ctx);
    const lines = rowsOf(rows, 'bill_lines');
    assert.deepEqual(lines.map((l) => l.line_id), [1, 2]);
    assert.deepEqual(lines.map((l) => l.quantity), ['10', '1']);
    assert.equal(lines[0].bill_id, 43221133);
    assert.equal(lines[0].bill_updated_raw, '2021-09-01 15:30:29');
    assert.equal(lines[0].bill_version, only(rows, 'bills')._version);
    assert.equal(lines[1].unit_cost, '1350.00');
    assert.equal(lines[1].unit_cost_currency, 'CAD');
  });

  test('duplicate or missing line keys fall back to positions, so no two lines share an insertId', () => {
    const b = bill();
    const lines = (b.lines as Record<string, unknown>[]).map((l) => ({ ...l, list_index: 7 }));
    const rows = rowsOf(mapRecord('bills', { ...b, lines }, ctx), 'bill_lines');
    assert.deepEqual(rows.map((l) => l.line_id), [1, 2]);
    assert.equal(new Set(rows.map((l) => l._version)).size, 2);
  });

  test('bill vendors: vendorid is the id, timestamps UTC', () => {
    const row = only(mapRecord('bill_vendors', billVendor, ctx), 'bill_vendors');
    assert.equal(row.id, 1563);
    assert.equal(row.vendor_name, 'IKEA');
    assert.equal(row.updated_at, '2021-06-17T12:08:25.000Z');
    assert.equal(row.outstanding_balance, '[]');
  });
});

describe('mapRecord: other entities', () => {
  test('payments: invoiceid, clientid, type, date', () => {
    const row = only(mapRecord('payments', payment, ctx), 'payments');
    assert.deepEqual([row.id, row.invoiceid, row.clientid, row.type, row.date], [115804, 197902, 212566, 'Cash', '2019-10-22']);
    assert.deepEqual([row.amount, row.amount_currency], ['100.00', 'USD']);
  });

  test('expenses: category, staff, client, vendor, tax fields and readable status', () => {
    const row = only(mapRecord('expenses', expense, ctx), 'expenses');
    assert.equal(row.id, 43221133, 'string ids become INT64');
    assert.deepEqual([row.categoryid, row.staffid, row.clientid, row.vendor], [3012676, 1, 0, 'Pizza Place']);
    assert.deepEqual([row.tax_name1, row.tax_percent1, row.tax_amount1, row.tax_amount1_currency], ['HST', '13', '260.00', 'USD']);
    assert.deepEqual([row.tax_amount2, row.tax_amount2_currency], [null, null]);
    assert.deepEqual([row.status, row.status_code], ['recouped', 4]);
  });

  test('clients: names, email, currency; signup_date is UTC, updated Eastern', () => {
    const row = only(mapRecord('clients', client, ctx), 'clients');
    assert.deepEqual([row.organization, row.fname, row.lname, row.email, row.currency_code], ['Apple Seed Co.', 'Johnathan', 'Appleseed', 'jappleseed@example.com', 'USD']);
    assert.equal(row.signup_date, '2019-11-18T16:14:18.000Z');
    assert.equal(row.signup_date_raw, '2019-11-18 16:14:18');
    assert.equal(row.updated_at, '2019-11-18T17:04:07.000Z');
    assert.ok(!('direct_link_token' in row), 'portal tokens get no column');
  });

  test('items: sku and unit cost', () => {
    const row = only(mapRecord('items', item, ctx), 'items');
    assert.deepEqual([row.sku, row.qty, row.unit_cost, row.unit_cost_currency], ['FB0192374221', '21', '1234.00', 'USD']);
  });

  test('expense categories: categoryid is the id', () => {
    const row = only(mapRecord('expense_categories', category, ctx), 'expense_categories');
    assert.deepEqual([row.id, row.category, row.parentid, row.updated_at], [12345678, 'Airfare', 19876543, '2022-10-07T15:04:59.000Z']);
  });

  test('accounts: balance is money in the account currency; sub_accounts kept as JSON text', () => {
    const row = only(mapRecord('accounts', account, ctx), 'accounts');
    assert.deepEqual([row.id, row.account_name, row.account_number, row.account_type], [1234567, 'Operating Expenses', '6000', 'expense']);
    assert.deepEqual([row.balance, row.balance_currency], ['0', 'CAD']);
    assert.equal(JSON.parse(row.sub_accounts as string)[0].account_sub_name, 'Advertising');
    assert.equal(row.created_at, '2022-08-16T18:11:07.000Z');
  });

  test('a record without an id is refused', () => {
    const { id: _id, ...noId } = payment;
    assert.throws(() => mapRecord('payments', noId, ctx), /no id/);
  });
});

describe('mapRecord: insertId / _version', () => {
  test('built from account, table, FreshBooks id, the updated text and a content hash', () => {
    const rows = mapRecord('invoices', invoice(), ctx);
    assert.match(rows[0].row.insertId, /^xZNQ1X:invoices:217506:2019-11-14 11:27:45#[0-9a-f]{16}$/);
    const version = rows[0].row.insertId.split(':').slice(3).join(':');
    assert.equal(rows[1].row.insertId, `xZNQ1X:invoice_lines:217506:1:${version}`);
  });

  test('a change FreshBooks does not stamp in `updated` (e.g. a soft delete) still gives a new version', () => {
    const before = mapRecord('invoices', invoice(), ctx)[0].row.insertId;
    const after = mapRecord('invoices', { ...invoice(), vis_state: 1 }, ctx)[0].row.insertId;
    assert.notEqual(before, after);
  });

  test('stable: same record, other batch and time -> same ids; only _synced_at/_batch_id differ', () => {
    const a = mapRecord('invoices', invoice(), ctx);
    const b = mapRecord('invoices', invoice(), { ...ctx, syncedAt: '2024-06-01T00:00:00Z', batchId: 'batch-2' });
    assert.deepEqual(a.map((r) => r.row.insertId), b.map((r) => r.row.insertId));
    const strip = (rows: MappedRow[]) => rows.map((r) => ({ ...r.row.json, _synced_at: null, _batch_id: null }));
    assert.deepEqual(strip(a), strip(b));
  });

  test('a new update of the record gives a new version', () => {
    const a = mapRecord('invoices', invoice(), ctx)[0].row.insertId;
    const b = mapRecord('invoices', invoice({ updated: '2019-11-15 09:00:00' }), ctx)[0].row.insertId;
    assert.notEqual(a, b);
  });

  test('records without an updated field (accounts) use a content hash, blind to key order', () => {
    const id = mapRecord('accounts', account, ctx)[0].row.insertId;
    assert.match(id, /^xZNQ1X:accounts:1234567:#[0-9a-f]{16}$/);
    const reordered = Object.fromEntries(Object.entries(account).reverse());
    assert.equal(mapRecord('accounts', reordered, ctx)[0].row.insertId, id);
    assert.notEqual(mapRecord('accounts', { ...account, balance: '10.00' }, ctx)[0].row.insertId, id);
  });

  test('never longer than 128 characters, and still distinct when the tail is hashed', () => {
    const longAccount = 'A'.repeat(100);
    const a = mapRecord('invoices', invoice(), { ...ctx, accountId: longAccount });
    const b = mapRecord('invoices', invoice({ updated: '2019-11-14 11:27:46' }), { ...ctx, accountId: longAccount });
    for (const r of [...a, ...b]) assert.ok(r.row.insertId.length <= 128, r.row.insertId);
    assert.notEqual(a[0].row.insertId, b[0].row.insertId);
    assert.equal(a[0].row.insertId, mapRecord('invoices', invoice(), { ...ctx, accountId: longAccount })[0].row.insertId);
  });
});

describe('mapRecord: new FreshBooks fields', () => {
  test('an unknown top-level scalar becomes a snake_case extra column; inferExtraColumns proposes it', () => {
    const rows = mapRecord('invoices', invoice({ paymentTermsLabel: 'Net 30', isRecurring: true, reminderCount: 3, exchangeRate: 1.35, newThing: { a: 1 }, emptyNew: null }), ctx);
    const row = only(rows, 'invoices');
    assert.equal(row.payment_terms_label, 'Net 30');
    assert.equal(row.is_recurring, true);
    assert.equal(row.reminder_count, 3);
    assert.equal(row.exchange_rate, '1.35', 'non-integer numbers are text, never floats');
    assert.ok(!('new_thing' in row), 'nested unknown objects stay in raw_json only');
    assert.ok(!('empty_new' in row), 'no column until a value shows its type');
    assert.deepEqual(JSON.parse(row.raw_json as string).newThing, { a: 1 });

    const extras = inferExtraColumns('invoices', rows.filter((r) => r.table === 'invoices').map((r) => r.row));
    assert.deepEqual(extras.map((c) => [c.name, c.type, c.mode]), [
      ['payment_terms_label', 'STRING', 'NULLABLE'],
      ['is_recurring', 'BOOL', 'NULLABLE'],
      ['reminder_count', 'INT64', 'NULLABLE'],
      ['exchange_rate', 'STRING', 'NULLABLE'],
    ]);
  });

  test('mixed types across rows widen to STRING', () => {
    const r1 = mapRecord('payments', { ...payment, batchRef: 12 }, ctx)[0].row;
    const r2 = mapRecord('payments', { ...payment, id: 2, batchRef: 'B-12' }, ctx)[0].row;
    assert.deepEqual(inferExtraColumns('payments', [r1, r2]).map((c) => [c.name, c.type]), [['batch_ref', 'STRING']]);
    assert.deepEqual(inferExtraColumns('payments', [r1]).map((c) => [c.name, c.type]), [['batch_ref', 'INT64']]);
  });

  test('a new field whose name collides with a catalogue column is prefixed, not overwritten', () => {
    const row = only(mapRecord('invoices', invoice({ 'updated raw': 'x', _version: 'y' }), ctx), 'invoices');
    assert.equal(row.updated_raw, '2019-11-14 11:27:45');
    assert.equal(row.fb_updated_raw, 'x');
    assert.match(String(row._version), /^xZNQ1X:invoices:217506:2019-11-14 11:27:45#[0-9a-f]{16}$/);
    assert.equal(row.fb_version, undefined);
    assert.equal(row.version, 'y', 'leading underscores are stripped: _ names belong to ml-connector');
  });

  test('unknown fields on lines become line extra columns', () => {
    const line = { ...invoiceLine(1, 'X', '1.00'), discountCode: 'SPRING' };
    const [l] = rowsOf(mapRecord('invoices', invoice({ lines: [line] }), ctx), 'invoice_lines');
    assert.equal(l.discount_code, 'SPRING');
  });
});
