import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, stopOwnStack, type Harness } from '../support/harness';
import { createBigQueryConnection, createPowerBiConnection, createStoreConnection, eventually, orderOutcome, powerBiRows, waitForRuns } from '../support/flows';
import { DEFAULT_STORE_HASH } from '../../sandbox/bigcommerce';
import { connectionWorkflowId, credentialWorkflowId, orderWorkflowId, storeWorkflowId } from '../../contracts/ids';
import { REPLAY_PAYLOAD_KEYS } from './fixture-keys';

/**
 * Records the histories test/replay/replay.test.ts replays: a connection through a backfill, its
 * callbacks' registration and verification, a webhook-driven delivery, an incremental run with changes,
 * a re-delivery and a paused/resumed spell; its grant through a requested refresh; a Power BI connection
 * through a backfill with dimension snapshots and a rebuild. Run again (npx tsx test/replay/record-histories.ts) when workflow code changes
 * on purpose, and keep the old files: they are what running workflows were started with.
 */
async function main(): Promise<void> {
  // `--only store`: record just the BigCommerce histories (an order through invoice, payments and two
  // refunds, and its store's sweep), leaving the FreshBooks ones as they are.
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const h = await startHarness({ env: { PAYLOAD_KEYS: REPLAY_PAYLOAD_KEYS }, bigcommerce: { seedOrders: 0 } });
  try {
    const recorded: [string, string][] = only === 'store' ? [] : await recordFreshBooks(h);
    recorded.push(...await recordStore(h));
    const stamp = new Date().toISOString().slice(0, 10);
    for (const [name, id] of recorded) {
      // The CLI's JSON is the documented replay format; payloads stay as recorded (encrypted).
      const json = execFileSync(process.env.TEMPORAL_CLI ?? 'temporal', ['workflow', 'show', '--workflow-id', id, '--output', 'json', '--address', h.env.TEMPORAL_ADDRESS], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const file = join(__dirname, 'histories', `${name}-${stamp}.json`);
      writeFileSync(file, json);
      process.stdout.write(`${file}: ${(JSON.parse(json).events ?? []).length} events\n`);
    }
  } finally {
    await h.close();
    await stopOwnStack();
  }
}

async function recordStore(h: Harness): Promise<[string, string][]> {
  // A backlog order, which the first sweep invoices itself.
  const backlog = h.bc.state.createOrder(DEFAULT_STORE_HASH, {
    statusId: 11, billing: { email: 'backlog@example.org', first_name: 'Bea', last_name: 'Backlog' },
    lines: [{ productId: 0, name: 'Compass', sku: 'COMPASS', price: 24, quantity: 1 }], taxRate: 5,
  }) as { id: number };
  const conn = await createStoreConnection(h);
  await orderOutcome(h, conn.connectionId, backlog.id, (x) => x.state === 'invoiced');
  await eventually('hooks registered', () => h.bc.state.hooks(DEFAULT_STORE_HASH).length >= 4 || undefined);
  const o = h.bc.state.createOrder(DEFAULT_STORE_HASH, {
    statusId: 11, billing: { email: 'replay@example.org', first_name: 'Rita', last_name: 'Replay' },
    lines: [{ productId: 0, name: 'Canteen', sku: 'CANTEEN', price: 18, quantity: 3 }], taxRate: 5, giftCertificate: 10,
  }) as { id: number };
  await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'invoiced');
  h.bc.state.addRefund(DEFAULT_STORE_HASH, o.id, { items: [{ item_type: 'ORDER', item_id: o.id, amount: 5 } as never], reason: 'late' });
  h.bc.state.addRefund(DEFAULT_STORE_HASH, o.id, { items: [{ item_type: 'ORDER', item_id: o.id, amount: 3 } as never], reason: 'scratched' });
  await orderOutcome(h, conn.connectionId, o.id, (x) => x.refunds.length === 2);
  await h.admin(`/api/connections/${conn.connectionId}/sync`, { body: {} });
  await eventually('second sweep', async () => ((await h.workflows.storeStatus(conn.connectionId))?.polls ?? 0) >= 2 || undefined);
  return [['order', orderWorkflowId(DEFAULT_STORE_HASH, o.id)], ['store', storeWorkflowId(conn.connectionId)]];
}

async function recordFreshBooks(h: Harness): Promise<[string, string][]> {
  {
    const { connectionId, accountId, grantId } = await createBigQueryConnection(h, { datasetId: 'replay', settings: { entities: ['clients', 'invoices'], webhooks: true } });
    await waitForRuns(h, connectionId, 1);
    const hookUri = `${h.apiUrl}/webhooks/freshbooks/${connectionId}`;
    await eventually('callbacks verified', async () => {
      const { rows } = await h.db.query('SELECT count(*) FILTER (WHERE verified) AS n FROM webhook_callbacks WHERE connection_id = $1', [connectionId]);
      return Number(rows[0].n) === 2 ? true : undefined;
    });
    const invoice = (h.fb.state.list(accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0];
    const sent = h.fb.state.webhooks.deliveries.length;
    h.fb.state.update(accountId, 'invoices', invoice.id, { notes: 'changed by webhook for replay' });
    await eventually('webhook delivered', async () => {
      const delivered = h.fb.state.webhooks.deliveries.slice(sent).some((d) => d.uri === hookUri && d.status === 200);
      const status = await h.workflows.connectionStatus(connectionId);
      return delivered && status && status.webhooks.batches > 0 && status.webhooks.pending === 0 ? true : undefined;
    });
    h.fb.state.update(accountId, 'invoices', invoice.id, { notes: 'changed for replay' });
    h.fb.state.expireAccessTokens(); // the incremental run meets a 401 and asks the grant for a refresh
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    await h.admin(`/api/connections/${connectionId}/redeliver`, { body: { entity: 'invoices', recordId: String(invoice.id) } });
    await waitForRuns(h, connectionId, 3);
    await h.admin(`/api/connections/${connectionId}/pause`, { body: {} });
    await h.admin(`/api/connections/${connectionId}/resume`, { body: {} });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'full' } });
    await waitForRuns(h, connectionId, 4);

    const pbi = await createPowerBiConnection(h, { settings: { entities: ['clients', 'invoices'], webhooks: false } });
    await waitForRuns(h, pbi.connectionId, 1);
    await h.admin(`/api/connections/${pbi.connectionId}/rebuild`, { body: {} });
    await waitForRuns(h, pbi.connectionId, 2);
    if (powerBiRows(h, 'Invoices').length === 0) throw new Error('the Power BI connection delivered nothing');

    return [['connection', connectionWorkflowId(connectionId)], ['credential', credentialWorkflowId(grantId)], ['connection-powerbi', connectionWorkflowId(pbi.connectionId)]];
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
