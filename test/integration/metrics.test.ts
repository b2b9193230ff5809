import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, eventually, waitForRuns } from '../support/flows';

/** One sample of the Prometheus text format, matched on its exact label set (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

/**
 * /metrics against the live service: webhook acks counted by source and outcome with their latency,
 * and the worker-side figures (run durations, records delivered, FreshBooks 429s and budget waits)
 * read from Postgres, each moving by exactly what the test made happen.
 */
describe('Prometheus metrics (real Temporal, Postgres, BigQuery emulator, FreshBooks sandbox)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  let hookUrl: string;
  const scrape = async () => {
    const res = await fetch(`${h.apiUrl}/metrics`);
    assert.equal(res.status, 200, '/metrics stays open to the scraper, as before');
    return res.text();
  };
  const delivered = async () => (await h.workflows.connectionStatus(connectionId))?.webhooks.delivered ?? 0;

  before(async () => {
    // A budget of 5 requests a second: the runs below must wait for it.
    h = await startHarness({ env: { FRESHBOOKS_REQUESTS_PER_SEC: '5' } });
    ({ connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'it_metrics', settings: { entities: ['clients', 'invoices'], webhooks: true } }));
    hookUrl = `${h.apiUrl}/webhooks/freshbooks/${connectionId}`;
    await waitForRuns(h, connectionId, 1);
    await eventually('verified callbacks', () => {
      const mine = [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri === hookUrl);
      return mine.length > 0 && mine.every((c) => c.verified) || undefined;
    }, 60_000);
    await scrape(); // the first scrape sets where run counting starts
  });
  after(async () => { await h?.close(); });

  test('webhook acks by source and outcome, their latency, and the records they delivered', async () => {
    const beforeText = await scrape();
    const sentBefore = h.fb.state.webhooks.deliveries.length;
    const deliveredBefore = await delivered();

    // Two real changes: FreshBooks posts signed deliveries, which the API accepts and the workflow delivers.
    const invoices = h.fb.state.list(accountId, 'invoices', { per_page: '2' }).items as { id: number }[];
    for (const inv of invoices) h.fb.state.update(accountId, 'invoices', inv.id, { notes: `metrics ${inv.id}` });
    const ours = await eventually('both deliveries answered', () => {
      const d = h.fb.state.webhooks.deliveries.slice(sentBefore).filter((x) => x.uri === hookUrl);
      return d.filter((x) => x.name === 'invoice.update').length >= 2 && d.every((x) => typeof x.status === 'number') ? d : undefined;
    });
    const accepted = ours.filter((d) => d.status === 200).length;
    assert.ok(accepted >= 2, `deliveries: ${JSON.stringify(ours.map((d) => d.status))}`);
    await eventually('changes delivered', async () => (await delivered()) >= deliveredBefore + 2 || undefined, 60_000);

    // Refusals: a forged signature, a malformed form, unknown connections on both sources.
    const form = ours[0]!.form;
    const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers, body }).then((r) => r.status);
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal(await post(hookUrl, form, { ...formType, 'x-freshbooks-hmac-sha256': 'AAAAforgedAAAA=' }), 401);
    assert.equal(await post(hookUrl, 'name=invoice.update', formType), 400);
    assert.equal(await post(`${h.apiUrl}/webhooks/freshbooks/conn_nosuchconnection`, form, formType), 404);
    assert.equal(await post(`${h.apiUrl}/webhooks/bigcommerce/conn_nosuchconnection`, '{"scope":"store/order/created","data":{"id":1}}', { 'content-type': 'application/json' }), 404);

    const afterText = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(afterText, name, labels) - sample(beforeText, name, labels);
    assert.equal(delta('ml_connector_webhook_acks_total', { source: 'freshbooks', outcome: 'accepted' }), accepted);
    assert.equal(delta('ml_connector_webhook_acks_total', { source: 'freshbooks', outcome: '401' }), 1);
    assert.equal(delta('ml_connector_webhook_acks_total', { source: 'freshbooks', outcome: '400' }), 1);
    assert.equal(delta('ml_connector_webhook_acks_total', { source: 'freshbooks', outcome: '404' }), 1);
    assert.equal(delta('ml_connector_webhook_acks_total', { source: 'bigcommerce', outcome: '404' }), 1);
    assert.equal(delta('ml_connector_webhook_ack_seconds_count', { source: 'freshbooks' }), accepted + 3, 'every ack timed');
    assert.equal(delta('ml_connector_webhook_ack_seconds_bucket', { source: 'freshbooks', le: '+Inf' }), accepted + 3);
    assert.ok(delta('ml_connector_webhook_ack_seconds_sum', { source: 'freshbooks' }) > 0);
    // The accepted ones waited for inbox writes: each write timed, and together they carried every accepted change.
    const writes = delta('ml_connector_webhook_inbox_write_seconds_count', {});
    assert.ok(writes >= 1 && writes <= accepted, `inbox writes: ${writes}`);
    assert.ok(delta('ml_connector_webhook_inbox_write_seconds_sum', {}) > 0);
    assert.equal(delta('ml_connector_webhook_inbox_write_changes_sum', {}), accepted);

    const deliveredByWebhooks = (await delivered()) - deliveredBefore;
    // The workers' running total reaches Postgres with the delivery; polled, since the scrape reads it from there.
    const seen = await eventually('records delivered counted', async () => {
      const d = sample(await scrape(), 'ml_connector_records_delivered_total', { destination_type: 'bigquery' }) - sample(beforeText, 'ml_connector_records_delivered_total', { destination_type: 'bigquery' });
      return d >= deliveredByWebhooks ? d : undefined;
    });
    assert.equal(seen, deliveredByWebhooks);
  });

  test('runs, records delivered, 429s and budget waits move by what happened in the workers', async () => {
    await waitForRuns(h, connectionId, 1);
    const beforeText = await scrape();
    const { rows: [mark] } = await h.db.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM sync_runs');
    const clients = h.fb.state.totals(accountId).entities.clients.count;

    // Three 429s, each with Retry-After: 1; then a full sync and a re-delivery of every client.
    h.fb.state.injectFaults({ rateLimit: { count: 3, retryAfterSec: 1 } });
    assert.equal((await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'full' } })).status, 202);
    assert.equal((await h.admin(`/api/connections/${connectionId}/redeliver`, { body: { entity: 'clients', from: '2000-01-01T00:00:00Z' } })).status, 202);
    const { rows: runsBefore } = await h.db.query('SELECT 1 FROM sync_runs WHERE connection_id = $1 AND id <= $2', [connectionId, mark!.id]);
    await waitForRuns(h, connectionId, runsBefore.length + 2);

    const { rows: runs } = await h.db.query<{ mode: string; seconds: number; stats: Record<string, { delivered: number }> }>(
      'SELECT split_part(mode, \':\', 1) AS mode, extract(epoch FROM finished_at - started_at)::float8 AS seconds, stats FROM sync_runs WHERE id > $1 ORDER BY id', [mark!.id]);
    assert.equal(runs.length, 2);
    const deliveredByRuns = runs.reduce((n, r) => n + Object.values(r.stats).reduce((m, s) => m + s.delivered, 0), 0);
    assert.equal(deliveredByRuns, clients, 'the re-delivery sent every client; the full sync found nothing new');

    const base = (name: string, labels: Record<string, string> = {}) => sample(beforeText, name, labels);
    const afterText = await eventually('the workers\' figures reach Postgres', async () => {
      const t = await scrape();
      return sample(t, 'ml_connector_freshbooks_rate_limited_total') - base('ml_connector_freshbooks_rate_limited_total') >= 3
        && sample(t, 'ml_connector_records_delivered_total', { destination_type: 'bigquery' }) - base('ml_connector_records_delivered_total', { destination_type: 'bigquery' }) >= clients ? t : undefined;
    });
    const delta = (name: string, labels: Record<string, string> = {}) => sample(afterText, name, labels) - base(name, labels);

    for (const mode of ['full', 'incremental']) {
      const labels = { destination_type: 'bigquery', mode, outcome: 'ok' };
      const mine = runs.filter((r) => r.mode === mode);
      assert.equal(delta('ml_connector_sync_run_duration_seconds_count', labels), mine.length, `${mode} runs`);
      assert.ok(Math.abs(delta('ml_connector_sync_run_duration_seconds_sum', labels) - mine.reduce((s, r) => s + r.seconds, 0)) < 1e-6, `${mode} seconds`);
    }
    assert.equal(delta('ml_connector_records_delivered_total', { destination_type: 'bigquery' }), clients);
    assert.equal(delta('ml_connector_freshbooks_rate_limited_total'), 3, 'each injected 429 counted once');
    assert.ok(Math.abs(delta('ml_connector_freshbooks_rate_limit_wait_seconds_total') - 3) < 1e-9, 'Retry-After: 1, three times');
    assert.ok(delta('ml_connector_freshbooks_budget_waits_total') > 0, 'requests waited for the 5/s budget');
    assert.ok(delta('ml_connector_freshbooks_budget_wait_seconds_total') > 0);
  });

  test('no label or value carries a secret or an id (a connection id only labels its own reconciliation figures)', async () => {
    const text = await scrape();
    const key = JSON.parse(h.serviceAccountKeyJson).private_key.slice(40, 80);
    const verifiers = [...h.fb.state.webhooks.callbacks.values()].map((c) => c.verifier).filter(Boolean) as string[];
    for (const s of [h.env.ADMIN_TOKEN!, key, accountId, ...verifiers]) assert.ok(!text.includes(s), 'a secret or id in /metrics');
    // Which connection's destination differs is what a reconciliation alert must say; no other series names one.
    const others = text.split('\n').filter((line) => !line.startsWith('ml_connector_reconciliation_') && !line.startsWith('# '));
    assert.ok(!others.some((line) => line.includes(connectionId)), 'a connection id outside the reconciliation figures');
  });
});
