/**
 * BigQueryWarehouse against sandbox/google: the fault cases the emulator cannot produce
 * (409 duplicate jobs, lost responses, insertErrors with "stopped" rows, insertId dedup,
 * 429/503/403-rateLimitExceeded with Retry-After, 401 after token revocation, job polling with location).
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ColumnSpec, WarehouseRow } from '../../../common/warehouse-types';
import {
  BigQueryApiError,
  BigQueryWarehouse,
  DatasetLocationMismatchError,
  InsertRowsError,
  InvalidSchemaError,
  JobIdCollisionError,
  LoadJobFailedError,
  RowEncodingError,
  SchemaConflictError,
  type BigQueryWarehouseOptions,
} from '../../../connectors/bigquery';
import { parseServiceAccountKey, ServiceAccountTokenProvider } from '../../../connectors/google';
import { createGoogleSandbox, generateTestServiceAccountKey, type GoogleSandbox, type RunningGoogleSandbox } from '../../../sandbox/google';

const sa = generateTestServiceAccountKey('warehouse@test-project.iam.gserviceaccount.com');
const key = parseServiceAccountKey(sa.keyJson);
const PROJECT = 'test-project';
const LOCATION = 'EU';

let sandbox: GoogleSandbox;
let running: RunningGoogleSandbox;
let tokens: ServiceAccountTokenProvider;
let datasetCounter = 0;
/** Delays the warehouse asked to sleep, so backoff is asserted without waiting for it. */
let sleeps: number[] = [];

before(async () => {
  sandbox = createGoogleSandbox();
  sandbox.state.registerServiceAccount(sa.clientEmail, sa.publicKeyPem);
  running = await sandbox.listen();
  tokens = new ServiceAccountTokenProvider({ key, tokenUrl: running.tokenUrl });
});
after(() => running.close());
beforeEach(() => {
  sleeps = [];
  sandbox.state.clearFaults();
  sandbox.state.jobPendingPolls = 0;
});

