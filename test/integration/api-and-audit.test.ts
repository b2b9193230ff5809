import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { startHarness, EMULATOR_PROJECT, type Harness } from '../support/harness';
import { authorizeFreshBooks, createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { checkLocalActivityMarkers } from '../support/local-activity-markers';
import { CredentialStore, type FreshBooksGrantSecret } from '../../db/credentials';
import { connectionWorkflowId, credentialWorkflowId } from '../../contracts/ids';
import { CONNECTION_PATCHES } from '../../contracts/connection';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';

/** The admin API's answers to bad input, re-delivery, and what Temporal history holds. */
describe('API, audit and secrets (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  let grantId: string;
  const datasetId = 'it_api';
  before(async () => {
    h = await startHarness();
    ({ connectionId, accountId, grantId } = await createBigQueryConnection(h, { datasetId, settings: { entities: ['clients', 'invoices'] } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h.close(); });

  const counts = async () => (await h.db.query<{ c: string; k: string }>(
    `SELECT (SELECT count(*) FROM connections) AS c, (SELECT count(*) FROM credentials) AS k`)).rows[0];

  test('a malformed service-account key is rejected naming the problem, and nothing is stored', async () => {
    const auth = await authorizeFreshBooks(h);
    const before = await counts();
    const badKey = JSON.stringify({ type: 'service_account', client_email: 'x@y.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\\nnot-a-key\\n-----END PRIVATE KEY-----\\n' });
    const res = await h.admin('/api/connections', {
      body: { authorizationId: auth.authorizationId, businessIds: [auth.businesses[0].businessId], destination: { type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId: 'x', serviceAccountKey: badKey } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.details[0].field, 'destination.serviceAccountKey');
    assert.match(res.body.details[0].message, /private_key/);
    assert.ok(!JSON.stringify(res.body).includes('not-a-key'), 'key material is not echoed');
    assert.deepEqual(await counts(), before);
  });

  test('invalid request bodies name every bad field', async () => {
    const res = await h.admin('/api/connections', { body: { businessIds: 'all', destination: { type: 'bigquery', projectId: 'UPPER', datasetId: 'bad-name!' } } });
    assert.equal(res.status, 400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field).sort();
    for (const f of ['authorizationId', 'businessIds', 'destination.datasetId', 'destination.projectId', 'destination.serviceAccountKey']) assert.ok(fields.includes(f), `missing ${f} in ${fields}`);
    const malformed = await fetch(`${h.apiUrl}/api/connections`, { method: 'POST', headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"not json' });
    assert.equal(malformed.status, 400);
  });

  test('unknown connections get 404, and the admin API needs the token', async () => {
    for (const [method, path] of [['GET', ''], ['POST', '/sync'], ['POST', '/redeliver'], ['DELETE', '']] as const) {
      const res = await h.admin(`/api/connections/conn_unknown${path}`, { method, ...(method === 'POST' ? { body: { entity: 'invoices', recordId: '1' } } : {}) });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    assert.equal((await fetch(`${h.apiUrl}/api/connections`)).status, 401);
    assert.equal((await fetch(`${h.apiUrl}/api/connections`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } })).status, 401);
  });

  test('an OAuth callback with a wrong or reused state changes nothing', async () => {
    const before = await counts();
    const exchanges = h.fb.state.statsSnapshot().codeExchanges;
    const wrong = await fetch(`${h.apiUrl}/oauth/freshbooks/callback?code=abc&state=forged`);
    assert.equal(wrong.status, 400);
    assert.match((await wrong.json() as { error: string }).error, /state/);
    // A real state works once; replaying the same callback URL is refused.
    const start = await h.admin('/api/freshbooks/authorizations', { body: {} });
    const callback = (await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!;
    assert.equal((await fetch(callback)).status, 200);
    const after = await counts();
    assert.equal(Number(after.k), Number(before.k) + 1, 'the one valid callback stored one grant');
    assert.equal((await fetch(callback)).status, 400);
    assert.deepEqual(await counts(), after);
    assert.equal(h.fb.state.statsSnapshot().codeExchanges, exchanges + 1, 'forged and replayed states never reach FreshBooks');
  });

  test('the service refuses to start on invalid configuration, naming the variable', () => {
    const env = { ...process.env, ...h.env, FRESHBOOKS_CLIENT_ID: '', PAYLOAD_KEYS: 'p1:tooshort' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /FRESHBOOKS_CLIENT_ID/);
    assert.match(run.stderr, /PAYLOAD_KEYS/);
    assert.ok(!run.stderr.includes('tooshort'), 'values are not echoed');
  });

  test('one record, or a time window, can be re-delivered on demand', async () => {
    const wh = emulatorWarehouse(h, datasetId);
    const raw = `\`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoices\``;
    const invoice = (h.fb.state.list(accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0];
    const versions = async () => Number((await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${raw} WHERE id = ${invoice.id}`))[0].n);
    const before = await versions();
    const res = await h.admin(`/api/connections/${connectionId}/redeliver`, { body: { entity: 'invoices', recordId: String(invoice.id) } });
    assert.equal(res.status, 202);
    await waitForRuns(h, connectionId, 2);
    assert.equal(await versions(), before + 1, 'the record was written again');
    const ledger = await h.admin(`/api/connections/${connectionId}/records/invoices/${invoice.id}`);
    assert.equal(ledger.status, 200);
    assert.ok(ledger.body.version.includes(String(invoice.id)));

    const window = await h.admin(`/api/connections/${connectionId}/redeliver`, { body: { entity: 'clients', from: '2000-01-01T00:00:00Z' } });
    assert.equal(window.status, 202);
    await waitForRuns(h, connectionId, 3);
    const runs = (await h.admin(`/api/connections/${connectionId}`)).body.recentRuns;
    assert.equal(runs[0].mode, 'incremental:redeliver');
    assert.equal(runs[0].stats.clients.delivered, h.fb.state.totals(accountId).entities.clients.count);
  });

  test('Temporal history carries ids and counts, never tokens or keys, and is encrypted at rest', async () => {
    const grant = (await new CredentialStore(h.db, h.config.credentialKeys).get<FreshBooksGrantSecret>(grantId))!.secret;
    const secrets = [grant.accessToken, grant.refreshToken, JSON.parse(h.serviceAccountKeyJson).private_key.slice(40, 80), h.env.ADMIN_TOKEN];
    for (const id of [connectionWorkflowId(connectionId), credentialWorkflowId(grantId)]) {
      // Decoded through the codec, as an operator with the key would see it.
      const decoded = JSON.stringify(await h.client.workflow.getHandle(id).fetchHistory());
      for (const s of secrets) assert.ok(!decoded.includes(s), `a secret is in the history of ${id}`);
      // Raw, as the Temporal server stores it: payloads are ciphertext.
      const raw = new Client({ connection: await Connection.connect({ address: h.env.TEMPORAL_ADDRESS }) });
      const rawHistory = await raw.workflow.getHandle(id).fetchHistory();
      await raw.connection.close();
      const markerData = checkLocalActivityMarkers(rawHistory.events ?? [], (b) => Buffer.from(b as Uint8Array).toString(), [connectionId, grantId, ...secrets]);
      // The connection's run records its plan and its runs by local activities ('local-bookkeeping').
      if (id === connectionWorkflowId(connectionId)) assert.ok(markerData.size > 0, 'the connection workflow has local activity markers');
      const payloads = payloadsIn(rawHistory).filter((p) => !markerData.has(p as never));
      assert.ok(payloads.length >= 2, `${id} has payloads`);
      for (const p of payloads) {
        assert.equal(Buffer.from(p.metadata.encoding).toString(), 'binary/encrypted', 'every payload is encrypted');
        assert.ok(!Buffer.from(p.data ?? []).toString('latin1').includes(connectionId), 'no readable content without the key');
      }
    }
  });

  test('every warehouse row traces to an activity in the workflow history (batch key ↔ _batch_id)', async () => {
    const codec = new EncryptionCodec(h.config.payloadKeys);
    const history = await h.client.workflow.getHandle(connectionWorkflowId(connectionId)).fetchHistory();
    const batchKeys = new Set<string>();
    const inputs: unknown[] = [];
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes?.input?.payloads ?? [];
      for (const p of await codec.decode(scheduled as never)) inputs.push(defaultPayloadConverter.fromPayload(p));
      const result = e.activityTaskCompletedEventAttributes?.result?.payloads ?? [];
      for (const p of await codec.decode(result as never)) {
        // syncPages answers one batch; syncFirstPages ('first-pages-together') a list of entities' batches.
        const value = defaultPayloadConverter.fromPayload(p) as { batchKey?: string } | { batches: { batchKey?: string }[] }[] | undefined;
        for (const batch of Array.isArray(value) ? value.flatMap((v) => v.batches) : [value]) {
          if (batch?.batchKey) batchKeys.add(batch.batchKey);
        }
      }
    }
    assert.ok(inputs.some((i) => (i as { connectionId?: string })?.connectionId === connectionId), 'inputs name the connection');
    assert.ok(!JSON.stringify(inputs).includes('"lines"'), 'inputs carry ids and cursors, not records');
    const wh = emulatorWarehouse(h, datasetId);
    const rows = await wh.query<{ b: string }>(`SELECT DISTINCT _batch_id AS b FROM \`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoices\``);
    assert.ok(rows.length > 0);
    for (const { b } of rows) assert.ok(batchKeys.has(b), `batch ${b} is in the history`);
  });

  test('the codec endpoint decodes history payloads for whoever holds the codec token, not the admin token', async () => {
    const raw = new Client({ connection: await Connection.connect({ address: h.env.TEMPORAL_ADDRESS }) });
    const history = await raw.workflow.getHandle(connectionWorkflowId(connectionId)).fetchHistory();
    await raw.connection.close();
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])), data: Buffer.from(input.data!).toString('base64') }] };
    const denied = await fetch(`${h.apiUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(denied.status, 401);
    const res = await fetch(`${h.apiUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.env.CODEC_TOKEN}` }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const out = await res.json() as { payloads: { data: string }[] };
    assert.deepEqual(JSON.parse(Buffer.from(out.payloads[0].data, 'base64').toString()), { connectionId, patches: [...CONNECTION_PATCHES] });
    // Temporal UI sends no header of ours: its codec endpoint is …/codec/<codec token>.
    const viaPath = await fetch(`${h.apiUrl}/codec/${h.env.CODEC_TOKEN}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(viaPath.status, 200);
    assert.deepEqual(await viaPath.json(), out);
    const wrongPath = await fetch(`${h.apiUrl}/codec/not-the-codec-token-at-all/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(wrongPath.status, 401);
    const adminPath = await fetch(`${h.apiUrl}/codec/${h.env.ADMIN_TOKEN}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(adminPath.status, 401);
  });
});

/** Every Temporal payload ({metadata, data}) anywhere in a history, including failures' encoded attributes. */
function payloadsIn(node: unknown, out: { metadata: Record<string, Uint8Array>; data?: Uint8Array }[] = []) {
  if (Array.isArray(node)) for (const n of node) payloadsIn(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) out.push(o as never);
    else for (const v of Object.values(o)) payloadsIn(v, out);
  }
  return out;
}
