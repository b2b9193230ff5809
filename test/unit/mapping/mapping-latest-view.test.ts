import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TABLES, TABLE_KEYS, latestViewSql, latestViewSqlPostgres, type TableKey } from '../../../mapping/freshbooks';

const fq = (t: TableKey) => `my-project.finance.freshbooks_${t}`;

/** Checks that need no SQL engine: balanced brackets/quotes, one statement, no QUALIFY. */
function assertWellFormed(sql: string): void {
  let depth = 0;
  let inTick = false;
  let inQuote = false;
  for (const ch of sql) {
    if (ch === '`' && !inQuote) inTick = !inTick;
    else if (ch === "'" && !inTick) inQuote = !inQuote;
    else if (!inTick && !inQuote && ch === '(') depth++;
    else if (!inTick && !inQuote && ch === ')') depth--;
    assert.ok(depth >= 0, 'parenthesis closed before it was opened');
  }
  assert.equal(depth, 0, 'parentheses balance');
  assert.ok(!inTick && !inQuote, 'quotes balance');
  assert.ok(!sql.includes(';'), 'a single statement, no terminator');
  assert.ok(!/\bQUALIFY\b/i.test(sql), 'no QUALIFY');
  assert.match(sql, /^SELECT \* EXCEPT \(_rn\) FROM \(/);
  assert.match(sql, /\) WHERE _rn = 1$/);
}

/** Column names used as `alias.column` must exist in the table the alias stands for. */
function assertColumnsExist(sql: string, aliases: Record<string, TableKey>): void {
  for (const [, alias, column] of sql.matchAll(/\b([a-z]+)\.([a-z_][a-z0-9_]*)\b/g)) {
    const table = aliases[alias];
    if (!table || column === '_rn') continue;
    assert.ok(TABLES[table].columns.some((c) => c.name === column), `${alias}.${column} exists in ${table}`);
  }
}

describe('latestViewSql', () => {
  for (const key of TABLE_KEYS) {
    test(`${key}: well-formed, one row per record key, reads the right tables`, () => {
      const spec = TABLES[key];
      const sql = latestViewSql(spec, fq);
      assertWellFormed(sql);
      assert.ok(sql.includes(`\`my-project.finance.freshbooks_${key}\``));
      const alias = spec.parent ? 'l' : 't';
      const partition = spec.keyColumns.map((c) => `${alias}.${c}`).join(', ');
      assert.ok(sql.includes(`ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY `), partition);
      assertColumnsExist(sql, spec.parent ? { l: key, pt: spec.parent.table, p: spec.parent.table } : { t: key });
    });
  }

  test('records: newest _synced_at first (monotonic), then updated_at (Eastern wall time repeats an hour each autumn)', () => {
    const sql = latestViewSql(TABLES.invoices, fq);
    assert.ok(sql.includes('PARTITION BY t.account_id, t.id ORDER BY t._synced_at DESC, t.updated_at DESC, t._version DESC'));
  });

  test('accounts have no updated field and order by _synced_at', () => {
    const sql = latestViewSql(TABLES.accounts, fq);
    assert.ok(sql.includes('ORDER BY t._synced_at DESC, t._version DESC'));
    assert.ok(!sql.includes('updated_at'));
  });

  test("lines: only those of the parent's latest version (semi-join on the parent version, which names account and id)", () => {
    for (const [lines, parent, p] of [['invoice_lines', 'invoices', 'invoice'], ['bill_lines', 'bills', 'bill']] as const) {
      const sql = latestViewSql(TABLES[lines], fq);
      assert.ok(sql.includes(`\`my-project.finance.freshbooks_${parent}\` AS pt`));
      assert.ok(sql.includes('PARTITION BY pt.account_id, pt.id ORDER BY pt._synced_at DESC, pt.updated_at DESC, pt._version DESC'));
      assert.ok(sql.includes(`WHERE l.${p}_version IN (`));
      assert.ok(sql.includes('SELECT pt._version, ROW_NUMBER()'));
      assert.ok(sql.includes(`PARTITION BY l.account_id, l.${p}_id, l.line_id`));
    }
  });

  test('accepts names already in backticks; refuses names that would break quoting', () => {
    const sql = latestViewSql(TABLES.items, (t) => `\`p.d.${t}\``);
    assert.ok(sql.includes('FROM `p.d.items` AS t'));
    assert.throws(() => latestViewSql(TABLES.items, () => 'p.d.x` UNION ALL SELECT 1 --'));
  });
});

describe('latestViewSqlPostgres', () => {
  const pq = (t: TableKey) => `"finance"."freshbooks_${t}"`;
  for (const key of TABLE_KEYS) {
    test(`${key}: the same partition and order as BigQuery's view, NULLs last, versions compared as bytes`, () => {
      const spec = TABLES[key];
      const sql = latestViewSqlPostgres(spec, pq);
      const bq = latestViewSql(spec, fq);
      const alias = spec.parent ? 'l' : 't';
      const partition = spec.keyColumns.map((c) => `${alias}."${c}"`).join(', ');
      assert.ok(sql.startsWith(`SELECT DISTINCT ON (${partition}) ${alias}.*`), sql);
      const bqOrder = bq.match(new RegExp(`PARTITION BY ${spec.keyColumns.map((c) => `${alias}\\.${c}`).join(', ')} ORDER BY ([^)]*)\\)`))![1]!;
      const pgOrder = bqOrder.split(', ').map((term) => {
        const [col, dir] = term.split(' ');
        const [a, name] = col!.split('.');
        return `${a}."${name}"${name === '_version' ? ' COLLATE "C"' : ''} ${dir} NULLS LAST`;
      }).join(', ');
      assert.ok(sql.endsWith(`ORDER BY ${partition}, ${pgOrder}`), `${sql}\n--- expected order ${pgOrder}`);
      assert.ok(!sql.includes('`') && !sql.includes(';'));
      if (spec.parent) assert.ok(sql.includes(`WHERE l."${spec.parent.carried.version}" IN (`));
    });
  }
});

