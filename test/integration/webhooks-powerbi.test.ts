import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signFreshBooksWebhook } from '../../connectors/freshbooks';
import { connectionWorkflowId } from '../../contracts/ids';
import { datasetDefinition } from '../../mapping/powerbi';
import { SANDBOX_POWERBI } from '../../scripts/local-service';
import { startHarness, type Harness } from '../support/harness';
import { authorizeFreshBooks, createPowerBiConnection, decodedHistory, eventually, powerBiRows, waitForRuns } from '../support/flows';

/**
 * FreshBooks → Power BI on the real-time path: callbacks registered and verified through the
 * handshake, signed webhooks turned into rows within moments, every refusal case of the webhook
 * route, duplicates and dropped deliveries, and Power BI's own failure modes.
 */
describe('FreshBooks webhooks → Power BI (real Temporal, Postgres, sandboxes)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  let hookUrl: string;
  type Invoice = { id: number; vis_state: number; customerid: number };

  const fb = () => h.fb.state;
  const invoiceRows = (id: number) => powerBiRows(h, 'Invoices').filter((r) => r.InvoiceId === id);
  const liveInvoice = () => (fb().list(accountId, 'invoices', { per_page: '100' }).items as Invoice[]).find((i) => i.vis_state === 0)!;
  // Deleted invoices are rows too (IsDeleted), so count them with the ones FreshBooks lists by default.
  const invoiceCount = () => ['0', '1'].reduce((n, vis) => n + Number(fb().list(accountId, 'invoices', { per_page: '1', 'search[vis_state]': vis }).total), 0)
    + Number(fb().list(accountId, 'invoices', { per_page: '1', 'search[vis_state]': '2' }).total);
  const signalCount = async (name: string) => {
    const history = await h.client.workflow.getHandle(connectionWorkflowId(connectionId)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
  };
  const post = (body: string, headers: Record<string, string> = {}, id = connectionId) => fetch(`${h.apiUrl}/webhooks/freshbooks/${id}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body,
  });
  const ourCallbacks = () => [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri === hookUrl);

  before(async () => {
    h = await startHarness({ bigquery: 'sandbox' });
    ({ connectionId, accountId } = await createPowerBiConnection(h));
    hookUrl = `${h.apiUrl}/webhooks/freshbooks/${connectionId}`;
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h.close(); });

  test('setup registers one verified callback per record type, and the backfill lands in one dataset', async () => {
    const verified = await eventually('verified callbacks', () => {
      const mine = ourCallbacks();
      return mine.length === 5 && mine.every((c) => c.verified) ? mine : undefined;
    });
    assert.deepEqual(verified.map((c) => c.event).sort(), ['bill', 'client', 'expense', 'invoice', 'payment']);
    const view = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.webhookCallbacks.filter((c: { verified: boolean }) => c.verified).length, 5);
    assert.ok(!JSON.stringify(view.body).includes(verified[0]!.verifier), 'the API never shows a verifier');

    assert.equal(h.powerbi.state.datasets(SANDBOX_POWERBI.workspaceId).length, 1);
    assert.equal(new Set(powerBiRows(h, 'Invoices').map((r) => r.InvoiceId)).size, invoiceCount());
    assert.ok(powerBiRows(h, 'Clients').length > 0, 'dimension table pushed');
  });

  test('a change in FreshBooks fires a signed webhook and the new version reaches Power BI, once', async () => {
    await eventually('callbacks verified', () => ourCallbacks().every((c) => c.verified) || undefined);
    const inv = liveInvoice();
    const before = invoiceRows(inv.id).length;
    const changedAt = Date.now();
    fb().update(accountId, 'invoices', inv.id, { notes: 'edited for the webhook test' });
    const rows = await eventually('webhook row', () => (invoiceRows(inv.id).length > before ? invoiceRows(inv.id) : undefined));
    const latencyMs = Date.now() - changedAt;
    assert.equal(rows.length, before + 1);
    const delivery = h.fb.state.webhooks.deliveries.find((d) => d.name === 'invoice.update' && d.form.includes(`object_id=${inv.id}`));
    assert.equal(delivery?.status, 200);
    assert.ok(latencyMs < 15_000);
    // Polling afterwards finds the version already delivered.
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    assert.equal(invoiceRows(inv.id).length, before + 1);
  });

  test('bad signatures get 401 and never reach the workflow; malformed 400, unknown connection 404, oversized 413', async () => {
    const inv = liveInvoice();
    const body = new URLSearchParams({ name: 'invoice.update', object_id: String(inv.id), account_id: accountId, business_id: '1', identity_id: '1', user_id: '1' }).toString();
    const signalsBefore = await signalCount('webhookChanges');
    assert.equal((await post(body)).status, 401, 'unsigned');
    assert.equal((await post(body, { 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, 'not-the-verifier') })).status, 401, 'wrong key');
    const real = h.fb.state.webhooks.deliveries.find((d) => d.name.startsWith('invoice.') && d.status === 200)!;
    const tampered = real.form.replace(/object_id=\d+/, `object_id=${inv.id + 1}`);
    assert.equal((await post(tampered, { 'x-freshbooks-hmac-sha256': real.signature })).status, 401, 'tampered');
    assert.equal(await signalCount('webhookChanges'), signalsBefore, 'no signal for a refused delivery');

    assert.equal((await post('name=invoice.update', { 'x-freshbooks-hmac-sha256': real.signature })).status, 400, 'no object_id');
    assert.equal((await post(JSON.stringify({ name: 'invoice.update' }), { 'content-type': 'application/json' })).status, 415, 'not a form');
    assert.equal((await post(real.form, { 'x-freshbooks-hmac-sha256': real.signature }, 'conn_does_not_exist')).status, 404);
    assert.equal((await post(`${real.form}&pad=${'x'.repeat(20_000)}`, { 'x-freshbooks-hmac-sha256': real.signature })).status, 413);
  });

  test('the same delivery five times at once gives one row', async () => {
    const inv = liveInvoice();
    const before = invoiceRows(inv.id).length;
    const sent = h.fb.state.webhooks.deliveries.length;
    fb().update(accountId, 'invoices', inv.id, { notes: 'edited once, delivered six times' });
    const delivery = await eventually('FreshBooks delivery', () => h.fb.state.webhooks.deliveries.slice(sent).find((d) => d.name === 'invoice.update' && d.status === 200));
    const replies = await Promise.all(Array.from({ length: 5 }, () => post(delivery.form, { 'x-freshbooks-hmac-sha256': delivery.signature })));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);
    await eventually('row', () => (invoiceRows(inv.id).length > before ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500)); // let any duplicate batch finish
    assert.equal(invoiceRows(inv.id).length, before + 1);
  });

  test('a webhook FreshBooks never delivered still arrives through polling, once', async () => {
    const inv = liveInvoice();
    const before = invoiceRows(inv.id).length;
    h.fb.state.webhooks.dropDeliveries(1);
    fb().update(accountId, 'invoices', inv.id, { notes: 'this webhook is lost' });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(invoiceRows(inv.id).length, before, 'nothing without the webhook');
    const runs = (await h.db.query('SELECT 1 FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL', [connectionId])).rowCount ?? 0;
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, runs + 1);
    assert.equal(invoiceRows(inv.id).length, before + 1);
    const latest = invoiceRows(inv.id).at(-1)!;
    assert.ok(typeof latest.Version === 'string' && typeof latest.TransactionId === 'string');
  });

  test('Power BI 429s with Retry-After and an expired token mid-run: rows still land once', async () => {
    const inv = liveInvoice();
    const before = invoiceRows(inv.id).length;
    const stats = { ...h.powerbi.state.stats };
    h.powerbi.state.injectFaults([{ scope: 'rows', status: 429, retryAfterSec: 2, count: 2 }]);
    h.powerbi.state.expireTokens();
    const t0 = Date.now();
    fb().update(accountId, 'invoices', inv.id, { notes: 'through 429s and a new token' });
    await eventually('row after 429s', () => (invoiceRows(inv.id).length > before ? true : undefined), 30_000);
    // Two posts met a 429 (the invoice's and its lines' go out together, so their waits overlap).
    assert.equal(h.powerbi.state.stats.postRowsRejected429 - stats.postRowsRejected429, 2);
    assert.ok(Date.now() - t0 >= 2_000, `Retry-After honoured (took ${Date.now() - t0} ms)`);
    assert.equal(invoiceRows(inv.id).length, before + 1);
    assert.ok(h.powerbi.state.stats.tokensIssued > stats.tokensIssued, 'a new token was requested');
  });

  type Event = NonNullable<Awaited<ReturnType<typeof history>>['events']>[number];
  const history = () => h.client.workflow.getHandle(connectionWorkflowId(connectionId)).fetchHistory();
  const count = (events: Event[], ...kinds: (keyof Event)[]) => events.filter((e) => kinds.some((k) => e[k])).length;
  /**
   * Until no webhook change waits in the workflow and nothing is in flight (every workflow task and activity
   * closed, the history still for a second): a delivery of an earlier change must not land in a later count.
   */
  const settled = () => eventually('workflow settled', async () => {
    const s = await h.workflows.connectionStatus(connectionId).catch(() => null);
    if (!s || s.currentRun || s.phase !== 'waiting' || s.webhooks.pending > 0) return undefined;
    const before = (await history()).events?.length ?? 0;
    await new Promise((r) => setTimeout(r, 1_000));
    const events = (await history()).events ?? [];
    const openTasks = count(events, 'workflowTaskScheduledEventAttributes')
      - count(events, 'workflowTaskCompletedEventAttributes', 'workflowTaskFailedEventAttributes', 'workflowTaskTimedOutEventAttributes');
    const openActivities = count(events, 'activityTaskScheduledEventAttributes')
      - count(events, 'activityTaskCompletedEventAttributes', 'activityTaskFailedEventAttributes', 'activityTaskTimedOutEventAttributes', 'activityTaskCanceledEventAttributes');
    return events.length === before && openTasks === 0 && openActivities === 0 ? events.length : undefined;
  }, 60_000);

  test('a few changes go out by a local activity; when that attempt fails, an ordinary activity delivers them, once', async () => {
    const deliverOne = async (notes: string) => {
      const seen = await settled();
      const inv = liveInvoice();
      const before = invoiceRows(inv.id).length;
      fb().update(accountId, 'invoices', inv.id, { notes });
      await eventually('row', () => (invoiceRows(inv.id).length > before ? true : undefined), 60_000);
      await settled();
      assert.equal(invoiceRows(inv.id).length, before + 1, 'one row for the change');
      const events = ((await history()).events ?? []).slice(seen);
      return {
        local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
        ordinary: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverChanges').length,
      };
    };

    await eventually('callbacks verified', () => ourCallbacks().every((c) => c.verified) || undefined);
    assert.deepEqual(await deliverOne('delivered in the workflow task'), { local: 1, ordinary: 0 });

    // Azure AD down for the first attempt's four token requests: the local attempt fails, the ordinary one delivers.
    const stats = { ...h.powerbi.state.stats };
    h.powerbi.state.expireTokens();
    h.powerbi.state.injectFaults([{ scope: 'token', status: 503, count: 4 }]);
    assert.deepEqual(await deliverOne('delivered after the local attempt failed'), { local: 1, ordinary: 1 });
    assert.ok(h.powerbi.state.stats.tokensIssued > stats.tokensIssued, 'a new token was requested');
  });

  test('an invoice whose lines Power BI refuses while it takes the invoice: the retry posts the lines only, each row once', async () => {
    await eventually('callbacks verified', () => ourCallbacks().every((c) => c.verified) || undefined);
    // Nothing else in flight, so the refusals meet this change's batch alone.
    await settled();
    const notes = async () => new Set((await h.db.query<{ k: string }>(`SELECT batch_key || '/' || table_name AS k FROM powerbi_partial_posts`)).rows.map((r) => r.k));
    // A batch whose record changed again before its retry leaves its note behind (it never completes): not this one's.
    const earlier = await notes();
    const inv = liveInvoice();
    const lineRows = () => powerBiRows(h, 'InvoiceLines').filter((r) => r.InvoiceId === inv.id);
    const before = { invoices: invoiceRows(inv.id).length, lines: lineRows().length };
    const stats = { ...h.powerbi.state.stats };
    // Six refusals use up the client's attempts for the lines while the invoice's own post succeeds.
    h.powerbi.state.injectFaults([{ scope: 'rows', table: 'InvoiceLines', status: 500, count: 6 }]);
    fb().update(accountId, 'invoices', inv.id, { notes: 'lines refused once' });
    await eventually('lines after the retry', () => (lineRows().length > before.lines ? true : undefined), 120_000);
    await settled();
    assert.equal(h.powerbi.state.stats.faultsInjected - stats.faultsInjected, 6, 'every refusal was met');
    assert.equal(invoiceRows(inv.id).length, before.invoices + 1, 'the invoice row was not posted again');
    const newVersion = invoiceRows(inv.id).at(-1)!.Version;
    const fresh = lineRows().filter((r) => r.ParentVersion === newVersion);
    assert.ok(fresh.length > 0);
    assert.equal(new Set(fresh.map((r) => r.LineId)).size, fresh.length, 'each line once');
    assert.deepEqual([...await notes()].filter((k) => !earlier.has(k)), [], 'the note went with the completed batch');
  });

  test('callbacks FreshBooks lost are registered again, and the status says so', async () => {
    const lost = ourCallbacks().find((c) => c.event === 'payment')!;
    h.fb.state.webhooks.callbacks.delete(lost.callbackid);
    assert.equal((await h.admin(`/api/connections/${connectionId}/webhooks`, { body: {} })).status, 202);
    const detail = await eventually('re-registration', async () => {
      const v = await h.admin(`/api/connections/${connectionId}`);
      const w = v.body.statusDetail.webhooks;
      return w?.reRegistered?.some((r: { event: string; reason: string }) => r.event === 'payment' && r.reason === 'missing') ? w : undefined;
    });
    assert.ok(detail.checkedAt);
    await eventually('new payment callback verified', () => ourCallbacks().find((c) => c.event === 'payment' && c.verified));
  });

  test('rebuild deletes every row and re-pushes current state: one row per invoice', async () => {
    assert.ok(powerBiRows(h, 'Invoices').length > new Set(powerBiRows(h, 'Invoices').map((r) => r.InvoiceId)).size, 'versions piled up');
    const runs = (await h.db.query('SELECT 1 FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL', [connectionId])).rowCount ?? 0;
    assert.equal((await h.admin(`/api/connections/${connectionId}/rebuild`, { body: {} })).status, 202);
    await waitForRuns(h, connectionId, runs + 1);
    const rows = powerBiRows(h, 'Invoices');
    assert.equal(rows.length, new Set(rows.map((r) => r.InvoiceId)).size);
    assert.equal(rows.length, invoiceCount());
    assert.equal(h.powerbi.state.datasets(SANDBOX_POWERBI.workspaceId).length, 1);
  });

  test('no verifier or client secret in the workflow history, even decoded; webhook signals carry ids only', async () => {
    const { history, text } = await decodedHistory(h, connectionWorkflowId(connectionId));
    assert.ok(text.includes('webhook') || text.includes(connectionId), 'payloads were decoded');
    const secrets = [SANDBOX_POWERBI.clientSecret, ...ourCallbacks().map((c) => c.verifier)];
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the history');
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'webhookChanges');
    assert.ok(signals.length > 0);
  });

  test('a service principal Azure AD refuses is a 400 naming the field, and nothing is stored', async () => {
    const auth = await authorizeFreshBooks(h);
    const before = (await h.db.query('SELECT count(*) AS n FROM connections')).rows[0].n;
    const { workspaceId, tenantId, clientId } = SANDBOX_POWERBI;
    const res = await h.admin('/api/connections', {
      body: {
        authorizationId: auth.authorizationId, businessIds: [auth.businesses[0]!.businessId],
        destination: { type: 'powerbi', tenantId, clientId, clientSecret: 'not-the-secret-value', workspaceId },
      },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.details[0].field, 'destination.clientSecret');
    assert.ok(!JSON.stringify(res.body).includes('not-the-secret-value'));
    assert.equal((await h.db.query('SELECT count(*) AS n FROM connections')).rows[0].n, before);
  });

  test('deleting the connection removes its callbacks at FreshBooks', async () => {
    assert.ok(ourCallbacks().length > 0);
    assert.equal((await h.admin(`/api/connections/${connectionId}`, { method: 'DELETE' })).status, 204);
    await eventually('callbacks removed', () => (ourCallbacks().length === 0 ? true : undefined));
    await eventually('callback rows and verifiers removed', async () => {
      const { rows } = await h.db.query(`SELECT (SELECT count(*) FROM webhook_callbacks WHERE connection_id = $1) AS hooks,
        (SELECT count(*) FROM credentials WHERE kind = 'freshbooks_webhook_verifier' AND metadata->>'connectionId' = $1) AS verifiers`, [connectionId]);
      return Number(rows[0].hooks) === 0 && Number(rows[0].verifiers) === 0 ? true : undefined;
    });
  });

  test('an existing dataset whose columns differ is reported, nothing is posted, and update-schema fixes it', async () => {
    // A second service and tenant of its own, started while the first is up (a file run alone shares one stack).
    const h = await startHarness({ bigquery: 'sandbox' });
    try {
    // Someone made "FreshBooks" by hand: Payments lacks Amount and has Currency as Int64.
    const state = h.powerbi.state;
    const def = datasetDefinition('FreshBooks');
    const payments = def.tables.find((t) => t.name === 'Payments')!;
    payments.columns = payments.columns.filter((c) => c.name !== 'Amount').map((c) => (c.name === 'Currency' ? { ...c, dataType: 'Int64' as const } : c));
    const made = state.createDatasetDirect(SANDBOX_POWERBI.workspaceId, def);

    const { connectionId } = await createPowerBiConnection(h, { settings: { webhooks: false } });
    const mismatch = await eventually('mismatch surfaced', async () => {
      const v = await h.admin(`/api/connections/${connectionId}`);
      return v.body.statusDetail.schemaMismatch && v.body.workflow?.phase === 'schema_mismatch' ? v.body : undefined;
    }, 60_000);
    const tables = mismatch.statusDetail.schemaMismatch.tables as { table: string; missingColumns: string[]; typeMismatches: { column: string; expected: string; actual: string }[] }[];
    assert.deepEqual(tables.map((t) => t.table), ['Payments']);
    assert.deepEqual(tables[0]!.missingColumns, ['Amount']);
    assert.deepEqual(tables[0]!.typeMismatches, [{ column: 'Currency', expected: 'String', actual: 'Int64' }]);
    assert.equal(mismatch.workflow.phase, 'schema_mismatch');
    assert.equal(state.stats.postRowsRequests, 0, 'nothing posted');
    assert.equal(state.datasets(SANDBOX_POWERBI.workspaceId).length, 1, 'no second dataset created');

    assert.equal((await h.admin(`/api/connections/${connectionId}/update-schema`, { body: {} })).status, 202);
    await eventually('rows after schema update', () => (state.rows(made.id, 'Payments').length > 0 ? true : undefined), 60_000);
    const after = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(after.body.statusDetail.schemaMismatch, undefined);
    assert.ok(typeof state.rows(made.id, 'Payments')[0]!.Amount === 'number');
      } finally {
      await h.close();
    }
  });
});
