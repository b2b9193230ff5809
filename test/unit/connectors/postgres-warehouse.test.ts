import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Pool } from 'pg';
import { freshDatabase, infrastructure, stopOwnStack } from '../../support/harness';
import { PG_DATA_TYPES, PG_TYPES, PostgresWarehouse, PostgresWarehouseError, checkWarehouseAccess, copyField, scrubber, warehouseError } from '../../../connectors/postgres-warehouse';
import type { ColumnSpec, ColumnType } from '../../../common/warehouse-types';
import { PostgresDestination } from '../../../destinations/postgres/adapter';
import { TABLES, TABLE_KEYS } from '../../../mapping/freshbooks';

const COLUMNS: ColumnSpec[] = [
  { name: 'account_id', type: 'STRING' }, { name: 'id', type: 'INT64' }, { name: 'amount', type: 'NUMERIC' },
  { name: 'updated_at', type: 'TIMESTAMP' }, { name: 'raw_json', type: 'STRING' },
  { name: '_synced_at', type: 'TIMESTAMP' }, { name: '_batch_id', type: 'STRING' }, { name: '_version', type: 'STRING' },
];

const row = (id: number, version: string, syncedAt: string, extra: Record<string, unknown> = {}) => ({
  account_id: 'acc', id, amount: '10.50', updated_at: '2027-01-01T00:00:00Z', raw_json: '{"a":"tab\\there"}',
  _synced_at: syncedAt, _batch_id: 'b', _version: version, ...extra,
});

describe('Postgres warehouse: types and COPY text', () => {
  test('every catalogue type has a Postgres type, as information_schema names it too', () => {
    assert.deepEqual(PG_TYPES, {
      STRING: 'text', INT64: 'bigint', NUMERIC: 'numeric', BOOL: 'boolean', TIMESTAMP: 'timestamptz', DATE: 'date', FLOAT64: 'double precision', JSON: 'jsonb',
    });
    assert.deepEqual(Object.keys(PG_DATA_TYPES).sort(), Object.keys(PG_TYPES).sort());
  });

  test('COPY fields: NULL, booleans, escapes, NUL, objects', () => {
    assert.equal(copyField(null), '\\N');
    assert.equal(copyField(undefined), '\\N');
    assert.equal(copyField(true), 't');
    assert.equal(copyField(false), 'f');
    assert.equal(copyField(12), '12');
    assert.equal(copyField('a\tb\nc\\d\re'), 'a\\tb\\nc\\\\d\\re');
    assert.equal(copyField('x\u0000y'), 'x\uFFFDy');
    assert.equal(copyField({ a: 1 }), '{"a":1}');
  });

  test('the scrubber takes out the password, raw and decoded, and the whole URL', () => {
    const url = 'postgres://bob:p%40ss%2Fw0rd@db.example:5432/wh';
    const scrub = scrubber(url);
    assert.equal(scrub(`failed for ${url}`), 'failed for ***');
    assert.equal(scrub('pw p@ss/w0rd or p%40ss%2Fw0rd'), 'pw *** or ***');
    const e = warehouseError(Object.assign(new Error('password p@ss/w0rd rejected'), { code: '28P01' }), scrub);
    assert.equal(e.reason, 'auth');
    assert.ok(!e.message.includes('p@ss'));
    assert.equal(warehouseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), scrub).retryable, true);
    assert.equal(warehouseError(Object.assign(new Error('permission denied for schema x'), { code: '42501' }), scrub).reason, 'permission');
    assert.equal(warehouseError(Object.assign(new Error('invalid input syntax for type bigint'), { code: '22P02' }), scrub).reason, 'rejected');
  });
});