function warehouse(extra: Partial<BigQueryWarehouseOptions> = {}, datasetId = `ds_${++datasetCounter}`): BigQueryWarehouse {
  return new BigQueryWarehouse({
    target: { projectId: PROJECT, datasetId, location: LOCATION },
    apiEndpoint: running.url,
    tokens,
    retry: {
      maxAttempts: 5,
      baseDelayMs: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    jobPolling: { initialDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
}

const INVOICE_COLUMNS: ColumnSpec[] = [
  { name: 'account_id', type: 'STRING' },
  { name: 'invoice_id', type: 'INT64' },
  { name: 'amount', type: 'NUMERIC' },
  { name: 'currency', type: 'STRING' },
  { name: 'updated_at', type: 'TIMESTAMP' },
];

const invoiceRows = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ({
    account_id: 'acct1',
    invoice_id: offset + i,
    amount: `${offset + i}.${String(i % 100).padStart(2, '0')}`,
    currency: i % 2 ? 'USD' : 'CAD',
    updated_at: '2026-01-02T03:04:05.123456Z',
  }));

async function readyTable(wh: BigQueryWarehouse, table = 'invoices'): Promise<void> {
  await wh.ensureDataset();
  await wh.ensureTable(table, INVOICE_COLUMNS, { description: 'FreshBooks invoices', clusterBy: ['account_id'] });
}

function requests(op: string): number {
  return sandbox.state.stats.requests[op] ?? 0;
}

describe('ensureDataset / ensureTable / ensureView', () => {
  it('creates the dataset in the target location, idempotently', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    await wh.ensureDataset();
    assert.equal(sandbox.state.dataset(PROJECT, wh.target.datasetId)?.location, LOCATION);
  });

  it('refuses a dataset that lives in another location', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    const elsewhere = new BigQueryWarehouse({ target: { ...wh.target, location: 'US' }, apiEndpoint: running.url, tokens });
    await assert.rejects(elsewhere.ensureDataset(), DatasetLocationMismatchError);
  });

  it('creates a table with description and clustering, then appends only missing columns', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    assert.deepEqual(await wh.ensureTable('invoices', INVOICE_COLUMNS, { description: 'd', clusterBy: ['account_id'] }), { created: true, addedColumns: [] });
    const t = sandbox.state.findTable(wh.target.datasetId, 'invoices')!;
    assert.deepEqual(t.clustering, { fields: ['account_id'] });
    assert.equal(t.description, 'd');

    assert.deepEqual(await wh.ensureTable('invoices', INVOICE_COLUMNS), { created: false, addedColumns: [] });
    // A narrower column list never drops anything; a wider one appends at the end as NULLABLE.
    const widened = await wh.ensureTable('invoices', [INVOICE_COLUMNS[0]!, { name: 'status', type: 'STRING' }, { name: 'tags', type: 'STRING', mode: 'REPEATED' }]);
    assert.deepEqual(widened, { created: false, addedColumns: ['status', 'tags'] });
    const cols = await wh.getTableColumns('invoices');
    assert.deepEqual(cols?.map((c) => `${c.name}:${c.type}:${c.mode}`), [
      'account_id:STRING:NULLABLE',
      'invoice_id:INT64:NULLABLE',
      'amount:NUMERIC:NULLABLE',
      'currency:STRING:NULLABLE',
      'updated_at:TIMESTAMP:NULLABLE',
      'status:STRING:NULLABLE',
      'tags:STRING:REPEATED',
    ]);
    assert.equal(await wh.getTableColumns('missing_table'), null);
  });

  it('throws SchemaConflictError naming table, column and both types; never retypes', async () => {
    const wh = warehouse();
    await readyTable(wh);
    await assert.rejects(
      wh.ensureTable('invoices', [{ name: 'AMOUNT', type: 'FLOAT64' }]),
      (err: unknown) => {
        assert.ok(err instanceof SchemaConflictError);
        assert.equal(err.table, `${wh.target.datasetId}.invoices`);
        assert.equal(err.column, 'AMOUNT');
        assert.equal(err.existingType, 'NUMERIC');
        assert.equal(err.wantedType, 'FLOAT64');
        assert.match(err.message, /invoices.*AMOUNT.*existing type NUMERIC, wanted FLOAT64/);
        return true;
      },
    );
    await assert.rejects(wh.ensureTable('invoices', [{ name: 'currency', type: 'STRING', mode: 'REPEATED' }]), SchemaConflictError);
    assert.equal((await wh.getTableColumns('invoices'))?.find((c) => c.name === 'amount')?.type, 'NUMERIC');
  });

  it('validates column lists before calling the API', async () => {
    const wh = warehouse();
    await assert.rejects(wh.ensureTable('t', [{ name: 'a', type: 'STRING' }, { name: 'A', type: 'STRING' }]), InvalidSchemaError);
    await assert.rejects(wh.ensureTable('t', [{ name: '1bad', type: 'STRING' }]), InvalidSchemaError);
    await assert.rejects(wh.ensureTable('t', INVOICE_COLUMNS, { clusterBy: ['nope'] }), InvalidSchemaError);
  });

  it('two workers adding different columns at once both win (If-Match etag, retry on 412)', async () => {
    const a = warehouse();
    await readyTable(a);
    const b = warehouse({}, a.target.datasetId);
    await Promise.all([
      a.ensureTable('invoices', [...INVOICE_COLUMNS, { name: 'from_a', type: 'STRING' }]),
      b.ensureTable('invoices', [...INVOICE_COLUMNS, { name: 'from_b', type: 'BOOL' }]),
    ]);
    const names = (await a.getTableColumns('invoices'))!.map((c) => c.name);
    assert.ok(names.includes('from_a') && names.includes('from_b'), names.join(','));
  });

  it('creates and updates a view, but never replaces a table with one', async () => {
    const wh = warehouse();
    await readyTable(wh);
    await wh.ensureView('invoices_latest', 'SELECT 1 AS x');
    await wh.ensureView('invoices_latest', 'SELECT 2 AS x');
    const v = sandbox.state.findTable(wh.target.datasetId, 'invoices_latest')!;
    assert.equal(v.type, 'VIEW');
    assert.deepEqual(v.view, { query: 'SELECT 2 AS x', useLegacySql: false });
    await assert.rejects(wh.ensureView('invoices', 'SELECT 1'), /exists as a TABLE; refusing/);
  });
});

