import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TABLES, type TableSpec } from '../../../mapping/freshbooks';
import { EXPLORES, RELATIONSHIPS, generateLookml, planExplores, usable, viewNameOf, type WarehouseLocation } from '../../../mapping/lookml';
import { tarArchive } from '../../../common/tar';
import { columnsRead, exploreSelectSql, measuresSql, parseLookmlProject, type ParsedField, type ParsedProject, type ParsedView } from '../../support/lookml';

const specs = Object.values(TABLES) as TableSpec[];
const tables = Object.fromEntries(specs.map((s) => [s.key, s.defaultName]));
const LOCATIONS: WarehouseLocation[] = [
  { dialect: 'bigquery', projectId: 'acme-analytics', datasetId: 'freshbooks', tables },
  { dialect: 'postgres', schema: 'freshbooks', tables },
];
const opts = { connection: 'freshbooks', model: 'freshbooks' };

const parsedCache = new Map<string, Promise<ParsedProject>>();
const parsed = (w: WarehouseLocation) => {
  if (!parsedCache.has(w.dialect)) parsedCache.set(w.dialect, parseLookmlProject(generateLookml(w, opts).files));
  return parsedCache.get(w.dialect)!;
};
const viewOf = async (w: WarehouseLocation, key: string): Promise<ParsedView> => (await parsed(w)).views.get(viewNameOf(key))!;
const byName = (fields: ParsedField[] | undefined, name: string) => (fields ?? []).find((f) => f.name === name);

