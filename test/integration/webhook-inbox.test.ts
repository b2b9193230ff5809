import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, webhookForwarder } from '../../api/app';
import { createLogger } from '../../common/logger';
import { signFreshBooksWebhook } from '../../connectors/freshbooks';
import type { WebhookForwarder } from '../../services/webhook-forwarder';
import { connectClient } from '../../temporal/client';
import { Workflows } from '../../temporal/workflow-starts';
import { startHarness, type Harness } from '../support/harness';
import { createPowerBiConnection, eventually, powerBiRows, waitForRuns } from '../support/flows';
import { startTcpCutProxy, type TcpCutProxy } from '../support/tcp-cut-proxy';

/**
 * A FreshBooks webhook is acknowledged once its change is in Postgres, not once Temporal has it: a second
 * API instance reaches Temporal through a relay we cut. While cut, it still acknowledges at once; the
 * change reaches Power BI after the relay is mended, once. Changes an instance acknowledged and never
 * forwarded (it stopped) are forwarded by another instance's sweep.
 */
describe('webhook inbox: acknowledged before Temporal has it, never lost (real Temporal, Postgres)', () => {
  let h: Harness;
  let proxy: TcpCutProxy;
  let connectionId: string;
  let accountId: string;
  let businessId: number;
  let second: { url: string; forwarder: WebhookForwarder; close(): Promise<void> };
  type Invoice = { id: number; vis_state: number };

  const invoiceRows = (id: number) => powerBiRows(h, 'Invoices').filter((r) => r.InvoiceId === id);
  const waiting = async () => Number((await h.db.query('SELECT count(*) AS n FROM webhook_inbox WHERE connection_id = $1', [connectionId])).rows[0].n);
  /** Changes an invoice with FreshBooks' own delivery dropped, and posts the signed webhook to `apiUrl` ourselves. */
  const changeAndPost = async (apiUrl: string, invoiceId: number, note: string) => {
    h.fb.state.webhooks.dropDeliveries(1);
    h.fb.state.update(accountId, 'invoices', invoiceId, { notes: note });
    const cb = [...h.fb.state.webhooks.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))!;
    const body = new URLSearchParams({ name: 'invoice.update', object_id: String(invoiceId), account_id: accountId, business_id: String(businessId), identity_id: '1', user_id: '1' }).toString();
    const t0 = performance.now();
    const res = await fetch(`${apiUrl}/webhooks/freshbooks/${connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, cb.verifier) }, body,
    });
    return { status: res.status, ms: performance.now() - t0 };
  };
  const liveInvoices = () => (h.fb.state.list(accountId, 'invoices', { per_page: '100' }).items as Invoice[]).filter((i) => i.vis_state === 0);

  before(async () => {
    h = await startHarness({ bigquery: 'sandbox' });
    ({ connectionId, accountId } = await createPowerBiConnection(h));
    businessId = h.fb.state.store.account(accountId).business.businessId;
    await waitForRuns(h, connectionId, 1);
    await eventually('callbacks verified', () => {
      const mine = [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`));
      return mine.length > 0 && mine.every((c) => c.verified) || undefined;
    });
    proxy = await startTcpCutProxy(h.config.temporal.address);
    const client = await connectClient({ ...h.config.temporal, address: proxy.address }, h.config.payloadKeys);
    const workflows = new Workflows(client, h.config.temporal.taskQueue);
    const logger = createLogger('silent');
    const forwarder = webhookForwarder(h.db, workflows, logger);
    const server = http.createServer(createApp({ config: h.config, db: h.db, workflows, logger, forwarder }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    second = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forwarder,
      close: async () => {
        await forwarder.stop();
        await new Promise((r) => server.close(r));
        proxy.mend();
        await client.connection.close();
      },
    };
  });
  after(async () => {
    await second?.close();
    await proxy?.close();
    await h.close();
  });

  test('with Temporal out of reach the webhook is acknowledged at once, and delivered once it is back', async () => {
    const inv = liveInvoices()[0]!;
    const before = invoiceRows(inv.id).length;
    proxy.cut();
    const ack = await changeAndPost(second.url, inv.id, 'acknowledged while Temporal was cut off');
    assert.equal(ack.status, 200);
    assert.ok(ack.ms < 2_000, `acknowledged in ${ack.ms.toFixed(0)} ms without Temporal`);
    assert.equal(await waiting(), 1, 'the change waits in the inbox');
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    assert.match(metrics, /^ml_connector_webhook_inbox_changes 1$/m, 'the waiting change is visible in /metrics');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(invoiceRows(inv.id).length, before, 'nothing reached Power BI while Temporal was cut off');
    assert.equal(await waiting(), 1, 'a failed signal leaves the change in the inbox');

    proxy.mend();
    await eventually('row after Temporal is back', () => (invoiceRows(inv.id).length > before || undefined), 60_000);
    await eventually('inbox emptied', async () => ((await waiting()) === 0 || undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(invoiceRows(inv.id).length, before + 1, 'delivered once');
  });

  test('changes acknowledged by an instance that stopped before forwarding them are forwarded by another', async () => {
    const inv = liveInvoices()[1]!;
    const before = invoiceRows(inv.id).length;
    proxy.cut();
    const ack = await changeAndPost(second.url, inv.id, 'acknowledged by an instance that then stopped');
    assert.equal(ack.status, 200);
    await second.close(); // stops forwarding; the change is still only in the inbox
    assert.equal(await waiting(), 1);
    // The harness's own API instance sweeps for changes waiting longer than 10 s.
    await eventually('row forwarded by the other instance', () => (invoiceRows(inv.id).length > before || undefined), 60_000);
    await eventually('inbox emptied', async () => ((await waiting()) === 0 || undefined));
    assert.equal(invoiceRows(inv.id).length, before + 1);
  });
});