describe('loadRows', () => {
  it('loads NDJSON with NUMERIC as decimal strings and reports outputRows', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const res = await wh.loadRows('invoices', invoiceRows(1000), { jobId: 'load_a_1', columns: INVOICE_COLUMNS });
    assert.deepEqual(res, { jobId: 'load_a_1', reused: false, outputRows: 1000 });
    const rows = sandbox.state.rows(wh.target.datasetId, 'invoices');
    assert.equal(rows.length, 1000);
    assert.equal(rows[7]!.amount, '7.07');
    assert.equal(typeof rows[7]!.amount, 'string');
    const job = sandbox.state.job('load_a_1', PROJECT)!;
    const load = job.configuration.load as Record<string, unknown>;
    assert.equal(load.writeDisposition, 'WRITE_APPEND');
    assert.equal(load.createDisposition, 'CREATE_NEVER');
    assert.deepEqual(load.schemaUpdateOptions, ['ALLOW_FIELD_ADDITION']);
    assert.equal(load.sourceFormat, 'NEWLINE_DELIMITED_JSON');
    assert.equal(job.location, LOCATION);
  });

  it('a reused jobId is looked up and adopted, not re-submitted or re-run (A3/A9-6)', async () => {
    const wh = warehouse();
    await readyTable(wh);
    await wh.loadRows('invoices', invoiceRows(10), { jobId: 'load_b_1', columns: INVOICE_COLUMNS });
    const inserts = requests('jobs.insert(upload)');
    assert.ok(inserts >= 1);
    const again = await wh.loadRows('invoices', invoiceRows(10), { jobId: 'load_b_1', columns: INVOICE_COLUMNS });
    assert.deepEqual(again, { jobId: 'load_b_1', reused: true, outputRows: 10 });
    assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 10);
    assert.equal(requests('jobs.insert(upload)'), inserts, 'the look-up found the job; nothing was uploaded again');
  });

  it('a lost response (503 after the job was created) is retried, gets 409 and lands rows exactly once', async () => {
    const wh = warehouse();
    await readyTable(wh);
    sandbox.state.injectFaults({ scope: 'load', status: 503, count: 1, when: 'after' });
    const res = await wh.loadRows('invoices', invoiceRows(25), { jobId: 'load_c_1', columns: INVOICE_COLUMNS });
    assert.equal(res.reused, true);
    assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 25);
    assert.equal(sleeps.length, 1);
  });

  describe('a job found DONE without its rows (upload torn after the job was registered)', () => {
    const BATCHED: ColumnSpec[] = [...INVOICE_COLUMNS, { name: '_batch_id', type: 'STRING' }];
    const batchRows = (n: number) => invoiceRows(n).map((r) => ({ ...r, _batch_id: 'batch_t' }));
    const readyBatched = async (wh: BigQueryWarehouse) => {
      await wh.ensureDataset();
      await wh.ensureTable('invoices', BATCHED);
    };

    it('is checked by outputRows and passed over: the rows load once, under the next id', async () => {
      const wh = warehouse();
      await readyBatched(wh);
      sandbox.state.injectFaults({ scope: 'load', status: 503, count: 1, when: 'torn' });
      const res = await wh.loadRows('invoices', batchRows(25), { jobId: 'load_t_1', columns: BATCHED, batchColumn: '_batch_id' });
      assert.deepEqual(res, { jobId: 'load_t_1_r1', reused: false, outputRows: 25 });
      assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 25);
      assert.equal(sandbox.state.job('load_t_1', PROJECT)?.state, 'DONE', 'the torn job stays, empty');
    });

    it('every later attempt walks the same ids, finds the earlier attempts\' jobs and loads exactly once', async () => {
      // One attempt per call: each torn upload fails its call, as a killed worker's would.
      const wh = warehouse({ retry: { maxAttempts: 1, sleep: async () => {} } });
      await readyBatched(wh);
      sandbox.state.injectFaults({ scope: 'load', status: 503, count: 2, when: 'torn' });
      const load = () => wh.loadRows('invoices', batchRows(40), { jobId: 'load_t_2', columns: BATCHED, batchColumn: '_batch_id' });
      await assert.rejects(load(), BigQueryApiError);
      await assert.rejects(load(), BigQueryApiError, 'the empty load_t_2 is not taken for the batch');
      assert.deepEqual(await load(), { jobId: 'load_t_2_r2', reused: false, outputRows: 40 });
      const uploads = requests('jobs.insert(upload)');
      assert.deepEqual(await load(), { jobId: 'load_t_2_r2', reused: true, outputRows: 40 });
      assert.equal(requests('jobs.insert(upload)'), uploads, 'the loaded job is found; nothing is uploaded again');
      assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 40);
      assert.deepEqual(['load_t_2', 'load_t_2_r1'].map((id) => sandbox.state.job(id, PROJECT)?.statistics.load), [
        { inputFiles: '0', inputFileBytes: '0', outputRows: '0', outputBytes: '0', badRecords: '0' },
        { inputFiles: '0', inputFileBytes: '0', outputRows: '0', outputBytes: '0', badRecords: '0' },
      ]);
    });

    it('refuses rows that do not share one batch value, before any request', async () => {
      const wh = warehouse();
      await readyBatched(wh);
      const uploads = requests('jobs.insert(upload)');
      const mixed = batchRows(2).map((r, i) => ({ ...r, _batch_id: `b${i}` }));
      await assert.rejects(wh.loadRows('invoices', mixed, { jobId: 'load_t_3', columns: BATCHED, batchColumn: '_batch_id' }), InvalidSchemaError);
      await assert.rejects(wh.loadRows('invoices', batchRows(1), { jobId: 'load_t_3', columns: INVOICE_COLUMNS, batchColumn: '_batch_id' }), InvalidSchemaError);
      assert.equal(requests('jobs.insert(upload)'), uploads);
    });
  });

  it('polls jobs.get with the job location and backoff until DONE', async () => {
    const wh = warehouse();
    await readyTable(wh);
    sandbox.state.jobPendingPolls = 3;
    const before = requests('jobs.get');
    const res = await wh.loadRows('invoices', invoiceRows(5), { jobId: 'load_d_1', columns: INVOICE_COLUMNS });
    assert.equal(res.outputRows, 5);
    // one look-up before creating (404), then three polls until DONE
    assert.equal(requests('jobs.get') - before, 4);
  });

  it('DONE with errorResult throws LoadJobFailedError with BigQuery errors and no row bodies', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const rows = invoiceRows(3);
    rows[1]!.updated_at = 'yesterday-ish';
    await assert.rejects(wh.loadRows('invoices', rows, { jobId: 'load_e_1', columns: INVOICE_COLUMNS }), (err: unknown) => {
      assert.ok(err instanceof LoadJobFailedError);
      assert.equal(err.jobId, 'load_e_1');
      assert.equal(err.errorResult.reason, 'invalid');
      assert.ok(err.errors.some((e) => /Invalid timestamp/.test(e.message ?? '')));
      assert.ok(!err.message.includes('acct1'), 'row body leaked into message');
      assert.equal(err.reusedJob, false);
      return true;
    });
    assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 0);
    // Retrying the same jobId finds the same failed job: reported, flagged so the caller mints a new id.
    await assert.rejects(wh.loadRows('invoices', rows, { jobId: 'load_e_1', columns: INVOICE_COLUMNS }), (err: unknown) => {
      assert.ok(err instanceof LoadJobFailedError);
      assert.equal(err.reusedJob, true);
      return true;
    });
  });

  it('CREATE_NEVER: loading into a missing table fails the job with notFound', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    await assert.rejects(wh.loadRows('ghost', invoiceRows(1), { jobId: 'load_f_1', columns: INVOICE_COLUMNS }), /notFound: Not found: Table/);
    const created = await wh.loadRows('ghost', invoiceRows(1), { jobId: 'load_f_2', columns: INVOICE_COLUMNS, createIfNeeded: true });
    assert.equal(created.outputRows, 1);
  });

  it('adds new columns through ALLOW_FIELD_ADDITION and keeps columns the mapping does not know', async () => {
    const wh = warehouse();
    await readyTable(wh);
    await wh.ensureTable('invoices', [...INVOICE_COLUMNS, { name: 'legacy_note', type: 'STRING' }]);
    const cols = [...INVOICE_COLUMNS, { name: 'status', type: 'STRING' as const }];
    await wh.loadRows('invoices', invoiceRows(2).map((r) => ({ ...r, status: 'paid' })), { jobId: 'load_g_1', columns: cols });
    const names = (await wh.getTableColumns('invoices'))!.map((c) => c.name);
    assert.deepEqual(names.slice(-2), ['legacy_note', 'status']);
  });

  it('refuses a jobId that already belongs to another table', async () => {
    const wh = warehouse();
    await readyTable(wh, 'a');
    await wh.ensureTable('b', INVOICE_COLUMNS);
    await wh.loadRows('a', invoiceRows(1), { jobId: 'load_h_1', columns: INVOICE_COLUMNS });
    await assert.rejects(wh.loadRows('b', invoiceRows(1), { jobId: 'load_h_1', columns: INVOICE_COLUMNS }), JobIdCollisionError);
  });

  it('rejects money as JS numbers, unknown keys and bad jobIds before any request (A9-9)', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const uploads = requests('jobs.insert(upload)');
    const floaty = invoiceRows(2).map((r) => ({ ...r, amount: 0.1 + 0.2 }));
    await assert.rejects(wh.loadRows('invoices', floaty, { jobId: 'load_i_1', columns: INVOICE_COLUMNS }), (err: unknown) => {
      assert.ok(err instanceof RowEncodingError);
      assert.match(err.message, /amount \(row 0\): NUMERIC value is a JS number/);
      return true;
    });
    await assert.rejects(
      wh.loadRows('invoices', [{ ...invoiceRows(1)[0], surprise: 1 }], { jobId: 'load_i_2', columns: INVOICE_COLUMNS }),
      /field "surprise" is not among the load's columns/,
    );
    await assert.rejects(wh.loadRows('invoices', invoiceRows(1), { jobId: 'bad id!', columns: INVOICE_COLUMNS }), InvalidSchemaError);
    assert.equal(requests('jobs.insert(upload)'), uploads);
  });
});