for (const w of LOCATIONS) {
  describe(`generated LookML (${w.dialect}), read back with the lkml parser`, () => {
    test('every file parses; one view file per catalogue table, each over its _latest view', async () => {
      const p = await parsed(w);
      assert.equal(p.views.size, specs.length);
      for (const s of specs) {
        const v = p.views.get(viewNameOf(s.key));
        assert.ok(v, `view for ${s.key}`);
        assert.ok(v.sql_table_name.includes(`${s.defaultName}_latest`), `${s.key}: ${v.sql_table_name}`);
        // Every column the view reads is a catalogue column of that table.
        for (const c of columnsRead(v)) assert.ok(s.columns.some((col) => col.name === c), `${s.key} reads unknown column ${c}`);
      }
    });

    test('primary keys: one hidden primary-key dimension per view, over exactly the table\'s key columns', async () => {
      for (const s of specs) {
        const v = await viewOf(w, s.key);
        const keys = (v.dimensions ?? []).filter((d) => d.primary_key === 'yes');
        assert.equal(keys.length, 1, s.key);
        assert.equal(keys[0]!.hidden, 'yes');
        assert.deepEqual([...columnsRead({ ...v, dimensions: keys, dimension_groups: [], measures: [] })].sort(), [...s.keyColumns].sort(), s.key);
        // Concatenated so that a NULL part (an unmatched outer join) makes the key NULL, on both dialects.
        assert.match(keys[0]!.sql!, w.dialect === 'bigquery' ? /^CONCAT\(/ : /^CAST\(.* \|\| '\|' \|\| CAST\(/, `${s.key}: composite key concatenated`);
      }
    });

    test('dimension types follow column types: time groups for TIMESTAMP, date groups for DATE, yesno for BOOL, number for INT64/NUMERIC', async () => {
      for (const s of specs) {
        const v = await viewOf(w, s.key);
        for (const c of s.columns) {
          const reading = (f: ParsedField) => columnsRead({ ...v, dimensions: [f], dimension_groups: [], measures: [] }).has(c.name)
            || columnsRead({ ...v, dimensions: [], dimension_groups: [f], measures: [] }).has(c.name);
          const group = (v.dimension_groups ?? []).find((g) => reading(g) && g.type === 'time');
          const dim = (v.dimensions ?? []).find((d) => d.primary_key !== 'yes' && reading(d));
          const where = `${s.key}.${c.name}`;
          if (c.type === 'TIMESTAMP') {
            assert.ok(group && !dim, `${where}: a time dimension group`);
            assert.ok(group.timeframes!.includes('time') && group.timeframes!.includes('date') && group.datatype === undefined, where);
          } else if (c.type === 'DATE') {
            assert.ok(group && !dim, `${where}: a date dimension group`);
            assert.equal(group.datatype, 'date', where);
            assert.ok(!group.timeframes!.includes('time'), `${where}: a date has no time of day`);
          } else {
            assert.ok(dim && !group, `${where}: a dimension`);
            const expected = c.type === 'BOOL' ? 'yesno' : ['INT64', 'NUMERIC', 'FLOAT64'].includes(c.type) ? 'number' : 'string';
            assert.equal(dim.type, expected, where);
          }
        }
      }
    });

    test('system columns are hidden, except the sync time and the deleted/archived flags', async () => {
      const v = await viewOf(w, 'invoices');
      const hidden = (name: string) => byName(v.dimensions, name)?.hidden === 'yes';
      for (const h of ['raw_json', 'batch_id', 'version', 'vis_state', 'updated_raw', 'created_raw', 'status_code']) assert.ok(hidden(h), `${h} hidden`);
      for (const shown of ['is_deleted', 'is_archived', 'account_id', 'business_id', 'amount', 'amount_currency', 'status']) assert.ok(!hidden(shown), `${shown} shown`);
      assert.notEqual(byName(v.dimension_groups, 'synced')?.hidden, 'yes');
    });

    test('no two currencies are ever added: every sum is hidden, and what shows it is gated on one currency and pulls that currency in', async () => {
      const p = await parsed(w);
      let gated = 0;
      for (const v of p.views.values()) {
        const dims = new Map((v.dimensions ?? []).map((d) => [d.name, d]));
        for (const m of v.measures ?? []) {
          if (m.type === 'count' || m.type === 'count_distinct') continue;
          if (m.type === 'sum' || m.type === 'sum_distinct' || m.type === 'average' || m.type === 'average_distinct') {
            assert.equal(m.hidden, 'yes', `${v.name}.${m.name}: a raw sum is never shown`);
            const money = /^\$\{([a-z0-9_]+)\}$/.exec(m.sql!.trim())?.[1];
            assert.ok(money && dims.has(`${money}_currency`), `${v.name}.${m.name} adds a money column that has a currency`);
            assert.equal(m.sql_distinct_key?.trim(), '${primary_key}', `${v.name}.${m.name}: fan-out safe`);
            continue;
          }
          assert.equal(m.type, 'number', `${v.name}.${m.name}`);
          const gate = /^CASE WHEN \$\{([a-z0-9_]+)\} = 1 THEN \$\{([a-z0-9_]+)\} END$/.exec(m.sql!.trim());
          assert.ok(gate, `${v.name}.${m.name}: ${m.sql}`);
          const [, counter, sum] = gate;
          const sumMeasure = byName(v.measures, sum!)!;
          const money = sumMeasure.sql!.trim().slice(2, -1);
          assert.equal(byName(v.measures, counter!)?.type, 'count_distinct');
          assert.equal(byName(v.measures, counter!)?.sql?.trim(), `\${${money}_currency}`, `${v.name}.${m.name} counts the currencies of what it adds`);
          assert.deepEqual(m.required_fields, [`${money}_currency`], `${v.name}.${m.name} pulls its currency into the query`);
          gated += 1;
        }
      }
      assert.ok(gated >= 10, `only ${gated} per-currency sums`);
    });

    test('explores: joins read off RELATIONSHIPS, with account_id in every ON clause, and every referenced field exists', async () => {
      const p = await parsed(w);
      const explores = p.model.explores ?? [];
      assert.deepEqual(explores.map((e) => e.name), planExplores().map((e) => viewNameOf(e.spec.base)));
      const invoices = explores.find((e) => e.name === 'freshbooks_invoices')!;
      assert.deepEqual(invoices.joins!.map((j) => [j.name, j.relationship]), [
        ['freshbooks_invoice_lines', 'one_to_many'], ['freshbooks_clients', 'many_to_one'], ['freshbooks_items', 'many_to_one']]);
      assert.deepEqual(explores.find((e) => e.name === 'freshbooks_payments')!.joins!.map((j) => j.name), ['freshbooks_invoices', 'freshbooks_clients']);
      assert.deepEqual(explores.find((e) => e.name === 'freshbooks_expenses')!.joins!.map((j) => j.name), ['freshbooks_expense_categories', 'freshbooks_accounts', 'freshbooks_clients']);
      assert.deepEqual(explores.find((e) => e.name === 'freshbooks_bills')!.joins!.map((j) => j.name), ['freshbooks_bill_vendors', 'freshbooks_bill_lines', 'freshbooks_expense_categories']);
      for (const e of explores) {
        for (const j of e.joins ?? []) assert.match(j.sql_on, new RegExp(`\\$\\{${j.name}\\.account_id\\} = \\$\\{[a-z_]+\\.account_id\\}`), `${e.name} join ${j.name}`);
        // Builds the SQL Looker would: throws if any ${...} names no field.
        const select = exploreSelectSql(p, e);
        assert.match(select, /^SELECT /);
        assert.doesNotMatch(select, /\$\{/, `${e.name}: every reference substituted`);
      }
    });

    test('the model: a datagroup over the newest _synced_at of every raw table, persisted with, and an include that finds every view file', async () => {
      const project = generateLookml(w, opts);
      const p = await parsed(w);
      assert.equal(p.model.connection, 'freshbooks');
      const [dg] = p.model.datagroups!;
      assert.equal(p.model.persist_with, dg!.name);
      for (const s of specs) assert.ok(dg!.sql_trigger.includes(`${s.defaultName}${w.dialect === 'bigquery' ? '`' : '"'}`), `trigger reads ${s.defaultName}`);
      assert.match(dg!.sql_trigger, /MAX\(_synced_at\)/);
      const [include] = p.model.includes!;
      const glob = new RegExp(`^${include!.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
      for (const name of Object.keys(project.files).filter((n) => n.endsWith('.view.lkml'))) assert.match(name, glob);
      assert.ok(measuresSql(p, 'freshbooks_invoices', ['count', 'sum_amount'], ['amount_currency']).includes('GROUP BY'));
    });
  });
}

describe('explores are data-driven', () => {
  test('every relationship between tables the catalogue has names columns those tables have', () => {
    const known = (t: string) => t in TABLES;
    for (const r of RELATIONSHIPS.filter((x) => known(x.from) && known(x.to))) assert.ok(usable(r), `${r.from} -> ${r.to}: ${JSON.stringify(r.on)}`);
  });

  test('explores and joins over tables not in the catalogue are left out until the tables exist', () => {
    const planned = planExplores([
      ...EXPLORES,
      { base: 'no_such_table', label: 'x', description: 'x', joins: ['invoices'] },
      { base: 'invoices', label: 'y', description: 'y', joins: ['no_such_lines', 'clients'] },
    ], [...RELATIONSHIPS, { from: 'no_such_lines', on: [['invoice_id', 'id']], to: 'invoices' }]);
    assert.ok(!planned.some((e) => e.spec.base === 'no_such_table'));
    assert.deepEqual(planned.find((e) => e.spec.label === 'y')!.joins.map((j) => j.table), ['clients']);
    const bases = new Set(planned.map((e) => e.spec.base));
    for (const t of ['journal_entry_details', 'time_entries', 'credit_notes', 'other_incomes']) assert.equal(bases.has(t), t in TABLES, t);
  });

  test('a warehouse holding some tables only gets views, explores and joins over those tables and no others', async () => {
    const present = ['invoices', 'invoice_lines', 'clients', 'payments'];
    const w: WarehouseLocation = { dialect: 'postgres', schema: 'fb', tables: Object.fromEntries(present.map((k) => [k, `fb_${k}`])) };
    const project = generateLookml(w, { connection: 'freshbooks', model: 'freshbooks' });
    assert.deepEqual(project.views.map((v) => v.name).sort(), present.map(viewNameOf).sort());
    assert.deepEqual(project.explores, ['freshbooks_invoices', 'freshbooks_payments', 'freshbooks_clients']);
    const p = await parseLookmlProject(project.files);
    const invoices = p.model.explores!.find((e) => e.name === 'freshbooks_invoices')!;
    assert.deepEqual(invoices.joins!.map((j) => j.name), ['freshbooks_invoice_lines', 'freshbooks_clients'], 'no join to items, which it does not have');
    for (const e of p.model.explores!) assert.doesNotMatch(exploreSelectSql(p, e), /\$\{/, `${e.name}: every view it names is generated`);
    assert.doesNotMatch(p.model.datagroups![0]!.sql_trigger, /fb_items|fb_accounts/);
  });

  test('a relationship whose columns a table lacks is not used', () => {
    assert.equal(usable({ from: 'invoices', on: [['no_such_column', 'id']], to: 'clients' }), false);
    assert.equal(usable({ from: 'invoices', on: [['customerid', 'id']], to: 'clients' }), true);
  });
});

describe('the tar download', () => {
  test('unpacks with tar into the same files', () => {
    const { files } = generateLookml(LOCATIONS[0]!, opts);
    const dir = mkdtempSync(path.join(tmpdir(), 'lookml-'));
    try {
      const archive = path.join(dir, 'x.tar');
      writeFileSync(archive, tarArchive(Object.fromEntries(Object.entries(files).map(([n, t]) => [`freshbooks/${n}`, t])), new Date()));
      execFileSync('tar', ['-xf', archive, '-C', dir]);
      for (const [name, text] of Object.entries(files)) assert.equal(readFileSync(path.join(dir, 'freshbooks', name), 'utf8'), text, name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
