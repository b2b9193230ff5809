import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client as PgClient } from 'pg';
import { ALL_FRESHBOOKS_ENTITIES } from '../../common/freshbooks-entities';
import type { ColumnType } from '../../common/warehouse-types';
import { TABLES, type TableSpec } from '../../mapping/freshbooks';
import { generateLookml, viewNameOf } from '../../mapping/lookml';
import { EMULATOR_PROJECT, freshDatabase, infrastructure, startHarness, type Harness } from '../support/harness';
import { addCreditNotes, createBigQueryConnection, createPowerBiConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { columnsRead, exploreSelectSql, measuresSql, parseLookmlProject, type ParsedProject } from '../support/lookml';
import { COMPARED, normaliseMoney, sourceAmounts } from '../support/warehouse-checks';

/**
 * The LookML the API generates, run against warehouses a real backfill filled: every file parses with
 * the lkml parser, every table and column it names exists, every explore's SQL (its joins and every
 * dimension, built from the parsed files as Looker would) runs, and the per-currency sums equal the
 * FreshBooks source. BigQuery through the emulator; Postgres through tables made from the catalogue
 * and filled with the same rows (see `postgresWarehouse`).
 */

type Query = (sql: string) => Promise<Record<string, unknown>[]>;
const specs = Object.values(TABLES) as TableSpec[];

/** Joins that must find rows in the seeded account: a join that never matches has the wrong keys. */
const MATCHING_JOINS = [
  'freshbooks_invoices.freshbooks_invoice_lines', 'freshbooks_invoices.freshbooks_clients', 'freshbooks_payments.freshbooks_invoices',
  'freshbooks_expenses.freshbooks_expense_categories', 'freshbooks_bills.freshbooks_bill_vendors', 'freshbooks_bills.freshbooks_bill_lines',
  'freshbooks_bills.freshbooks_expense_categories',
];

async function checkAgainstWarehouse(p: ParsedProject, query: Query, source: ReturnType<Harness['fb']['state']['totals']>): Promise<string[]> {
  const log: string[] = [];
  // Every view's table and every column it reads exist: a SELECT of exactly those columns runs.
  for (const v of p.views.values()) {
    const cols = [...columnsRead(v)];
    assert.ok(cols.length > 5, `${v.name} reads ${cols.length} columns`);
    await query(`SELECT ${cols.map((c) => `${v.name}.${quoteFor(v.sql_table_name, c)}`).join(', ')} FROM ${v.sql_table_name} AS ${v.name} LIMIT 1`);
  }
  for (const e of p.model.explores ?? []) {
    const rows = await query(exploreSelectSql(p, e, 100_000));
    assert.ok(rows.length > 0, `explore ${e.name} returned no rows`);
    for (const j of e.joins ?? []) {
      const matched = rows.filter((r) => r[`${j.name}__primary_key`] !== null && r[`${j.name}__primary_key`] !== undefined).length;
      log.push(`${e.name} ⋈ ${j.name}: ${matched}/${rows.length} rows matched`);
      if (MATCHING_JOINS.includes(`${e.name}.${j.name}`)) assert.ok(matched > 0, `${e.name} join ${j.name} matched nothing`);
    }
  }
  // Per-currency sums equal the source; without the currency the sum is empty, never a mix.
  for (const { table, source: entity, amountColumn } of COMPARED) {
    if (!amountColumn) continue;
    const view = viewNameOf(table);
    const rows = await query(measuresSql(p, view, [`sum_${amountColumn}`], [`${amountColumn}_currency`]));
    const got = Object.fromEntries(rows.map((r) => [String(r[`${amountColumn}_currency`]), normaliseMoney(String(r[`sum_${amountColumn}`]))]));
    assert.deepEqual(got, sourceAmounts(source.entities[entity].amounts), `${view}.sum_${amountColumn} per currency`);
    const [all] = await query(measuresSql(p, view, [`sum_${amountColumn}`, 'count'], []));
    const currencies = Object.keys(got).length;
    if (currencies > 1) assert.equal(all![`sum_${amountColumn}`], null, `${view}: ${currencies} currencies are not added together`);
    else assert.equal(normaliseMoney(String(all![`sum_${amountColumn}`])), Object.values(got)[0], `${view}: one currency sums`);
    assert.equal(Number(all!.count), source.entities[entity].count, `${view}.count`);
    log.push(`${view}.sum_${amountColumn}: ${JSON.stringify(got)}`);
  }
  // The datagroup's trigger runs and reads the newest delivery.
  const [trigger] = await query(p.model.datagroups![0]!.sql_trigger);
  assert.ok(Object.values(trigger!)[0], 'sql_trigger returns the newest _synced_at');
  return log;
}

/** The quoting the view's own SQL uses (backquotes on BigQuery, double quotes on Postgres). */
const quoteFor = (relation: string, c: string) => (relation.startsWith('`') ? `\`${c}\`` : `"${c}"`);

const PG_TYPES: Record<ColumnType, string> = {
  STRING: 'text', INT64: 'bigint', NUMERIC: 'numeric', BOOL: 'boolean', TIMESTAMP: 'timestamptz', DATE: 'date', FLOAT64: 'double precision', JSON: 'jsonb',
};

/**
 * A Postgres warehouse with the catalogue's tables and `_latest` views, filled with the emulator's
 * rows. Stands in for the Postgres destination until it merges; then this test should create a
 * `"type": "postgres"` connection, let the backfill fill it, and ask the route for its LookML.
 */
async function postgresWarehouse(url: string, schema: string, copyFrom: Query): Promise<PgClient> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  await pg.query(`CREATE SCHEMA ${schema}`);
  for (const s of specs) {
    const table = `${schema}.${s.defaultName}`;
    await pg.query(`CREATE TABLE ${table} (${s.columns.map((c) => `"${c.name}" ${PG_TYPES[c.type]}`).join(', ')})`);
    const rows = await copyFrom(`SELECT ${s.columns.map((c) => `\`${c.name}\``).join(', ')} FROM \`${EMULATOR_PROJECT}.it_lookml.${s.defaultName}\``);
    const chunk = Math.floor(30_000 / s.columns.length);
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const values = part.flatMap((r) => s.columns.map((c) => r[c.name] ?? null));
      const tuples = part.map((_, j) => `(${s.columns.map((__, k) => `$${j * s.columns.length + k + 1}`).join(', ')})`);
      await pg.query(`INSERT INTO ${table} (${s.columns.map((c) => `"${c.name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
  }
  // Entities before lines: a line view reads its parent's view.
  for (const s of [...specs].sort((a, b) => Number(!!a.parent) - Number(!!b.parent))) {
    const keys = s.keyColumns.map((k) => `"${k}"`).join(', ');
    const order = ['_synced_at DESC', ...(s.columns.some((c) => c.name === 'updated_at') && !s.parent ? ['updated_at DESC'] : []), '_version DESC'];
    const lines = s.parent ? `WHERE "${s.parent.carried.version}" IN (SELECT _version FROM ${schema}.${TABLES[s.parent.table].defaultName}_latest)` : '';
    await pg.query(`CREATE VIEW ${schema}.${s.defaultName}_latest AS SELECT DISTINCT ON (${keys}) * FROM ${schema}.${s.defaultName} ${lines} ORDER BY ${keys}, ${order.join(', ')}`);
  }
  return pg;
}

