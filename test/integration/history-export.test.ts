import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startFakeGcs, startTemporal, terminate } from '../../scripts/dev-stack';
import { generateTestServiceAccountKey } from '../../sandbox/google';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, createStoreConnection, eventually, orderOutcome, waitForRuns } from '../support/flows';
import { checkLocalActivityMarkers } from '../support/local-activity-markers';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';
import { CredentialStore, type FreshBooksGrantSecret } from '../../db/credentials';
import { connectionWorkflowId, orderWorkflowId } from '../../contracts/ids';
import type { ExportedRun } from '../../contracts/history-export';
import { readExportedHistories, replayHistories } from '../replay/exported-histories';

/**
 * Closed runs outlive Temporal's retention: an export pass (a Temporal Schedule, every 2 s here) writes each
 * closed connection run's history as Temporal holds it — payloads still encrypted — to the configured store,
 * GET /api/connections/:id/history lists it, and the replay machinery (test/replay/) replays it.
 */
const EVERY_SEC = '2';
/** The order's run must close before it can be exported: the service's linger, short (production: 60 s). */
const LINGER_SEC = '5';
/** Order workflow ids are global across test files: this file's store of its own. */
const STORE = 'histexport1';

describe('history export to Postgres (the default store)', () => {
  let h: Harness;
  let connectionId: string;
  let grantId: string;
  before(async () => {
    h = await startHarness({ bigquery: 'sandbox', bigcommerce: { seedOrders: 0, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] }, env: { HISTORY_EXPORT_EVERY_SEC: EVERY_SEC, ORDER_LINGER_SEC: LINGER_SEC } });
    ({ connectionId, grantId } = await createBigQueryConnection(h, { datasetId: 'it_history', settings: { entities: ['clients', 'invoices'], webhooks: false } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h?.close(); });

  test('a deleted connection\'s closed run is exported once, listed, encrypted, and replays', async () => {
    const before = await h.admin(`/api/connections/${connectionId}/history`);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.runs, [], 'a running workflow is not exported');

    assert.equal((await h.admin(`/api/connections/${connectionId}`, { method: 'DELETE' })).status, 204);
    const runs = await eventually('the closed run is exported', async () => {
      const r = await h.admin(`/api/connections/${connectionId}/history`);
      return r.body.runs.length > 0 ? r.body.runs : undefined;
    }, 60_000);
    assert.equal(runs.length, 1);
    const [run] = runs;
    assert.equal(run.workflowId, connectionWorkflowId(connectionId));
    assert.equal(run.workflowType, 'connectionWorkflow');
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.location, 'postgres');
    assert.ok(!Number.isNaN(Date.parse(run.closeTime)));

    const { rows } = await h.db.query<{ history: Buffer }>('SELECT history FROM history_export_bodies WHERE workflow_id = $1 AND run_id = $2', [run.workflowId, run.runId]);
    const json = rows[0]!.history.toString('utf8');
    assert.equal(run.sizeBytes, Buffer.byteLength(json));
    await assertEncrypted(h, json, grantId);

    // Later passes list the run again and write nothing twice.
    const passes = await schedulePasses(h);
    await eventually('two more export passes', async () => (await schedulePasses(h)) >= passes + 2 || undefined, 30_000);
    const again = await h.admin(`/api/connections/${connectionId}/history`);
    assert.deepEqual(again.body.runs, runs);
    assert.equal(Number((await h.db.query('SELECT count(*) AS n FROM history_export_bodies')).rows[0].n), 1);

    await replayHistories(await readExportedHistories(h.env.DATABASE_URL), h.env.PAYLOAD_KEYS);
  });

  test('an order\'s run, closed once it has lingered after its invoice, is listed under its store connection', async () => {
    const conn = await createStoreConnection(h, { storeHash: STORE });
    // An order the store's hooks announce gets a workflow of its own (the sweep invokes a backlog itself).
    await eventually('hooks registered', () => h.bc.state.hooks(STORE).length >= 4 || undefined);
    const order = h.bc.state.createOrder(STORE, {
      statusId: 11, billing: { email: 'history@example.org', first_name: 'Hana', last_name: 'History' },
      lines: [{ productId: 0, name: 'Lantern', sku: 'LANTERN', price: 30, quantity: 1 }], taxRate: 5,
    }) as { id: number };
    await orderOutcome(h, conn.connectionId, order.id, (x) => x.state === 'invoiced');
    // The order workflow lingers (LINGER_SEC) for late changes, then completes.
    const run = await eventually('the order\'s run is exported', async () => {
      const r = await h.admin(`/api/connections/${conn.connectionId}/history`);
      return (r.body.runs as ExportedRun[]).find((x) => x.workflowId === orderWorkflowId(STORE, order.id));
    }, 180_000);
    assert.equal(run.workflowType, 'orderWorkflow');
    assert.equal(run.status, 'COMPLETED');
    const { rows } = await h.db.query<{ history: Buffer }>('SELECT history FROM history_export_bodies WHERE workflow_id = $1 AND run_id = $2', [run.workflowId, run.runId]);
    const json = rows[0]!.history.toString('utf8');
    assert.ok(!json.includes('history@example.org'), 'the buyer\'s address is not in the file in plain text');
    await replayHistories([{ name: run.workflowId, json }], h.env.PAYLOAD_KEYS);
  });

  test('the route: 404 for an unknown connection, 400 for a bad limit, admin token required', async () => {
    assert.equal((await h.admin('/api/connections/conn_doesnotexist/history')).status, 404);
    assert.equal((await h.admin(`/api/connections/${connectionId}/history?limit=0`)).status, 400);
    assert.equal((await h.admin(`/api/connections/${connectionId}/history?limit=abc`)).status, 400);
    assert.equal((await fetch(`${h.apiUrl}/api/connections/${connectionId}/history`)).status, 401);
  });
});

