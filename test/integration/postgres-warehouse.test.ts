import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Pool } from 'pg';
import { startHarness, type Harness } from '../support/harness';
import { authorizeFreshBooks, createPostgresConnection, eventually, waitForRuns, warehouseDatabaseUrl } from '../support/flows';
import { COMPARED, postgresFigures, postgresRepeatedVersions, sourceAmounts } from '../support/warehouse-checks';
import { TABLES, TABLE_KEYS } from '../../mapping/freshbooks';

/**
 * FreshBooks → a Postgres warehouse: the BigQuery tests' invariants (counts and money per currency
 * equal the source, one row per record in every `_latest` view) plus the raw tables' own (no version
 * twice), the exactly-once repair of a lost ledger write, webhooks, and the on-entry check.
 */
describe('FreshBooks → Postgres warehouse (real Temporal, Postgres, FreshBooks sandbox)', () => {
  let h: Harness;
  let url: string;
  let wh: Pool;
  before(async () => {
    h = await startHarness();
    url = await warehouseDatabaseUrl();
    wh = new Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    await wh.end();
    await h.close();
  });

  const fq = (schema: string, t: string) => `"${schema}"."freshbooks_${t}_latest"`;

  async function assertMatchesSource(schema: string, accountId: string, tables = COMPARED): Promise<void> {
    const totals = h.fb.state.totals(accountId);
    for (const { table, source, amountColumn } of tables) {
      const got = await postgresFigures(wh, schema, table, amountColumn);
      assert.equal(got.count, totals.entities[source].count, `${table}: row count`);
      assert.equal(got.distinctKeys, got.count, `${table}: one row per record`);
      if (amountColumn) assert.deepEqual(got.amounts, sourceAmounts(totals.entities[source].amounts), `${table}: sum of ${amountColumn} per currency`);
    }
    for (const key of TABLE_KEYS) assert.equal(await postgresRepeatedVersions(wh, schema, key), 0, `${key}: no version twice`);
  }

  test('backfill: every record type lands completely, flags and owners on every row, the URL never shown', async () => {
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema: 'freshbooks' });
    await waitForRuns(h, connectionId, 1);
    await assertMatchesSource('freshbooks', accountId);

    const { rows: [inv] } = await wh.query<{ deleted: number; archived: number; missing_ids: number }>(
      `SELECT count(*) FILTER (WHERE is_deleted)::int AS deleted, count(*) FILTER (WHERE is_archived)::int AS archived,
              count(*) FILTER (WHERE account_id IS NULL OR business_id IS NULL)::int AS missing_ids FROM ${fq('freshbooks', 'invoices')}`);
    const byVis = h.fb.state.totals(accountId).entities.invoices.byVisState;
    assert.equal(inv!.deleted, byVis['1'].count);
    assert.equal(inv!.archived, byVis['2'].count);
    assert.equal(inv!.missing_ids, 0);

    // Every batch the ledger names committed in the warehouse with its rows.
    const { rows: ledgerBatches } = await h.db.query<{ batch_id: string }>('SELECT DISTINCT batch_id FROM delivered_records WHERE connection_id = $1', [connectionId]);
    const { rows: committed } = await wh.query<{ batch_key: string }>('SELECT batch_key FROM freshbooks._ml_batches');
    const inWarehouse = new Set(committed.map((r) => r.batch_key));
    assert.ok(ledgerBatches.length > 0);
    for (const b of ledgerBatches) assert.ok(inWarehouse.has(b.batch_id), `batch ${b.batch_id} committed in the warehouse`);

    const view = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(view.status, 200);
    const password = new URL(url).password;
    assert.ok(!JSON.stringify(view.body).includes(`:${password}@`), 'the URL is not shown');
    assert.equal(view.body.destination?.schema ?? view.body.connection?.destination?.schema, 'freshbooks');

    // The generated LookML names this schema's `_latest` views (and raw tables, for its datagroup) in the
    // Postgres dialect, and every relation it names exists here.
    const lookml = await h.admin(`/api/connections/${connectionId}/lookml`);
    assert.equal(lookml.status, 200);
    const text = Object.values(lookml.body.files as Record<string, string>).join('\n');
    const relations = new Set([...text.matchAll(/"freshbooks"\."([a-z_]+)"/g)].map((m) => m[1]!));
    for (const k of TABLE_KEYS) assert.ok(relations.has(`${TABLES[k].defaultName}_latest`), `${k}: its view is modelled`);
    const known = new Set(TABLE_KEYS.flatMap((k) => [TABLES[k].defaultName, `${TABLES[k].defaultName}_latest`]));
    for (const r of relations) assert.ok(known.has(r), `${r} is one of ours`);
    for (const r of relations) await wh.query(`SELECT * FROM "freshbooks"."${r}" LIMIT 1`);
  });

  test('a batch whose warehouse commit landed but whose ledger write was lost is found "already in" by the retry', async () => {
    const schema = 'fb_repair';
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema, businessIndex: 1, settings: { entities: ['invoices'] } });
    await waitForRuns(h, connectionId, 1);
    const { rows: [lost] } = await h.db.query<{ batch_id: string; n: string }>(
      `SELECT batch_id, count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = 'invoices' GROUP BY batch_id ORDER BY batch_id LIMIT 1`, [connectionId]);
    const rawBefore = (await wh.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".freshbooks_invoices`)).rows[0]!.n;
    const batchesBefore = (await wh.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"._ml_batches`)).rows[0]!.n;
    // What a crash between the warehouse's COMMIT and the ledger's INSERT leaves.
    await h.db.query('DELETE FROM delivered_records WHERE connection_id = $1 AND batch_id = $2', [connectionId, lost!.batch_id]);

    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'full' } });
    await waitForRuns(h, connectionId, 2);
    const { rows: [repaired] } = await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND batch_id = $2', [connectionId, lost!.batch_id]);
    assert.equal(repaired!.n, lost!.n, 'the ledger holds the batch again, under the same key');
    assert.equal((await wh.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"._ml_batches`)).rows[0]!.n, batchesBefore, 'no new batch');
    assert.equal((await wh.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".freshbooks_invoices`)).rows[0]!.n, rawBefore, 'no row written twice');
    await assertMatchesSource(schema, accountId, COMPARED.filter((c) => c.source === 'invoices' || c.source === 'invoice_lines'));
  });

  test('incremental: creates, updates across the DST change, deletes and archives reach the latest views exactly once', async () => {
    const fb = h.fb.state;
    const schema = 'fb_incremental';
    fb.setClock('2027-11-06T16:00:00Z');
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema });
    await waitForRuns(h, connectionId, 1);

    const invoices = fb.list(accountId, 'invoices', { per_page: '100' }).items as { id: number; customerid: number; vis_state: number }[];
    const [toUpdate, toDelete] = invoices.filter((i) => i.vis_state === 0);
    const client = (fb.list(accountId, 'clients', { per_page: '100' }).items as { id: number; vis_state: number }[]).find((c) => c.vis_state === 0)!;
    const payment = (fb.list(accountId, 'payments', { per_page: '100' }).items as { id: number; vis_state: number }[]).find((p) => p.vis_state === 0)!;

    fb.setClock('2027-11-07T05:30:00Z');
    const created = fb.create(accountId, 'invoices', {
      customerid: toUpdate!.customerid, create_date: '2027-11-07', currency_code: 'USD',
      lines: [{ name: 'Retainer', qty: '1', unit_cost: { amount: '1234.56', code: 'USD' } }],
    }) as { id: number };
    fb.update(accountId, 'invoices', toUpdate!.id, { notes: 'first edit (EDT)' });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);

    fb.setClock('2027-11-07T06:30:00Z');
    fb.update(accountId, 'invoices', toUpdate!.id, { notes: 'second edit (EST)' });
    fb.delete(accountId, 'invoices', toDelete!.id);
    fb.archive(accountId, 'clients', client.id);
    fb.delete(accountId, 'payments', payment.id);
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 3);

    const one = async <R extends Record<string, unknown>>(sql: string, params: unknown[]) => (await wh.query<R>(sql, params)).rows;
    assert.deepEqual(await one(`SELECT notes FROM ${fq(schema, 'invoices')} WHERE id = $1`, [toUpdate!.id]), [{ notes: 'second edit (EST)' }]);
    assert.deepEqual(await one(`SELECT i.amount::text AS amount, (SELECT count(*)::int FROM ${fq(schema, 'invoice_lines')} l WHERE l.invoice_id = i.id) AS lines FROM ${fq(schema, 'invoices')} i WHERE i.id = $1`, [created.id]),
      [{ amount: '1234.56', lines: 1 }]);
    assert.deepEqual(await one(`SELECT is_deleted FROM ${fq(schema, 'invoices')} WHERE id = $1`, [toDelete!.id]), [{ is_deleted: true }]);
    assert.deepEqual(await one(`SELECT is_archived FROM ${fq(schema, 'clients')} WHERE id = $1`, [client.id]), [{ is_archived: true }]);
    assert.deepEqual(await one(`SELECT is_deleted FROM ${fq(schema, 'payments')} WHERE id = $1`, [payment.id]), [{ is_deleted: true }]);
    // The raw table keeps both edits, in sync order.
    const versions = await one<{ notes: string }>(`SELECT notes FROM "${schema}".freshbooks_invoices WHERE id = $1 AND notes LIKE '% edit (%' ORDER BY _synced_at`, [toUpdate!.id]);
    assert.deepEqual(versions.map((v) => v.notes), ['first edit (EDT)', 'second edit (EST)']);
    await assertMatchesSource(schema, accountId);

    const runs = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { stats: Record<string, { delivered: number }> }[];
    assert.equal(runs[0]!.stats.invoices!.delivered, 2, 'the edited and the deleted invoice');
  });

  test('soft deletes that leave `updated` alone arrive with the next incremental run, once', async () => {
    const fb = h.fb.state;
    const schema = 'fb_deletes';
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema, settings: { entities: ['invoices', 'payments'] } });
    await waitForRuns(h, connectionId, 1);
    type Listed = { id: number; updated: string };
    const oldest = (entity: 'invoices' | 'payments', n: number) => (fb.list(accountId, entity, { per_page: '100', sort: 'updated_asc', 'search[vis_state]': '0' }).items as Listed[]).slice(0, n);
    const invoices = oldest('invoices', 3);
    const payments = oldest('payments', 2);
    for (const i of invoices) fb.delete(accountId, 'invoices', i.id, { keepUpdated: true });
    for (const p of payments) fb.delete(accountId, 'payments', p.id, { keepUpdated: true });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    for (const [entity, rows] of [['invoices', invoices], ['payments', payments]] as const) {
      const got = (await wh.query<{ id: string; is_deleted: boolean }>(`SELECT id, is_deleted FROM ${fq(schema, entity)} WHERE id = ANY($1::bigint[]) ORDER BY id`, [rows.map((r) => r.id)])).rows;
      assert.deepEqual(got.map((g) => [Number(g.id), g.is_deleted]), rows.map((r) => [r.id, true]).sort((a, b) => Number(a[0]) - Number(b[0])), `${entity} deleted`);
    }
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 3);
    const runs = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns as { stats: Record<string, { delivered: number }> }[];
    assert.equal(runs[0]!.stats.invoices!.delivered, 0);
    assert.equal(runs[0]!.stats.payments!.delivered, 0);
    await assertMatchesSource(schema, accountId, COMPARED.filter((c) => ['invoices', 'invoice_lines', 'payments'].includes(c.source)));
  });

  test('a FreshBooks webhook change reaches the latest view through INSERT, once; a new FreshBooks field becomes a column', async () => {
    const fb = h.fb.state;
    const schema = 'fb_webhooks';
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema, businessIndex: 1, settings: { webhooks: true, entities: ['invoices', 'clients'] } });
    await waitForRuns(h, connectionId, 1);
    await eventually('verified callbacks', () => {
      const mine = [...fb.webhooks.callbacks.values()].filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`));
      return mine.length > 0 && mine.every((c) => c.verified) ? mine : undefined;
    }, 60_000);
    const inv = (fb.list(accountId, 'invoices', { per_page: '100', 'search[vis_state]': '0' }).items as { id: number }[])[0]!;
    fb.update(accountId, 'invoices', inv.id, { notes: 'edited for the webhook test', brandNewField: 42 });
    const row = await eventually('webhook row', async () => {
      const { rows } = await wh.query<{ notes: string; brand_new_field: string | null }>(`SELECT * FROM ${fq(schema, 'invoices')} WHERE id = $1`, [inv.id]);
      return rows[0]?.notes === 'edited for the webhook test' ? rows : undefined;
    }, 60_000);
    assert.equal(row.length, 1);
    assert.equal(Number(row[0]!.brand_new_field), 42, 'the new field is a column, in the view too');
    const { rows: [col] } = await wh.query(`SELECT data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'freshbooks_invoices' AND column_name = 'brand_new_field'`, [schema]);
    assert.deepEqual(col, { data_type: 'bigint', is_nullable: 'YES' });
    assert.equal(await postgresRepeatedVersions(wh, schema, 'invoices'), 0);
  });

  test('bad input: a URL that cannot connect, a wrong password, a role without CREATE: each a 400 naming the field, nothing stored', async () => {
    const auth = await authorizeFreshBooks(h);
    const counts = async () => (await h.db.query<{ c: string; k: string }>('SELECT (SELECT count(*) FROM connections) AS c, (SELECT count(*) FROM credentials) AS k')).rows[0];
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'it_reader') THEN CREATE ROLE it_reader LOGIN PASSWORD 'reader-Secret-42'; END IF; END $$");
    await admin.query('CREATE SCHEMA IF NOT EXISTS fb_locked');
    await admin.end();
    const at = (patch: (u: URL) => void) => { const u = new URL(url); patch(u); return u.toString(); };
    const cases: { name: string; destination: Record<string, unknown>; field: string; secret?: string }[] = [
      { name: 'nothing listens there', destination: { url: at((u) => { u.port = '1'; }) }, field: 'destination.url' },
      { name: 'no such host', destination: { url: at((u) => { u.hostname = 'no-such-host.invalid'; }) }, field: 'destination.url' },
      { name: 'wrong password', destination: { url: at((u) => { u.password = 'Wrong-Pass-9137'; }) }, field: 'destination.url', secret: 'Wrong-Pass-9137' },
      { name: 'no such database', destination: { url: at((u) => { u.pathname = '/no_such_db'; }) }, field: 'destination.url' },
      { name: 'may not create the schema', destination: { url: at((u) => { u.username = 'it_reader'; u.password = 'reader-Secret-42'; }), schema: 'fb_new' }, field: 'destination.schema', secret: 'reader-Secret-42' },
      { name: 'may not create in the schema', destination: { url: at((u) => { u.username = 'it_reader'; u.password = 'reader-Secret-42'; }), schema: 'fb_locked' }, field: 'destination.schema', secret: 'reader-Secret-42' },
      { name: 'names a file on the worker', destination: { url: `${url}?sslmode=verify-full&sslrootcert=/etc/passwd` }, field: 'destination.url' },
      { name: 'bad percent-encoding', destination: { url: at((u) => { u.username = '%zz'; u.password = 'Pct-Secret-77'; }) }, field: 'destination.url', secret: 'Pct-Secret-77' },
      { name: 'not a postgres URL', destination: { url: 'mysql://u:Pw-Not-Echoed@h/db' }, field: 'destination.url', secret: 'Pw-Not-Echoed' },
      { name: 'bad schema name', destination: { url, schema: 'Robert"); DROP' }, field: 'destination.schema' },
    ];
    for (const c of cases) {
      const before = await counts();
      const res = await h.admin('/api/connections', {
        body: { authorizationId: auth.authorizationId, businessIds: [auth.businesses[0].businessId], destination: { type: 'postgres', ...c.destination } },
      });
      assert.equal(res.status, 400, `${c.name}: ${JSON.stringify(res.body)}`);
      assert.deepEqual((res.body.details as { field: string }[]).map((d) => d.field), [c.field], c.name);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(new URL(url).password === 'postgres' ? ':postgres@' : new URL(url).password), `${c.name}: the password is not echoed`);
      if (c.secret) assert.ok(!text.includes(c.secret), `${c.name}: the password is not echoed`);
      assert.deepEqual(await counts(), before, `${c.name}: nothing stored`);
    }
    const { rows } = await wh.query("SELECT 1 FROM pg_namespace WHERE nspname = 'fb_new'");
    assert.equal(rows.length, 0);
    assert.ok(TABLES.invoices.defaultName === 'freshbooks_invoices');
  });
});