describe('generated LookML on warehouses filled by a real backfill (Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  /** What BigQuery said, for Postgres to say the same (a NULL-skipping key would match every outer-joined row). */
  let bigQueryLog: string[] = [];
  before(async () => {
    h = await startHarness();
    // Every entity, so every explore has rows to check (BigQuery connections sync the core nine unless told).
    accountId = h.fb.state.accountIds()[0]!;
    addCreditNotes(h, accountId);
    ({ connectionId } = await createBigQueryConnection(h, { datasetId: 'it_lookml', settings: { entities: [...ALL_FRESHBOOKS_ENTITIES] } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h.close(); });

  test('BigQuery: the route\'s LookML parses, names only tables and columns that exist, and its explores and sums run right', async () => {
    const res = await h.admin(`/api/connections/${connectionId}/lookml?connection=bq_freshbooks`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const p = await parseLookmlProject(res.body.files);
    assert.equal(p.model.connection, 'bq_freshbooks');
    assert.deepEqual(res.body.explores, (p.model.explores ?? []).map((e) => e.name));
    const wh = emulatorWarehouse(h, 'it_lookml');
    const log = await checkAgainstWarehouse(p, (sql) => wh.query(sql), h.fb.state.totals(accountId));
    console.log(`lookml on bigquery:\n  ${log.join('\n  ')}`);
    bigQueryLog = log;
  });

  test('Postgres: the same LookML in the Postgres dialect runs on the catalogue\'s tables holding the same rows', async () => {
    const wh = emulatorWarehouse(h, 'it_lookml');
    const pg = await postgresWarehouse(await freshDatabase((await infrastructure()).databaseUrl), 'freshbooks', (sql) => wh.query(sql));
    try {
      const where = { dialect: 'postgres' as const, schema: 'freshbooks', tables: Object.fromEntries(specs.map((s) => [s.key, s.defaultName])) };
      const p = await parseLookmlProject(generateLookml(where, { connection: 'pg_freshbooks', model: 'freshbooks' }).files);
      const log = await checkAgainstWarehouse(p, async (sql) => (await pg.query(sql)).rows, h.fb.state.totals(accountId));
      console.log(`lookml on postgres:\n  ${log.join('\n  ')}`);
      assert.deepEqual(log, bigQueryLog, 'the same joins match the same rows and the same sums come out on both warehouses');
    } finally {
      await pg.end();
    }
  });

  test('the route: tar on request, 404 for unknown connections, 400 for Power BI and for a bad format or connection name', async () => {
    const tar = await fetch(`${h.apiUrl}/api/connections/${connectionId}/lookml?format=tar`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } });
    assert.equal(tar.status, 200);
    assert.equal(tar.headers.get('content-type'), 'application/x-tar');
    assert.match(tar.headers.get('content-disposition') ?? '', /^attachment; filename="?freshbooks-lookml\.tar"?$/);
    const body = Buffer.from(await tar.arrayBuffer());
    assert.equal(body.subarray(0, 100).toString('utf8').replace(/\0+$/, ''), 'freshbooks/freshbooks.model.lkml');
    assert.equal((await h.admin(`/api/connections/conn_00000000-0000-0000-0000-000000000000/lookml`)).status, 404);
    assert.equal((await h.admin(`/api/connections/${connectionId}/lookml?format=zip`)).status, 400);
    assert.equal((await h.admin(`/api/connections/${connectionId}/lookml?format=json&format=tar`)).status, 400);
    assert.equal((await h.admin(`/api/connections/${connectionId}/lookml?connection=a%22b`)).status, 400);
    const unauthenticated = await fetch(`${h.apiUrl}/api/connections/${connectionId}/lookml`);
    assert.equal(unauthenticated.status, 401);
    // A connection syncing some entities gets the views and explores of those only.
    const some = await createBigQueryConnection(h, { datasetId: 'it_lookml_some', settings: { entities: ['invoices', 'clients'] } });
    const subset = await h.admin(`/api/connections/${some.connectionId}/lookml`);
    assert.equal(subset.status, 200);
    assert.deepEqual(subset.body.explores, ['freshbooks_invoices', 'freshbooks_clients']);
    assert.deepEqual(Object.keys(subset.body.files).sort(), ['freshbooks.model.lkml', 'freshbooks_clients.view.lkml', 'freshbooks_invoice_lines.view.lkml', 'freshbooks_invoices.view.lkml']);
    await waitForRuns(h, some.connectionId, 1);
    const powerbi = await createPowerBiConnection(h, { settings: { entities: ['clients'], webhooks: false } });
    const refused = await h.admin(`/api/connections/${powerbi.connectionId}/lookml`);
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /powerbi, which is not a SQL warehouse/);
    await waitForRuns(h, powerbi.connectionId, 1);
  });
});