describe('history export to a directory, through a continue-as-new', () => {
  let temporal: ChildProcess;
  let h: Harness;
  let connectionId: string;
  let grantId: string;
  const dir = mkdtempSync(join(tmpdir(), 'history-export-'));
  before(async () => {
    // A Temporal of this file's own that suggests continue-as-new early: the connection's first run closes
    // as CONTINUED_AS_NEW soon after its backfill, as a long-lived connection's runs do after weeks.
    const t = await startTemporal({ dynamicConfig: ['limit.historyCount.suggestContinueAsNew=20'] });
    temporal = t.child;
    h = await startHarness({ bigquery: 'sandbox', env: { TEMPORAL_ADDRESS: t.address, HISTORY_EXPORT: `dir:${dir}`, HISTORY_EXPORT_EVERY_SEC: EVERY_SEC } });
    ({ connectionId, grantId } = await createBigQueryConnection(h, { datasetId: 'it_history_dir', settings: { entities: ['clients', 'invoices'], webhooks: false } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => {
    await h?.close();
    if (temporal) await terminate(temporal);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the continued-as-new run is written as a file, listed, encrypted, and replays', async () => {
    const run = await eventually('the continued-as-new run is exported', async () => {
      const r = await h.admin(`/api/connections/${connectionId}/history`);
      return (r.body.runs as ExportedRun[]).find((x) => x.status === 'CONTINUED_AS_NEW');
    }, 90_000);
    assert.equal(run.workflowId, connectionWorkflowId(connectionId));
    assert.equal(run.location, join(dir, encodeURIComponent(run.workflowId), `${run.runId}.json`));
    const json = readFileSync(run.location, 'utf8');
    assert.equal(run.sizeBytes, Buffer.byteLength(json));
    await assertEncrypted(h, json, grantId);
    // The workflow goes on in its next run.
    const current = await h.client.workflow.getHandle(run.workflowId).describe();
    assert.notEqual(current.runId, run.runId);
    assert.equal(current.status.name, 'RUNNING');

    const histories = await readExportedHistories(`dir:${dir}`);
    assert.ok(histories.some((x) => x.name === `${run.workflowId} ${run.runId}`));
    await replayHistories(histories, h.env.PAYLOAD_KEYS);
  });
});

describe('history export to a Cloud Storage bucket (fsouza/fake-gcs-server)', () => {
  let gcs: { url: string; child: ChildProcess };
  let h: Harness;
  let connectionId: string;
  let grantId: string;
  const bucket = 'it-histories';
  const key = generateTestServiceAccountKey('history-export@test-project.iam.gserviceaccount.com');
  before(async () => {
    gcs = await startFakeGcs();
    const made = await fetch(`${gcs.url}/storage/v1/b?project=test-project`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: bucket }) });
    assert.equal(made.status, 200);
    h = await startHarness({ bigquery: 'sandbox', env: { HISTORY_EXPORT: `gcs://${bucket}/exports`, HISTORY_EXPORT_GCS_KEY: key.keyJson, GCS_API_ENDPOINT: gcs.url, HISTORY_EXPORT_EVERY_SEC: EVERY_SEC } });
    // A pass before this registration fails its token exchange and is tried again at the next one.
    h.google.state.registerServiceAccount(key.clientEmail, key.publicKeyPem);
    ({ connectionId, grantId } = await createBigQueryConnection(h, { datasetId: 'it_history_gcs', settings: { entities: ['clients', 'invoices'], webhooks: false } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => {
    await h?.close();
    if (gcs) await terminate(gcs.child);
  });

  test('a closed run becomes one object, listed with its gs:// URL, encrypted, written with our own token, and replays', async () => {
    assert.equal((await h.admin(`/api/connections/${connectionId}`, { method: 'DELETE' })).status, 204);
    const run = await eventually('the closed run is exported', async () => {
      const r = await h.admin(`/api/connections/${connectionId}/history`);
      return (r.body.runs as ExportedRun[])[0];
    }, 60_000);
    const name = `exports/${encodeURIComponent(run.workflowId)}/${encodeURIComponent(run.runId)}.json`;
    assert.equal(run.location, `gs://${bucket}/${name}`);
    const object = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`);
    assert.equal(object.status, 200);
    const json = await object.text();
    assert.equal(run.sizeBytes, Buffer.byteLength(json));
    await assertEncrypted(h, json, grantId);
    assert.ok(!json.includes(JSON.parse(key.keyJson).private_key.slice(40, 80)), 'the storage key is not in the history');
    const storageTokens = [...h.google.state.tokens.values()].filter((t) => t.clientEmail === key.clientEmail);
    assert.ok(storageTokens.some((t) => t.scopes.includes('https://www.googleapis.com/auth/devstorage.read_write')), 'the export exchanged its own key for a Cloud Storage token');

    // Later passes write nothing again: still one object, and the same listing.
    const passes = await schedulePasses(h);
    await eventually('two more export passes', async () => (await schedulePasses(h)) >= passes + 2 || undefined, 30_000);
    const listed = await (await fetch(`${gcs.url}/storage/v1/b/${bucket}/o?prefix=exports/`)).json() as { items?: { name: string }[] };
    assert.deepEqual(listed.items?.map((i) => i.name), [name]);
    assert.deepEqual((await h.admin(`/api/connections/${connectionId}/history`)).body.runs, [run]);

    const histories = await readExportedHistories(`gcs://${bucket}/exports`, { GCS_API_ENDPOINT: gcs.url, HISTORY_EXPORT_GCS_KEY: key.keyJson, GOOGLE_TOKEN_URL: h.env.GOOGLE_TOKEN_URL! });
    assert.deepEqual(histories.map((x) => x.name), [`${run.workflowId} ${run.runId}`]);
    await replayHistories(histories, h.env.PAYLOAD_KEYS);
  });
});

/** Every payload in the exported JSON is ciphertext, and no secret is in the file in plain text. */
async function assertEncrypted(h: Harness, json: string, grantId: string): Promise<void> {
  const history = JSON.parse(json) as { events: unknown[] };
  assert.ok(history.events.length > 10, 'a real history');
  const grant = (await new CredentialStore(h.db, h.config.credentialKeys).get<FreshBooksGrantSecret>(grantId))!.secret;
  const secrets = [grant.accessToken, grant.refreshToken, JSON.parse(h.serviceAccountKeyJson).private_key.slice(40, 80), h.env.ADMIN_TOKEN, h.env.FRESHBOOKS_CLIENT_SECRET];
  const fromBase64 = (b: unknown) => Buffer.from(String(b ?? ''), 'base64').toString();
  const markers = checkLocalActivityMarkers(history.events, fromBase64, [grantId, ...secrets.map(String)]);
  const encodings = new Set<string>();
  let payloads = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const metadata = o.metadata as Record<string, string> | undefined;
      if (markers.has(o as never)) return;
      if (metadata && typeof metadata.encoding === 'string' && 'data' in o) {
        payloads += 1;
        encodings.add(Buffer.from(metadata.encoding, 'base64').toString());
      } else Object.values(o).forEach(walk);
    }
  };
  walk(history);
  assert.ok(payloads >= 2, 'the history has payloads');
  assert.deepEqual([...encodings], ['binary/encrypted'], 'every payload but local activity markers\' is encrypted');
  for (const s of secrets) assert.ok(s && !json.includes(s), 'no secret in the exported file');
}

/** How many passes the export schedule has started. */
async function schedulePasses(h: Harness): Promise<number> {
  const d = await h.client.schedule.getHandle(`history-export/${h.env.TEMPORAL_TASK_QUEUE}`).describe();
  return d.info.numActionsTaken;
}
