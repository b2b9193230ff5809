import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signFreshBooksWebhook } from '../../connectors/freshbooks';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, createPowerBiConnection, eventually, powerBiRows, waitForRuns } from '../support/flows';
import { assertHealthNames, assertSameAsUndisturbed, healthy, midBackfill } from '../support/fault-checks';

/**
 * The service's own Postgres restarted (a fast shutdown: sessions ended, transactions rolled back, then
 * started again on the same port and data) while work is under way. Everything that needs it waits and
 * retries: activities by their retry policy, webhooks by their sender after a 503. The end state is the
 * one an undisturbed run reaches, and /healthz names Postgres while it is down.
 */
describe('Postgres restarted mid-backfill (real Temporal, own Postgres, BigQuery emulator)', () => {
  let h: Harness;
  before(async () => {
    // Slow enough that the restart lands between batches of the invoices backfill.
    h = await startHarness({ own: { postgres: true }, freshbooks: { scale: { invoices: 4000 } }, env: { FRESHBOOKS_REQUESTS_PER_SEC: '10' } });
  });
  after(async () => { await h?.close(); });

  test('the backfill finishes with the tables of an undisturbed one; /healthz and the connection show Postgres down meanwhile', async () => {
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'pg_restart' });
    await midBackfill(h, connectionId, accountId);
    const t0 = performance.now();
    await h.own.postgres!.stop();

    const health = await assertHealthNames(h, 'postgres');
    assert.deepEqual(health.body.down, ['postgres']);
    const detail = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(detail.status, 503);
    assert.match(detail.body.error, /Postgres unreachable/);
    await new Promise((r) => setTimeout(r, 5_000));

    await h.own.postgres!.start();
    await healthy(h);
    const outageMs = performance.now() - t0;
    assert.equal((await h.admin(`/api/connections/${connectionId}`)).status, 200);
    await assertSameAsUndisturbed(h, { connectionId, accountId, datasetId: 'pg_restart' });
    process.stderr.write(`[fault] Postgres down ${(outageMs / 1000).toFixed(1)} s mid-backfill\n`);
  });
});

