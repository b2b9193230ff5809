import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BigQueryWarehouse } from '../../../connectors/bigquery';
import { parseServiceAccountKey, ServiceAccountTokenProvider } from '../../../connectors/google';
import { prepareBigQuery, writeRows, type BigQueryDestinationConfig } from '../../../destinations/bigquery/writes';
import { mapRecord } from '../../../mapping/freshbooks';
import { createGoogleSandbox, generateTestServiceAccountKey, type GoogleSandbox, type RunningGoogleSandbox } from '../../../sandbox/google';

/**
 * A FreshBooks field the catalogue does not know becomes a column of its own. The worker remembers which tables
 * have it, for every connection it serves: two connections' datasets hold tables of the same name, and the
 * second must get the column too (the Google sandbox refuses rows with a field the table lacks, as BigQuery does).
 */
const sa = generateTestServiceAccountKey('extra@test-project.iam.gserviceaccount.com');
let sandbox: GoogleSandbox;
let running: RunningGoogleSandbox;
let tokens: ServiceAccountTokenProvider;

before(async () => {
  sandbox = createGoogleSandbox();
  sandbox.state.registerServiceAccount(sa.clientEmail, sa.publicKeyPem);
  running = await sandbox.listen();
  tokens = new ServiceAccountTokenProvider({ key: parseServiceAccountKey(sa.keyJson), tokenUrl: running.tokenUrl });
});
after(() => running.close());

test('a new FreshBooks field gets its column in every dataset the worker writes, not only the first', async () => {
  const known = new Map<string, Set<string>>();
  const invoice = {
    id: 7, invoiceid: 7, accountid: 'ACCT', customerid: 1, currency_code: 'USD', amount: { amount: '10.00', code: 'USD' },
    updated: '2026-01-01 00:00:00', brand_new_field: 'from a FreshBooks release we have not seen', lines: [],
  };
  const rows = mapRecord('invoices', invoice, { accountId: 'ACCT', businessId: 1, syncedAt: '2026-01-01T00:00:00Z', batchId: 'b1' })
    .filter((r) => r.table === 'invoices').map((r) => r.row);
  for (const datasetId of ['connection_a', 'connection_b']) {
    const d: BigQueryDestinationConfig = { type: 'bigquery', projectId: 'test-project', datasetId, location: 'US', tables: {}, credentialId: 'unused' };
    const wh = new BigQueryWarehouse({ target: { projectId: d.projectId, datasetId, location: d.location }, apiEndpoint: running.url, tokens });
    await wh.ensureDataset();
    await prepareBigQuery(wh, d);
    await writeRows(wh, d, 'invoices', rows, { batchKey: `k_${datasetId}`, preferLoad: false, knownColumns: known });
    const columns = (await wh.getTableColumns('freshbooks_invoices'))?.map((c) => c.name) ?? [];
    assert.ok(columns.includes('brand_new_field'), `${datasetId} has the new column`);
  }
});
