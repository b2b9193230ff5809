import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_FRESHBOOKS_ENTITIES } from '../../../common/freshbooks-entities';
import { TABLES, TABLE_KEYS, entityTableFor, lineTablesFor } from '../../../mapping/freshbooks';

const columnNames = (key: keyof typeof TABLES) => TABLES[key].columns.map((c) => c.name);

describe('table catalogue', () => {
  test('covers the eighteen warehouse tables, each keyed by its own name', () => {
    assert.deepEqual([...TABLE_KEYS].sort(), [
      'accounts', 'bill_lines', 'bill_vendors', 'bills', 'clients', 'credit_note_lines', 'credit_notes', 'expense_categories', 'expenses',
      'invoice_lines', 'invoices', 'items', 'journal_entry_details', 'other_incomes', 'payments', 'projects', 'services', 'time_entries',
    ]);
    for (const key of TABLE_KEYS) assert.equal(TABLES[key].key, key);
  });

  test('every FreshBooks entity has a table; invoices and bills also have line tables', () => {
    for (const entity of ALL_FRESHBOOKS_ENTITIES) assert.equal(entityTableFor(entity).entity, entity);
    assert.deepEqual(lineTablesFor('invoices').map((t) => t.key), ['invoice_lines']);
    assert.deepEqual(lineTablesFor('bills').map((t) => t.key), ['bill_lines']);
    assert.deepEqual(lineTablesFor('credit_notes').map((t) => t.key), ['credit_note_lines']);
    assert.deepEqual(lineTablesFor('payments'), []);
    assert.deepEqual(lineTablesFor('journal_entry_details'), []);
  });

  for (const key of TABLE_KEYS) {
    test(`${key}: owner, flag and audit columns with their types; all NULLABLE; names unique and valid`, () => {
      const spec = TABLES[key];
      const types = new Map(spec.columns.map((c) => [c.name, c.type]));
      assert.equal(types.size, spec.columns.length, 'no duplicate column names');
      const required: [string, string][] = [
        ['account_id', 'STRING'], ['business_id', 'INT64'], ['is_deleted', 'BOOL'], ['is_archived', 'BOOL'],
        ['raw_json', 'STRING'], ['_synced_at', 'TIMESTAMP'], ['_batch_id', 'STRING'], ['_version', 'STRING'],
      ];
      for (const [name, type] of required) assert.equal(types.get(name), type, `${key}.${name}`);
      for (const c of spec.columns) {
        assert.equal(c.mode, 'NULLABLE', c.name);
        assert.match(c.name, /^[a-z_][a-z0-9_]*$/, c.name);
      }
      assert.match(spec.defaultName, /^[A-Za-z_][A-Za-z0-9_]*$/);
      for (const k of spec.keyColumns) assert.ok(types.has(k), `key column ${k}`);
    });

    test(`${key}: every money column has a currency, every source timestamp a _raw text`, () => {
      const spec = TABLES[key];
      const types = new Map(spec.columns.map((c) => [c.name, c.type]));
      for (const c of spec.columns) {
        if (c.type === 'NUMERIC' && spec.fields.some((f) => f.kind === 'money' && f.column === c.name)) {
          assert.equal(types.get(`${c.name}_currency`), 'STRING', `${c.name}_currency`);
        }
        if (c.type === 'TIMESTAMP' && c.name !== '_synced_at') {
          const raw = c.name.endsWith('_at') ? `${c.name.slice(0, -3)}_raw` : `${c.name}_raw`;
          assert.equal(types.get(raw), 'STRING', `${raw} next to ${c.name}`);
        }
        const textIds = ['account_id', '_batch_id', 'transactionid', 'orderid'];
        if (/id$/.test(c.name) && !/paid$/.test(c.name) && !textIds.includes(c.name)) {
          assert.equal(c.type, 'INT64', `${key}.${c.name} is an id`);
        }
      }
    });
  }

  test('record tables are keyed by account and id; entity tables with vis_state expose it as INT64', () => {
    for (const key of TABLE_KEYS.filter((k) => !TABLES[k].parent)) {
      assert.deepEqual(TABLES[key].keyColumns, ['account_id', 'id']);
      assert.equal(TABLES[key].columns.find((c) => c.name === 'vis_state')?.type, 'INT64');
    }
  });

  test('updated_at/updated_raw exist wherever FreshBooks has an updated field, and not on accounts', () => {
    for (const key of ['invoices', 'payments', 'expenses', 'bills', 'bill_vendors', 'clients', 'items', 'expense_categories'] as const) {
      assert.ok(columnNames(key).includes('updated_at') && columnNames(key).includes('updated_raw'), key);
    }
    assert.ok(!columnNames('accounts').includes('updated_at'));
  });

  test('invoice status has a readable name and the code', () => {
    const invoice = new Map(TABLES.invoices.columns.map((c) => [c.name, c.type]));
    assert.equal(invoice.get('status'), 'STRING');
    assert.equal(invoice.get('status_code'), 'INT64');
    for (const s of ['v3_status', 'display_status', 'payment_status']) assert.equal(invoice.get(s), 'STRING');
  });

  test('line tables carry their parent id and version and join on them', () => {
    for (const [lines, parent, p] of [['invoice_lines', 'invoices', 'invoice'], ['bill_lines', 'bills', 'bill']] as const) {
      const spec = TABLES[lines];
      assert.deepEqual(spec.keyColumns, ['account_id', `${p}_id`, 'line_id']);
      assert.equal(spec.parent?.table, parent);
      for (const c of [`${p}_id`, `${p}_updated_at`, `${p}_updated_raw`, `${p}_version`, 'line_id']) assert.ok(columnNames(lines).includes(c), c);
      for (const j of spec.parent!.joinColumns) {
        assert.ok(columnNames(lines).includes(j.column), j.column);
        assert.ok(columnNames(parent).includes(j.parentColumn), j.parentColumn);
      }
    }
  });
});