describe('Postgres restarted mid-webhook-burst (real Temporal, own Postgres, Power BI sandbox)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  let businessId: number;
  before(async () => {
    h = await startHarness({ own: { postgres: true }, bigquery: 'sandbox' });
    ({ connectionId, accountId } = await createPowerBiConnection(h));
    businessId = h.fb.state.store.account(accountId).business.businessId;
    await waitForRuns(h, connectionId, 1);
    await eventually('callbacks verified', () => {
      const mine = [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`));
      return mine.length > 0 && mine.every((c) => c.verified) || undefined;
    });
  });
  after(async () => { await h?.close(); });

  const statuses: number[] = [];
  /** FreshBooks' own sender: posts the signed change and posts it again until it gets a 200. */
  async function sendUntilAcknowledged(invoiceId: number): Promise<void> {
    const cb = [...h.fb.state.webhooks.callbacks.values()].find((c) => c.event === 'invoice' && c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`))!;
    const body = new URLSearchParams({ name: 'invoice.update', object_id: String(invoiceId), account_id: accountId, business_id: String(businessId), identity_id: '1', user_id: '1' }).toString();
    const until = Date.now() + 120_000;
    for (;;) {
      const status = await fetch(`${h.apiUrl}/webhooks/freshbooks/${connectionId}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signFreshBooksWebhook(body, cb.verifier) }, body,
      }).then((r) => r.status, () => 0);
      statuses.push(status);
      if (status === 200) return;
      if (Date.now() > until) throw new Error(`invoice ${invoiceId}: no 200 in 120 s (last ${status})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Rows each changed invoice gained beyond its one new row: the second test's subject. */
  let extraRows: number[] = [];

  test('every change reaches Power BI as its new version, nothing lost; webhooks got 503 while Postgres was down and /healthz named it', async () => {
    const invoices = (h.fb.state.list(accountId, 'invoices', { per_page: '100' }).items as { id: number; vis_state: number }[])
      .filter((i) => i.vis_state === 0).slice(0, 45);
    assert.ok(invoices.length >= 30, `enough live invoices (${invoices.length})`);
    const rowsOf = (id: number) => powerBiRows(h, 'Invoices').filter((r) => r.InvoiceId === id).length;
    const versionsAfter = (id: number, skip: number) => new Set(powerBiRows(h, 'Invoices').filter((r) => r.InvoiceId === id).slice(skip).map((r) => r.Version));
    const before = new Map(invoices.map((i) => [i.id, rowsOf(i.id)]));
    const totalBefore = powerBiRows(h, 'Invoices').length;

    const senders: Promise<void>[] = [];
    const change = (i: number) => {
      const inv = invoices[i]!;
      // FreshBooks' own delivery is dropped: our sender plays it, retries included.
      h.fb.state.webhooks.dropDeliveries(1);
      h.fb.state.update(accountId, 'invoices', inv.id, { notes: `burst change ${i}` });
      senders.push(sendUntilAcknowledged(inv.id));
    };
    const third = Math.floor(invoices.length / 3);
    for (let i = 0; i < third; i++) { change(i); await new Promise((r) => setTimeout(r, 40)); }

    await h.own.postgres!.stop();
    const t0 = performance.now();
    for (let i = third; i < 2 * third; i++) { change(i); await new Promise((r) => setTimeout(r, 40)); }
    const health = await assertHealthNames(h, 'postgres');
    assert.match(health.body.error, /Postgres unreachable/);
    await new Promise((r) => setTimeout(r, 3_000));
    await h.own.postgres!.start();
    const outageMs = performance.now() - t0;
    for (let i = 2 * third; i < invoices.length; i++) { change(i); await new Promise((r) => setTimeout(r, 40)); }
    await Promise.all(senders);
    await healthy(h);

    await eventually('every change in Power BI', () => invoices.every((i) => rowsOf(i.id) > before.get(i.id)!) || undefined, 120_000);
    await eventually('inbox emptied', async () => (Number((await h.db.query('SELECT count(*) AS n FROM webhook_inbox')).rows[0].n) === 0 || undefined), 60_000);
    await new Promise((r) => setTimeout(r, 2_000));
    // Whatever went out twice is the same version (the same row content): the current state equals an undisturbed run's.
    assert.deepEqual(invoices.map((i) => versionsAfter(i.id, before.get(i.id)!).size), invoices.map(() => 1), 'one new version per change');
    extraRows = invoices.map((i) => rowsOf(i.id) - before.get(i.id)! - 1);
    assert.equal(powerBiRows(h, 'Invoices').length, totalBefore + invoices.length + extraRows.reduce((a, b) => a + b, 0), 'no other invoice gained a row');
    assert.ok(statuses.includes(503), 'webhooks were refused with 503 while Postgres was down');
    assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 503), [], 'no other answer than 200 or 503');
    process.stderr.write(`[fault] Postgres down ${(outageMs / 1000).toFixed(1)} s in a burst of ${invoices.length} webhooks: ${statuses.filter((s) => s === 503).length} answers 503, ${statuses.filter((s) => s === 200).length} 200, ${extraRows.filter((n) => n > 0).length} invoice(s) with a row twice\n`);
  });

  // deliverRecords posts the rows, then writes the ledger; a Postgres outage between the two used to fail the
  // attempt, whose retry posted the batch again (a Power BI push dataset keeps both: seen in 2 runs of 5, the
  // batch in flight at the stop). The ledger write now waits the outage out.
  test('…and each change is one row, not two', () => {
    assert.ok(extraRows.length > 0, 'the burst ran');
    assert.deepEqual(extraRows, extraRows.map(() => 0));
  });
});
