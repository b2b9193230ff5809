import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, createStoreConnection, orderOutcome, waitForRuns } from '../support/flows';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'cli01';
const BIN = join(__dirname, '..', '..', 'cli', 'bin.cjs');

interface Run { code: number | null; stdout: string; stderr: string }

/**
 * `npx ml-connector …` against the live API: the real CLI in a child process (asynchronously: the
 * API it talks to runs in this process), with URL and token from the environment as a user sets them.
 */
describe('CLI round trip against the live API (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  const outputs: string[] = [];
  const home = mkdtempSync(join(tmpdir(), 'mlc-cli-'));

  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> => new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {
      // HOME of its own: the developer's ~/.config/ml-connector must not decide the outcome.
      env: { PATH: process.env.PATH ?? '', HOME: home, ML_CONNECTOR_URL: h.apiUrl, ML_CONNECTOR_TOKEN: h.env.ADMIN_TOKEN, ...env },
      timeout: 60_000,
    }, (err, stdout, stderr) => {
      outputs.push(stdout, stderr);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
  const ok = async (args: string[]) => {
    const r = await cli(args);
    assert.equal(r.code, 0, `ml-connector ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const runs = async () => Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL', [connectionId])).rows[0]!.n);

  before(async () => {
    h = await startHarness({ bigcommerce: { seedOrders: 0, rateLimitQuota: 10_000, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    ({ connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'it_cli', settings: { entities: ['clients', 'invoices'] } }));
    await waitForRuns(h, connectionId, 1);
  });
  after(async () => { await h?.close(); });

  test('connections list and show, as tables and as JSON', async () => {
    const list = await ok(['connections', 'list']);
    assert.match(list.stdout, /^ID\s+KIND\s+STATUS/m);
    assert.match(list.stdout, new RegExp(`^${connectionId}\\s+freshbooks_bigquery\\s+active`, 'm'));
    const json = JSON.parse((await ok(['--json', 'connections', 'list'])).stdout);
    assert.deepEqual(json.connections.map((c: { id: string }) => c.id), [connectionId]);

    const show = await ok(['connections', 'show', connectionId]);
    assert.match(show.stdout, new RegExp(`^id:\\s+${connectionId}$`, 'm'));
    assert.match(show.stdout, /^invoices\s+\d+$/m, 'delivered counts per entity');
    const detail = JSON.parse((await ok(['connections', 'show', connectionId, '--json'])).stdout);
    assert.equal(detail.id, connectionId);
    assert.equal(detail.delivered.invoices, h.fb.state.totals(accountId).entities.invoices.count);
    assert.ok(detail.recentRuns.length >= 1);
  });

  test('sync now, and a full sync, each run once', async () => {
    const before = await runs();
    assert.match((await ok(['connections', 'sync', connectionId])).stdout, /sync requested .*\(incremental\)/);
    await waitForRuns(h, connectionId, before + 1);
    assert.match((await ok(['connections', 'sync', connectionId, '--full'])).stdout, /\(full\)/);
    await waitForRuns(h, connectionId, before + 2);
    const { rows } = await h.db.query<{ mode: string }>('SELECT mode FROM sync_runs WHERE connection_id = $1 ORDER BY id DESC LIMIT 2', [connectionId]);
    assert.deepEqual(rows.map((r) => r.mode), ['full:manual', 'incremental:manual']);
  });

  test('pause holds a requested sync until resume', async () => {
    const before = await runs();
    assert.match((await ok(['connections', 'pause', connectionId])).stdout, /paused/);
    await ok(['connections', 'sync', connectionId]);
    // The workflow's status names no pause until its loop wakes, so what pausing does is what is checked.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await runs(), before, 'no run while paused');
    assert.match((await ok(['connections', 'resume', connectionId])).stdout, /resumed/);
    await waitForRuns(h, connectionId, before + 1);
  });

  test('redeliver one record; missing or malformed arguments are refused before or by the API', async () => {
    const invoice = (h.fb.state.list(accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0]!;
    const before = await runs();
    assert.match((await ok(['connections', 'redeliver', connectionId, '--entity', 'invoices', '--record', String(invoice.id)])).stdout, /redelivery requested/);
    await waitForRuns(h, connectionId, before + 1);
    const { rows } = await h.db.query<{ mode: string; stats: { invoices?: { delivered: number } } }>('SELECT mode, stats FROM sync_runs WHERE connection_id = $1 ORDER BY id DESC LIMIT 1', [connectionId]);
    assert.equal(rows[0]!.mode, 'incremental:redeliver');
    assert.equal(rows[0]!.stats.invoices?.delivered, 1);

    assert.equal((await cli(['connections', 'redeliver', connectionId, '--entity', 'invoices'])).code, 2, 'neither --record nor --from');
    assert.equal((await cli(['connections', 'redeliver', connectionId, '--entity', 'invoices', '--record', '1', '--from', '2020-01-01T00:00:00Z'])).code, 2, 'both');
    const bad = await cli(['connections', 'redeliver', connectionId, '--entity', 'unicorns', '--record', '1']);
    assert.equal(bad.code, 5, 'the API refuses an unknown entity (400)');
    assert.match(bad.stderr, /^error: HTTP 400: invalid request/m);
  });

  test('authorize prints the FreshBooks authorization URL', async () => {
    const r = await ok(['authorize']);
    const url = new URL(r.stdout.trim());
    assert.equal(url.origin, new URL(h.env.FRESHBOOKS_AUTH_BASE!).origin);
    assert.ok(url.searchParams.get('state'), 'the URL carries our state');
    assert.equal(url.searchParams.get('client_id'), h.env.FRESHBOOKS_CLIENT_ID);
    assert.equal((await cli(['authorize', '--reauthorize', 'cred_nosuchgrant'])).code, 4);
  });

  test('exit codes: wrong token 3, unknown id 4, unreachable 6, usage 2; the token is never printed', async () => {
    const wrong = 'wrong-token-that-is-long-enough-x';
    const refused = await cli(['connections', 'list'], { ML_CONNECTOR_TOKEN: wrong });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /HTTP 401/);
    assert.ok(!refused.stderr.includes(wrong) && !refused.stdout.includes(wrong));
    assert.equal((await cli(['connections', 'show', 'conn_nosuchconnection'])).code, 4);
    assert.equal((await cli(['connections', 'sync', 'conn_nosuchconnection'])).code, 4);
    assert.equal((await cli(['connections', 'list'], { ML_CONNECTOR_URL: 'http://127.0.0.1:1' })).code, 6);
    assert.equal((await cli(['connections', 'list'], { ML_CONNECTOR_TOKEN: '' })).code, 2, 'no token anywhere');
    assert.equal((await cli(['connections', 'frobnicate'])).code, 2);
    assert.equal((await cli(['--help'])).code, 0);
  });

  test('a config file supplies URL and token; --url overrides it', async () => {
    const path = join(home, 'cli-config.json');
    writeFileSync(path, JSON.stringify({ url: 'http://127.0.0.1:1', token: h.env.ADMIN_TOKEN }));
    const env = { ML_CONNECTOR_URL: '', ML_CONNECTOR_TOKEN: '' };
    assert.equal((await cli(['--config', path, 'connections', 'list'], env)).code, 6, 'the file\'s URL is used');
    const r = await cli(['--config', path, '--url', h.apiUrl, 'connections', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(connectionId));
  });

  test('orders list, show and retry on a store connection; orders of a FreshBooks connection are 404', async () => {
    const store = await createStoreConnection(h, { storeHash: STORE });
    const order = h.bc.state.createOrder(STORE, {
      statusId: 11, billing: { email: 'cli@example.org', first_name: 'Cli', last_name: 'Buyer' },
      lines: [{ productId: 0, name: 'Mug', sku: 'MUG-CLI', price: 20, quantity: 1, type: 'physical' }], taxRate: 0, shipping: 0,
    }) as { id: number };
    await ok(['connections', 'sync', store.connectionId]);
    await orderOutcome(h, store.connectionId, order.id, (o) => o.state === 'invoiced');

    const list = await ok(['orders', 'list', store.connectionId, '--state', 'invoiced']);
    assert.match(list.stdout, new RegExp(`^${order.id}\\s+invoiced\\s+`, 'm'));
    const none = JSON.parse((await ok(['--json', 'orders', 'list', store.connectionId, '--state', 'failed'])).stdout);
    assert.deepEqual(none.orders, []);
    assert.equal((await cli(['orders', 'list', store.connectionId, '--state', 'bogus'])).code, 2);

    const shown = JSON.parse((await ok(['orders', 'show', store.connectionId, String(order.id), '--json'])).stdout);
    assert.equal(shown.orderId, order.id);
    assert.equal(shown.state, 'invoiced');
    assert.match((await ok(['orders', 'show', store.connectionId, String(order.id)])).stdout, /^state:\s+invoiced$/m);
    assert.match((await ok(['orders', 'retry', store.connectionId, String(order.id)])).stdout, new RegExp(`retry requested for order ${order.id}`));
    assert.equal((await cli(['orders', 'list', connectionId])).code, 4);
    assert.equal((await cli(['orders', 'show', store.connectionId, 'abc'])).code, 5, 'a malformed order id is the API\'s 400');
  });

  test('reconcile prints the report', async (t) => {
    // POST /api/connections/:id/reconcile is built alongside the CLI; before it is merged the route
    // itself is unknown (the API's catch-all answers {"error":"not found"}), and this test says so.
    const asJson = await cli(['--json', 'reconcile', connectionId]);
    if (asJson.code === 4 && /^error: HTTP 404: not found$/m.test(asJson.stderr)) {
      t.skip('POST /api/connections/:id/reconcile is not in this build yet (route answers 404 "not found")');
      return;
    }
    assert.equal(asJson.code, 0, asJson.stderr);
    const json = JSON.parse(asJson.stdout);
    assert.equal(json.connectionId, connectionId);
    assert.ok(['clean', 'differences', 'failed'].includes(json.status));
    const text = await ok(['reconcile', connectionId]);
    assert.match(text.stdout, /^status:\s+(clean|differences|failed)$/m);
    if (json.status !== 'failed') {
      assert.ok(json.entities.some((e: { entity: string }) => e.entity === 'invoices'));
      assert.match(text.stdout, /^invoices\s+\d+\s+\d+\s+(queried|ledger)/m, 'one row per entity: source and destination counts, how counted');
    } else {
      assert.match(text.stdout, /^error:\s+\S/m, 'a failed report says why');
    }
    assert.equal((await cli(['reconcile', 'conn_nosuchconnection'])).code, 4);
  });

  test('delete asks for confirmation, and without a terminal needs --yes', async () => {
    const refused = await cli(['connections', 'delete', connectionId]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    assert.equal((await h.admin(`/api/connections/${connectionId}`)).body.status, 'active', 'nothing was deleted');
    await ok(['connections', 'delete', connectionId, '--yes']);
    assert.equal((await h.db.query<{ status: string }>('SELECT status FROM connections WHERE id = $1', [connectionId])).rows[0]!.status, 'deleted');
    assert.equal((await cli(['connections', 'show', connectionId])).code, 4, 'a deleted connection is gone from the API');
  });

  test('no output of any run carried the admin token or the service-account key', () => {
    const key = JSON.parse(h.serviceAccountKeyJson).private_key.slice(40, 80);
    const all = outputs.join('\n');
    assert.ok(outputs.length > 20);
    assert.ok(!all.includes(h.env.ADMIN_TOKEN!), 'admin token printed');
    assert.ok(!all.includes(key), 'service-account key printed');
  });
});
