/**
 * Mapping of the opt-in entities (ledger lines, credit notes, other income, projects, services, time entries),
 * on records shaped like the official SDKs' fixtures: keys, money with its currency, UTC timestamps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inferExtraColumns, mapRecord, recordVersion, TABLES, type MappedRow, type TableKey } from '../../../mapping/freshbooks';

const ACCOUNT = 'xZNQ1X';
const ctx = { accountId: ACCOUNT, businessId: 439000, syncedAt: '2024-05-01T12:00:00Z', batchId: 'batch-1' };

const rows = (mapped: MappedRow[], table: TableKey) => mapped.filter((r) => r.table === table).map((r) => r.row.json);
const one = (mapped: MappedRow[], table: TableKey) => {
  const found = rows(mapped, table);
  assert.equal(found.length, 1);
  return found[0]!;
};

// NODE __tests__/JournalEntryDetail.test.ts
const detail = {
  account: { account_name: 'Operating Expenses', account_number: '6000', account_type: 'expense', accountid: 1234567, accounting_systemid: 'AbCxYz', id: 1234567 },
  accounting_systemid: 'AbCxYz',
  balance: { amount: '47.60', code: 'CAD' },
  credit: { amount: '47.60', code: 'CAD' },
  debit: null,
  description: 'Regular Glasses',
  detail_type: 'sales',
  detailid: 1928370,
  entry: { accounting_systemid: 'AbCxYz', categoryid: null, clientid: 1010101, creditid: null, entryid: 5555555, expenseid: null, id: 5555555, incomeid: null, invoiceid: 7777777, paymentid: null },
  id: 1928370,
  name: 'Invoice 22-107',
  sub_account: { account_sub_name: 'Advertising', account_sub_number: '1', accounting_systemid: 'AbCxYz', id: 9876543, parentid: 8686865, sub_accountid: 9876543 },
  user_entered_date: '2022-08-16',
};

// NODE __tests__/OtherIncome.test.ts
const otherIncome = {
  amount: { amount: '113.00', code: 'USD' }, category_name: 'online_sales', created_at: '2021-05-11 06:53:22', date: '2021-05-11', incomeid: 12345,
  note: 'Product sent via ground mail', payment_type: 'Visa', source: 'Etsy', taxes: [{ amount: '3', name: 'HST' }], updated_at: '2021-05-11 06:53:22', vis_state: 0,
};

// NODE __tests__/CreditNote.test.ts (with lines)
const creditNote = {
  accounting_systemid: 'xZNQ1X', amount: { amount: '300.00', code: 'USD' }, city: 'Toronto', clientid: 77, code: '', country: 'Canada', create_date: '2021-10-01',
  credit_number: '00001122', credit_type: 'goodwill', creditid: 31313, current_organization: 'Zoom PBS', currency_code: 'USD', description: 'Prepayment',
  display_status: 'created', dispute_status: null, ext_archive: 0, fname: 'Bruce', id: 31313, language: 'en', last_order_status: null, lname: 'Wayne', notes: '',
  organization: 'Wayne Industries', paid: { amount: '100.00', code: 'USD' }, payment_status: 'paid', payment_type: null, province: 'Ontario', sentid: 1,
  status: 'created', street: '', street2: '', template: 'clean-grouped', terms: null, vat_name: null, vat_number: '', vis_state: 0,
  lines: [
    { amount: { amount: '400.00', code: 'USD' }, compounded_tax: false, creditid: 31313, description: '', name: 'Design', qty: '2', taskno: 1, taxAmount1: '0', taxAmount2: '0', taxName1: null, taxName2: null, unit_cost: { amount: '200.00', code: 'USD' } },
    { amount: { amount: '180.00', code: 'USD' }, compounded_tax: false, creditid: 31313, description: '', name: 'General', qty: '2', taskno: 2, taxAmount1: '0', taxAmount2: '0', taxName1: null, taxName2: null, unit_cost: { amount: '90.00', code: 'USD' } },
  ],
};

// PY tests/fixtures/list_projects_response.json
const project = {
  id: 654321, title: 'Awesome Project', description: null, due_date: null, client_id: null, internal: true, budget: null, fixed_price: null, rate: null,
  billing_method: 'project_rate', project_type: 'hourly_rate', project_manager_id: null, active: true, complete: false, sample: false,
  created_at: '2020-09-13T01:07:51', updated_at: '2020-09-13T03:10:13', logged_duration: null,
  services: [{ business_id: 439000, id: 154, name: 'Some Service', billable: true, vis_state: 0 }],
  billed_amount: '0.00', billed_status: 'unbilled', retainer_id: null, expense_markup: '0', group_id: 764645,
};

// PY tests/fixtures/list_time_entries_response.json
const timeEntry = {
  id: 419546, identity_id: 12345, is_logged: true, started_at: '2020-10-17T05:00:00Z', created_at: '2020-10-17T01:09:41Z', client_id: 56789, project_id: 654321,
  pending_client: null, pending_project: null, pending_task: null, task_id: null, service_id: 2345, note: 'Stuff', active: true, billable: true, billed: false,
  internal: false, retainer_id: null, duration: 3600, timer: null,
};

// NODE __tests__/Service.test.ts
const service = { business_id: 439000, id: 218192, name: 'Document Review', billable: true, vis_state: 0 };

describe('mapRecord: ledger and time tracking', () => {
  test('journal entry details: own id as key, entry id, debit/credit with their currency, flattened account', () => {
    const mapped = mapRecord('journal_entry_details', detail, ctx);
    const row = one(mapped, 'journal_entry_details');
    assert.equal(row.id, 1928370);
    assert.equal(row.entryid, 5555555);
    assert.equal(row.debit, null);
    assert.equal(row.debit_currency, null, 'an absent side has no currency either');
    assert.equal(row.credit, '47.60');
    assert.equal(row.credit_currency, 'CAD');
    assert.equal(row.balance, '47.60');
    assert.equal(row.currency_code, 'CAD');
    assert.equal(row.user_entered_date, '2022-08-16');
    assert.equal(row.accountid, 1234567);
    assert.equal(row.account_name, 'Operating Expenses');
    assert.equal(row.sub_accountid, 9876543);
    assert.equal(row.account_sub_name, 'Advertising');
    assert.equal(row.invoiceid, 7777777);
    assert.equal(row.clientid, 1010101);
    assert.equal(row.paymentid, null);
    assert.equal(row.account_id, ACCOUNT, 'owner account_id is not the ledger account');
    assert.equal(row.is_deleted, false);
    assert.ok(!('updated_at' in row), 'FreshBooks gives ledger lines no modified time');
    assert.deepEqual(TABLES.journal_entry_details.keyColumns, ['account_id', 'id']);
    assert.deepEqual(inferExtraColumns('journal_entry_details', mapped.map((m) => m.row)), [], 'every fixture field is known');
    // No modified time: the version is the content, so an edit is a new version and a re-read is not.
    const v1 = recordVersion('journal_entry_details', detail, ACCOUNT);
    assert.equal(v1.updatedAt, null);
    assert.equal(recordVersion('journal_entry_details', { ...detail }, ACCOUNT).version, v1.version);
    assert.notEqual(recordVersion('journal_entry_details', { ...detail, description: 'x' }, ACCOUNT).version, v1.version);
  });

  test('other income: incomeid as id, Eastern updated_at to UTC, money with currency', () => {
    const row = one(mapRecord('other_incomes', otherIncome, ctx), 'other_incomes');
    assert.equal(row.id, 12345);
    assert.equal(row.amount, '113.00');
    assert.equal(row.amount_currency, 'USD');
    assert.equal(row.updated_at, '2021-05-11T10:53:22.000Z', 'EDT wall time + 4 h (as the NODE SDK reads it)');
    assert.equal(row.updated_raw, '2021-05-11 06:53:22');
    assert.equal(row.created_at, '2021-05-11T10:53:22.000Z');
    assert.equal(row.date, '2021-05-11');
    assert.equal(row.taxes, JSON.stringify([{ amount: '3', name: 'HST' }]));
    assert.equal(recordVersion('other_incomes', otherIncome, ACCOUNT).updatedAt, '2021-05-11T10:53:22.000Z');
  });

  test('credit notes: header and lines, lines carry the parent and keep their currency', () => {
    const mapped = mapRecord('credit_notes', creditNote, ctx);
    const row = one(mapped, 'credit_notes');
    assert.equal(row.id, 31313);
    assert.equal(row.amount, '300.00');
    assert.equal(row.amount_currency, 'USD');
    assert.equal(row.paid, '100.00');
    const lines = rows(mapped, 'credit_note_lines');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => [l.credit_note_id, l.line_id, l.amount, l.amount_currency]), [[31313, 1, '400.00', 'USD'], [31313, 2, '180.00', 'USD']]);
    assert.equal(lines[0]!.credit_note_version, row._version);
    assert.deepEqual(inferExtraColumns('credit_notes', mapped.filter((m) => m.table === 'credit_notes').map((m) => m.row)), []);
    assert.deepEqual(inferExtraColumns('credit_note_lines', mapped.filter((m) => m.table === 'credit_note_lines').map((m) => m.row)), []);
  });

  test('projects: ISO UTC without Z stays UTC (not Eastern)', () => {
    const row = one(mapRecord('projects', project, ctx), 'projects');
    assert.equal(row.id, 654321);
    assert.equal(row.created_at, '2020-09-13T01:07:51.000Z');
    assert.equal(row.updated_at, '2020-09-13T03:10:13.000Z');
    assert.equal(row.updated_raw, '2020-09-13T03:10:13');
    assert.equal(row.billed_amount, '0.00');
    assert.equal(row.internal, true);
    assert.equal(row.business_id, 439000);
    assert.equal(JSON.parse(row.services as string)[0].id, 154);
    assert.equal(recordVersion('projects', project, ACCOUNT).updatedAt, '2020-09-13T03:10:13.000Z');
    assert.equal(one(mapRecord('projects', { ...project, updated_at: '2020-09-13T03:10:13Z' }, ctx), 'projects').updated_at, '2020-09-13T03:10:13.000Z', 'with or without Z');
  });

  test('time entries: UTC timestamps with Z, duration in seconds, links to project/service/client', () => {
    const mapped = mapRecord('time_entries', timeEntry, ctx);
    const row = one(mapped, 'time_entries');
    assert.equal(row.id, 419546);
    assert.equal(row.started_at, '2020-10-17T05:00:00.000Z');
    assert.equal(row.started_raw, '2020-10-17T05:00:00Z');
    assert.equal(row.created_at, '2020-10-17T01:09:41.000Z');
    assert.equal(row.duration, 3600);
    assert.deepEqual([row.project_id, row.service_id, row.client_id], [654321, 2345, 56789]);
    assert.equal(row.updated_at, null, 'the fixture has no updated_at');
    assert.deepEqual(inferExtraColumns('time_entries', mapped.map((m) => m.row)), []);
  });

  test('services: business_id is the owner column, not an extra one; vis_state flags', () => {
    const mapped = mapRecord('services', { ...service, vis_state: 1 }, ctx);
    const row = one(mapped, 'services');
    assert.equal(row.id, 218192);
    assert.equal(row.business_id, 439000);
    assert.equal(row.is_deleted, true);
    assert.deepEqual(inferExtraColumns('services', mapped.map((m) => m.row)), []);
  });
});