describe('insertRows', () => {
  const asWarehouseRows = (rows: Record<string, unknown>[]): WarehouseRow[] =>
    rows.map((json) => ({ insertId: `acct1:invoice:${String(json.invoice_id)}:2026-01-02`, json }));

  it('sends our insertIds in chunks of ≤500 rows', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const before = requests('tabledata.insertAll');
    assert.deepEqual(await wh.insertRows('invoices', asWarehouseRows(invoiceRows(1201))), { inserted: 1201 });
    assert.equal(requests('tabledata.insertAll') - before, 3);
    const table = sandbox.state.findTable(wh.target.datasetId, 'invoices')!;
    assert.ok(table.insertIds.has('acct1:invoice:1200:2026-01-02'), 'our insertId was not used');
  });

  it('splits by bytes (≤9 MB per request)', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    await wh.ensureTable('blobs', [{ name: 'id', type: 'STRING' }, { name: 'body', type: 'STRING' }]);
    const big = 'x'.repeat(2 * 1024 * 1024);
    const before = requests('tabledata.insertAll');
    await wh.insertRows('blobs', Array.from({ length: 10 }, (_, i) => ({ insertId: `b${i}`, json: { id: `b${i}`, body: big } })));
    assert.equal(requests('tabledata.insertAll') - before, 3); // 4 + 4 + 2 rows of 2 MB
  });

  it('retries within the dedup window do not duplicate rows (insertId)', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const rows = asWarehouseRows(invoiceRows(50));
    sandbox.state.injectFaults({ scope: 'insertAll', status: 503, count: 1, when: 'after' });
    await wh.insertRows('invoices', rows);
    await wh.insertRows('invoices', rows);
    assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 50);
  });

  it('a 200 with insertErrors throws InsertRowsError with caller-relative indexes (A9-3)', async () => {
    const wh = warehouse();
    await readyTable(wh);
    const rows = asWarehouseRows(invoiceRows(700));
    rows[650] = { insertId: 'bad-650', json: { ...rows[650]!.json, not_a_column: true } };
    await assert.rejects(wh.insertRows('invoices', rows), (err: unknown) => {
      assert.ok(err instanceof InsertRowsError);
      assert.equal(err.insertedBeforeFailure, 500);
      const invalid = err.failures.filter((f) => f.errors.some((e) => e.reason === 'invalid'));
      assert.deepEqual(invalid.map((f) => [f.index, f.insertId, f.errors[0]!.location]), [[650, 'bad-650', 'not_a_column']]);
      assert.equal(err.failures.filter((f) => f.errors[0]!.reason === 'stopped').length, 199);
      assert.match(err.message, /rejected 1 row\(s\) and stopped 199 valid row\(s\).*row 650: invalid \(not_a_column\) no such field/);
      return true;
    });
    assert.equal(sandbox.state.rows(wh.target.datasetId, 'invoices').length, 500);
  });

  it('checks NUMERIC values against the known schema', async () => {
    const wh = warehouse();
    await readyTable(wh);
    await assert.rejects(wh.insertRows('invoices', [{ insertId: 'x', json: { amount: 12.5 } }]), RowEncodingError);
    await assert.rejects(wh.insertRows('invoices', [{ insertId: 'x', json: { amount: '1,000.00' } }]), /NUMERIC value must be a decimal string/);
    await wh.insertRows('invoices', [{ insertId: 'x', json: { amount: '1000.000000001', invoice_id: 1234567890123456789n } }]);
    const row = sandbox.state.rows(wh.target.datasetId, 'invoices')[0]!;
    assert.equal(row.amount, '1000.000000001');
    assert.equal(row.invoice_id, '1234567890123456789');
  });
});

