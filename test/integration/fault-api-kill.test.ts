import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { signFreshBooksWebhook } from '../../connectors/freshbooks';
import { alive, waitHttpOk } from '../../bench/webhooks-procs';
import { startHarness, type Harness } from '../support/harness';
import { createPowerBiConnection, eventually, powerBiRows, waitForRuns } from '../support/flows';
import { startTcpCutProxy, type TcpCutProxy } from '../support/tcp-cut-proxy';

const BURST = 100;
const SENDERS = 10;
const QUIET_DATASET = 'FreshBooks quiet';

/**
 * The API process killed with SIGKILL in the middle of a burst of FreshBooks webhooks, then started again.
 * The sender (like FreshBooks) retries every delivery that got no 200. The API acknowledges a change once it
 * is in Postgres and forwards it to Temporal afterwards, so the kill lands on all three kinds of change: not
 * yet acknowledged (retried by the sender), acknowledged and not forwarded (left in the inbox: the restarted
 * API forwards them), forwarded. At the end every change is in Power BI exactly once.
 */
describe('API killed mid-request during a webhook burst (real Temporal, Postgres, API as a child process)', () => {
  let h: Harness;
  let api: ChildProcess | undefined;
  let proxy: TcpCutProxy;
  let port: number;
  let connectionId: string;
  let accountId: string;
  let businessId: number;
  /** A second connection (the other business, its own dataset) that gets changes only before the kill. */
  let quiet: { connectionId: string; accountId: string; businessId: number };
  type Invoice = { id: number; vis_state: number };

  const waiting = async () => Number((await h.db.query('SELECT count(*) AS n FROM webhook_inbox WHERE connection_id = $1', [connectionId])).rows[0].n);
  const invoiceRows = (id: number, dataset?: string) => powerBiRows(h, 'Invoices', dataset).filter((r) => r.InvoiceId === id);
  const liveInvoices = (account: string) => (h.fb.state.list(account, 'invoices', { per_page: '100' }).items as Invoice[]).filter((i) => i.vis_state === 0);
  const verifierOf = (id: string) => [...h.fb.state.webhooks.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${id}`))!.verifier;
  const post = (url: string, id: string, account: string, business: number, invoiceId: number) => {
    const body = new URLSearchParams({ name: 'invoice.update', object_id: String(invoiceId), account_id: account, business_id: String(business), identity_id: '1', user_id: '1' }).toString();
    return fetch(`${url}/webhooks/freshbooks/${id}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, verifierOf(id)) }, body,
    }).then((r) => r.status, () => 0);
  };

  function startApi(temporalAddress: string): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: { ...process.env, ...h.env, PORT: String(port), TEMPORAL_ADDRESS: temporalAddress, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  before(async () => {
    h = await startHarness({ bigquery: 'sandbox', freshbooks: { scale: { invoices: 150 } } });
    ({ connectionId, accountId } = await createPowerBiConnection(h));
    businessId = h.fb.state.store.account(accountId).business.businessId;
    const other = await createPowerBiConnection(h, { businessIndex: 1, datasetName: QUIET_DATASET });
    quiet = { ...other, businessId: h.fb.state.store.account(other.accountId).business.businessId };
    await waitForRuns(h, connectionId, 1);
    await waitForRuns(h, quiet.connectionId, 1);
    await eventually('callbacks verified', () => {
      const mine = [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`) || c.uri.endsWith(`/webhooks/freshbooks/${quiet.connectionId}`));
      return mine.length > 0 && mine.every((c) => c.verified) || undefined;
    }, 60_000);
    // Only the child API forwards: what it leaves in the inbox can reach Temporal only through its restart.
    await h.forwarder.stop();
    proxy = await startTcpCutProxy(h.config.temporal.address);
    port = await freePort();
  });
  after(async () => {
    if (api && alive(api)) api.kill('SIGKILL');
    await proxy?.close();
    await h?.close();
  });

  test('SIGKILL mid-burst, restart: every change in Power BI exactly once, the waiting changes visible meanwhile', { timeout: 400_000 }, async (t) => {
    const url = `http://127.0.0.1:${port}`;
    // Its Temporal connection goes through a relay, cut before the kill: changes acknowledged from then on
    // cannot have been forwarded when it dies.
    api = startApi(proxy.address);
    await waitHttpOk(`${url}/healthz`, api, 60_000);

    const live = liveInvoices(accountId).slice(0, BURST);
    const quietLive = liveInvoices(quiet.accountId).slice(0, 5);
    const quietBefore = new Map(quietLive.map((i) => [i.id, invoiceRows(i.id, QUIET_DATASET).length]));
    assert.ok(live.length >= 50, `${live.length} live invoices`);
    const before = new Map(live.map((i) => [i.id, invoiceRows(i.id).length]));
    // The changes happen at FreshBooks, whose own deliveries (to the harness's API) are dropped: ours are the only ones.
    h.fb.state.webhooks.dropDeliveries(live.length + quietLive.length);
    for (const inv of live) h.fb.state.update(accountId, 'invoices', inv.id, { notes: `burst change of ${inv.id}` });
    for (const inv of quietLive) h.fb.state.update(quiet.accountId, 'invoices', inv.id, { notes: `acknowledged, then the API died: ${inv.id}` });

    let acked = 0;
    let failedAttempts = 0;
    const queue = live.map((i) => i.id);
    /** FreshBooks' side: posts each delivery until it gets a 200, retrying what failed. */
    const sender = async () => {
      for (let invoiceId = queue.shift(); invoiceId !== undefined; invoiceId = queue.shift()) {
        for (;;) {
          const status = await post(url, connectionId, accountId, businessId, invoiceId);
          if (status === 200) break;
          failedAttempts += 1;
          await new Promise((r) => setTimeout(r, 250));
        }
        acked += 1;
        // Spread over a few seconds so the kill lands in the middle.
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const sending = Promise.all(Array.from({ length: SENDERS }, sender));

    await eventually('a third acknowledged', () => acked >= live.length / 3 || undefined, 60_000);
    proxy.cut();
    // The other connection's changes are acknowledged now and never sent again: after the kill nothing pokes
    // its forwarding lane, so only the restarted API's sweep (rows older than 10 s) can forward them.
    for (const inv of quietLive) assert.equal(await post(url, quiet.connectionId, quiet.accountId, quiet.businessId, inv.id), 200);
    await eventually('two thirds acknowledged', () => acked >= (2 * live.length) / 3 || undefined, 60_000);
    api.kill('SIGKILL');
    await new Promise((r) => api!.once('exit', r));
    const ackedAtKill = acked;
    const leftInInbox = await waiting();
    assert.ok(ackedAtKill < live.length, `killed mid-burst (${ackedAtKill}/${live.length} acknowledged)`);
    assert.ok(leftInInbox > 0, 'some changes were acknowledged and not yet forwarded when the API died');
    const quietWaiting = Number((await h.db.query('SELECT count(*) AS n FROM webhook_inbox WHERE connection_id = $1', [quiet.connectionId])).rows[0].n);
    assert.equal(quietWaiting, quietLive.length, 'the quiet connection\'s changes were acknowledged and left in the inbox');
    // While the API is down, another instance's /metrics shows the changes waiting (the depth is read from Postgres).
    await new Promise((r) => setTimeout(r, 2_000));
    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    const depth = Number(/^ml_connector_webhook_inbox_changes (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(depth >= leftInInbox, `/metrics shows ${depth} waiting changes while the API is down`);
    const missing = live.filter((i) => invoiceRows(i.id).length === before.get(i.id));
    assert.ok(missing.length > 0, 'not everything had arrived when the API died');

    proxy.mend();
    api = startApi(h.config.temporal.address);
    await waitHttpOk(`${url}/healthz`, api, 60_000);
    await sending;
    assert.ok(failedAttempts > 0, 'the sender had deliveries to retry');

    await eventually('every change in Power BI', () => live.every((i) => invoiceRows(i.id).length > before.get(i.id)!) || undefined, 120_000);
    await eventually('inbox emptied', async () => ((await waiting()) === 0 || undefined), 60_000);
    await new Promise((r) => setTimeout(r, 3_000)); // let a duplicate, if any, land
    await eventually('the quiet connection\'s changes, forwarded by the sweep', () => quietLive.every((i) => invoiceRows(i.id, QUIET_DATASET).length > quietBefore.get(i.id)!) || undefined, 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const counts = live.map((i) => invoiceRows(i.id).length - before.get(i.id)!);
    assert.deepEqual(counts.filter((n) => n !== 1), [], 'each change exactly once');
    assert.deepEqual(quietLive.map((i) => invoiceRows(i.id, QUIET_DATASET).length - quietBefore.get(i.id)!), quietLive.map(() => 1), 'each swept change exactly once');
    t.diagnostic(`${live.length} webhooks, ${ackedAtKill} acknowledged before the kill, ${leftInInbox} of them not yet forwarded, `
      + `${failedAttempts} failed posts retried by the sender; all ${live.length} changes in Power BI once; ${quietLive.length} changes of a quiet connection forwarded by the restarted API's sweep`);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