describe('Postgres warehouse against a real Postgres', () => {
  let serverUrl: string;
  let url: string;
  let pool: Pool;
  before(async () => {
    serverUrl = (await infrastructure()).databaseUrl;
    url = await freshDatabase(serverUrl);
    pool = new Pool({ connectionString: url, max: 4 });
  });
  after(async () => {
    await pool.end();
    await stopOwnStack();
  });

  const warehouse = (schema: string) => new PostgresWarehouse({ pool, schema, scrub: scrubber(url) });
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]!.n);

  test('a batch whose key committed is a no-op that answers the same row count, in both write paths', async () => {
    const wh = warehouse('t_batches');
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], []);
    for (const bulk of [true, false]) {
      const key = `k-${bulk}`;
      const rows = [row(1, `v1-${bulk}`, '2027-01-01T00:00:00Z'), row(2, `v2-${bulk}`, '2027-01-01T00:00:00Z')];
      const first = await wh.writeBatch({ batchKey: key, label: 'things', bulk, writes: [{ table: 'things', columns: COLUMNS, rows }] });
      assert.deepEqual(first, { rows: 2, replayed: false });
      const again = await wh.writeBatch({ batchKey: key, label: 'things', bulk, writes: [{ table: 'things', columns: COLUMNS, rows: [...rows, row(3, 'never', '2027-01-01T00:00:00Z')] }] });
      assert.deepEqual(again, { rows: 2, replayed: true });
      assert.equal(await wh.hasBatch(key), true);
    }
    assert.equal(await count('SELECT count(*) AS n FROM t_batches.things'), 4);
    assert.equal(await count("SELECT count(*) AS n FROM t_batches.things WHERE _version = 'never'"), 0);
    const [r] = (await pool.query('SELECT amount::text AS amount, raw_json, updated_at FROM t_batches.things WHERE _version = $1', ['v1-true'])).rows;
    assert.equal(r.amount, '10.50');
    assert.equal(r.raw_json, '{"a":"tab\\there"}');
    assert.equal((r.updated_at as Date).toISOString(), '2027-01-01T00:00:00.000Z');
  });

  test('two attempts of one batch at once write it once', async () => {
    const wh = warehouse('t_race');
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], []);
    const rows = Array.from({ length: 300 }, (_, i) => row(i, `v${i}`, '2027-01-01T00:00:00Z'));
    const results = await Promise.all([true, false, true].map((bulk) => wh.writeBatch({ batchKey: 'same', label: 'things', bulk, writes: [{ table: 'things', columns: COLUMNS, rows }] })));
    assert.deepEqual(results.map((r) => r.rows), [300, 300, 300]);
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.equal(await count('SELECT count(*) AS n FROM t_race.things'), 300);
  });

  test('a version written again in another batch is not a second row; its sync time moves forward', async () => {
    const wh = warehouse('t_versions');
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], []);
    await wh.writeBatch({ batchKey: 'a', label: 'things', bulk: true, writes: [{ table: 'things', columns: COLUMNS, rows: [row(1, 'v1', '2027-01-01T00:00:00Z')] }] });
    await wh.writeBatch({ batchKey: 'b', label: 'things', bulk: false, writes: [{ table: 'things', columns: COLUMNS, rows: [row(1, 'v1', '2027-02-01T00:00:00Z'), row(1, 'v1', '2027-02-01T00:00:00Z')] }] });
    await wh.writeBatch({ batchKey: 'c', label: 'things', bulk: true, writes: [{ table: 'things', columns: COLUMNS, rows: [row(1, 'v1', '2026-12-01T00:00:00Z')] }] });
    const rows = (await pool.query<{ _synced_at: Date }>('SELECT _synced_at FROM t_versions.things')).rows;
    assert.deepEqual(rows.map((r) => r._synced_at.toISOString()), ['2027-02-01T00:00:00.000Z']);
  });

  test('a column the batch carries and the table lacks is appended NULLABLE, and its view shows it', async () => {
    const wh = warehouse('t_grow');
    const view = { name: 'things_latest', sql: `SELECT DISTINCT ON (t.id) t.* FROM "t_grow"."things" AS t ORDER BY t.id, t._synced_at DESC`, table: 'things' };
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], [view]);
    const extra: ColumnSpec = { name: 'late_field', type: 'INT64', mode: 'NULLABLE' };
    await wh.writeBatch({ batchKey: 'g', label: 'things', bulk: true, writes: [{ table: 'things', columns: [...COLUMNS, extra], rows: [row(1, 'v1', '2027-01-01T00:00:00Z', { late_field: 7 })], view }] });
    const [r] = (await pool.query('SELECT late_field FROM t_grow.things_latest')).rows;
    assert.equal(Number(r.late_field), 7);
    const { rows } = await pool.query("SELECT is_nullable, data_type FROM information_schema.columns WHERE table_schema = 't_grow' AND table_name = 'things' AND column_name = 'late_field'");
    assert.deepEqual(rows, [{ is_nullable: 'YES', data_type: 'bigint' }]);
  });

  test('a batch that grows a table while a query on its view is under way: both finish (the view is locked first, as readers lock it)', async () => {
    const wh = warehouse('t_grow_read');
    const view = { name: 'things_latest', sql: `SELECT DISTINCT ON (t.id) t.* FROM "t_grow_read"."things" AS t ORDER BY t.id, t._synced_at DESC`, table: 'things' };
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], [view]);
    const reader = new Client({ connectionString: url });
    await reader.connect();
    try {
      // A query on the view holds the view and is about to lock the table: pinned here by a lock on the view alone
      // (COMMENT locks only the object it names; rolled back below, so the view's note stays).
      await reader.query('BEGIN');
      await reader.query(`COMMENT ON VIEW t_grow_read.things_latest IS 'held by a reader'`);
      const extra: ColumnSpec = { name: 'late_field', type: 'INT64', mode: 'NULLABLE' };
      const writing = wh.writeBatch({ batchKey: 'gr', label: 'things', bulk: true, writes: [{ table: 'things', columns: [...COLUMNS, extra], rows: [row(1, 'v1', '2027-01-01T00:00:00Z', { late_field: 7 })], view }] });
      writing.catch(() => undefined);
      const waiting = async () => Number((await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 't_grow_read' AND NOT l.granted`)).rows[0]!.n);
      for (let i = 0; i < 100 && await waiting() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await waiting() > 0, 'the batch waits for the reader');
      // The reader goes on to the table: the batch must not hold it while it waits for the view.
      await reader.query("SET LOCAL statement_timeout = '20s'");
      const read = await reader.query('SELECT count(*) AS n FROM t_grow_read.things');
      assert.equal(Number(read.rows[0].n), 0);
      await reader.query('ROLLBACK');
      assert.deepEqual(await writing, { rows: 1, replayed: false });
    } finally {
      await reader.end();
    }
    const [r] = (await pool.query('SELECT late_field FROM t_grow_read.things_latest')).rows;
    assert.equal(Number(r.late_field), 7);
  });

  test('a column a person retyped is a schema conflict, never altered back', async () => {
    const wh = warehouse('t_conflict');
    await wh.prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], []);
    await pool.query('ALTER TABLE t_conflict.things ALTER COLUMN amount TYPE text');
    await assert.rejects(warehouse('t_conflict').prepare([{ name: 'things', columns: COLUMNS, uniqueColumn: '_version', indexColumns: ['account_id', 'id'] }], []),
      (err: unknown) => err instanceof PostgresWarehouseError && err.reason === 'schema_conflict' && /amount is text/.test(err.message));
  });

  test('the catalogue: every table with every column in its mapped type, every _latest view', async () => {
    const wh = warehouse('freshbooks');
    const dest = new PostgresDestination(wh);
    await dest.prepare();
    // A reader in the middle of a long query: preparing again replaces nothing, so it waits for nothing.
    const reader = await pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM freshbooks.freshbooks_invoices_latest');
      await reader.query('LOCK TABLE freshbooks.freshbooks_invoices IN ROW EXCLUSIVE MODE');
      await dest.prepare();
      await reader.query('COMMIT');
    } finally {
      reader.release();
    }
    for (const key of TABLE_KEYS) {
      const { rows } = await pool.query<{ column_name: string; data_type: string }>(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', ['freshbooks', TABLES[key].defaultName]);
      assert.deepEqual(rows.map((r) => [r.column_name, r.data_type]), TABLES[key].columns.map((c) => [c.name, PG_DATA_TYPES[c.type as ColumnType]]), key);
      const view = await count(`SELECT count(*) AS n FROM information_schema.views WHERE table_schema = 'freshbooks' AND table_name = '${TABLES[key].defaultName}_latest'`);
      assert.equal(view, 1, `${key} view`);
    }
  });

  test('the on-entry check: cannot connect and wrong password name the URL; a role without CREATE names the schema', async () => {
    const check = (u: string, schema = 'freshbooks') => checkWarehouseAccess(u, schema, { connectTimeoutMs: 5000 });
    assert.equal(await check(url), null);
    const wrong = new URL(url);
    wrong.password = 'Wr0ng-secret-value';
    const refusedPw = await check(wrong.toString());
    assert.equal(refusedPw?.field, 'url');
    assert.ok(!refusedPw!.message.includes('Wr0ng-secret-value'));
    const closed = new URL(url);
    closed.port = '1';
    assert.equal((await check(closed.toString()))?.field, 'url');

    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wh_reader') THEN CREATE ROLE wh_reader LOGIN PASSWORD 'reader-pw'; END IF; END $$");
    await admin.query('CREATE SCHEMA IF NOT EXISTS locked');
    await admin.end();
    const reader = new URL(url);
    reader.username = 'wh_reader';
    reader.password = 'reader-pw';
    assert.equal((await check(reader.toString(), 'brand_new'))?.field, 'schema');
    assert.equal((await check(reader.toString(), 'locked'))?.field, 'schema');
  });
});

describe('Postgres latest views pick as BigQuery does', () => {
  let url: string;
  let pool: Pool;
  before(async () => {
    url = await freshDatabase((await infrastructure()).databaseUrl);
    pool = new Pool({ connectionString: url, max: 2 });
    await new PostgresDestination(new PostgresWarehouse({ pool, schema: 'freshbooks', scrub: scrubber(url) })).prepare();
  });
  after(async () => {
    await pool.end();
    await stopOwnStack();
  });

  const insert = (table: string, r: Record<string, unknown>) => {
    const cols = Object.keys(r);
    return pool.query(`INSERT INTO freshbooks.${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(r));
  };

  test('newest sync first; on a tie the newest updated_at, and a NULL updated_at loses (BigQuery sorts NULL last in DESC)', async () => {
    await insert('freshbooks_invoices', { account_id: 'a', id: 1, notes: 'old', _synced_at: '2027-01-01T00:00:00Z', updated_at: '2027-01-01T00:00:00Z', _version: 'v1' });
    await insert('freshbooks_invoices', { account_id: 'a', id: 1, notes: 'new sync, older update', _synced_at: '2027-01-02T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', _version: 'v2' });
    await insert('freshbooks_invoices', { account_id: 'a', id: 2, notes: 'null updated', _synced_at: '2027-01-01T00:00:00Z', updated_at: null, _version: 'w2' });
    await insert('freshbooks_invoices', { account_id: 'a', id: 2, notes: 'has updated', _synced_at: '2027-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z', _version: 'w1' });
    const { rows } = await pool.query<{ id: string; notes: string }>('SELECT id, notes FROM freshbooks.freshbooks_invoices_latest ORDER BY id');
    assert.deepEqual(rows.map((r) => [Number(r.id), r.notes]), [[1, 'new sync, older update'], [2, 'has updated']]);
  });

  test('lines: only those of the parent\'s latest version, one per line key', async () => {
    await insert('freshbooks_invoice_lines', { account_id: 'a', invoice_id: 1, line_id: 1, invoice_version: 'v1', description: 'of v1', _synced_at: '2027-01-01T00:00:00Z', _version: 'l1' });
    await insert('freshbooks_invoice_lines', { account_id: 'a', invoice_id: 1, line_id: 2, invoice_version: 'v1', description: 'removed in v2', _synced_at: '2027-01-01T00:00:00Z', _version: 'l2' });
    await insert('freshbooks_invoice_lines', { account_id: 'a', invoice_id: 1, line_id: 1, invoice_version: 'v2', description: 'of v2', _synced_at: '2027-01-02T00:00:00Z', _version: 'l3' });
    const { rows } = await pool.query<{ line_id: string; description: string }>('SELECT line_id, description FROM freshbooks.freshbooks_invoice_lines_latest ORDER BY line_id');
    assert.deepEqual(rows.map((r) => [Number(r.line_id), r.description]), [[1, 'of v2']]);
  });
});