describe('retries, auth and secrecy', () => {
  it('backs off on 429 and honours Retry-After', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    sandbox.state.injectFaults({ status: 429, count: 2, retryAfterSec: 3 });
    await wh.ensureTable('t429', INVOICE_COLUMNS);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps.every((ms) => ms >= 3000), `Retry-After not honoured: ${sleeps.join(',')}`);
  });

  it('retries 503 backendError and 403 rateLimitExceeded with jittered exponential delays', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    sandbox.state.injectFaults({ status: 503, count: 2 });
    sandbox.state.injectFaults({ status: 403, reason: 'rateLimitExceeded', count: 1 });
    await wh.ensureTable('t503', INVOICE_COLUMNS);
    assert.equal(sleeps.length, 3);
    sleeps.forEach((ms, attempt) => assert.ok(ms <= 10 * 2 ** attempt, `delay ${ms} above cap for attempt ${attempt}`));
  });

  it('gives up after maxAttempts with a retryable BigQueryApiError', async () => {
    const wh = warehouse();
    sandbox.state.injectFaults({ status: 503, count: 10 });
    await assert.rejects(wh.ensureDataset(), (err: unknown) => {
      assert.ok(err instanceof BigQueryApiError);
      assert.equal(err.status, 503);
      assert.deepEqual(err.reasons, ['backendError']);
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(sleeps.length, 4);
  });

  it('re-exchanges the token once after a 401', async () => {
    const wh = warehouse();
    await wh.ensureDataset();
    const exchanges = sandbox.state.stats.tokenExchanges;
    sandbox.state.revokeTokens();
    await wh.ensureTable('after_revoke', INVOICE_COLUMNS);
    assert.equal(sandbox.state.stats.tokenExchanges, exchanges + 1);
  });

  it('errors carry no token, no Authorization header and no library response object', async () => {
    const token = await tokens.getAccessToken();
    const wh = warehouse();
    const errors: unknown[] = [];
    await wh.query('SELECT 1').catch((e: unknown) => errors.push(e));
    sandbox.state.injectFaults({ status: 503, count: 10 });
    await wh.ensureDataset().catch((e: unknown) => errors.push(e));
    assert.equal(errors.length, 2);
    for (const err of errors) {
      assert.ok(err instanceof BigQueryApiError);
      assert.equal((err as unknown as { response?: unknown }).response, undefined);
      const dump = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${inspect(err, { depth: 10 })}`;
      assert.ok(!dump.includes(token), 'token leaked');
      assert.ok(!/bearer ya29/i.test(dump));
    }
    assert.match((errors[0] as Error).message, /jobs\.query: HTTP 400 \[invalid\] The Google sandbox does not execute SQL/);
  });

  it('sends no request without our token (no ADC fallback) and ignores BIGQUERY_EMULATOR_HOST', async () => {
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = 'http://127.0.0.1:9';
    try {
      const wh = warehouse();
      await wh.ensureDataset(); // would fail with ECONNREFUSED if the env var won
      const anonymous = new BigQueryWarehouse({
        target: { projectId: PROJECT, datasetId: 'anon', location: LOCATION },
        apiEndpoint: running.url,
        tokens: { getAccessToken: async () => 'not-a-real-token' },
        retry: { maxAttempts: 1 },
      });
      await assert.rejects(anonymous.ensureDataset(), (err: unknown) => err instanceof BigQueryApiError && err.status === 401);
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
  });
});
