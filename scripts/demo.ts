import { Client } from 'pg';
import { BigQueryWarehouse } from '../connectors/bigquery';
import { TABLES, type TableKey } from '../mapping/freshbooks';
import { POWERBI_TABLES } from '../mapping/powerbi';
import { EMULATOR_PROJECT, freePort } from './dev-stack';
import { devSecrets, startDemo, untilStopSignal, type Demo } from './demo-stack';
import { DEFAULT_STORE_HASH, DEFAULT_TOKEN } from '../sandbox/bigcommerce';
import { adminCall, authorizeThroughSandbox, SANDBOX_POWERBI } from './local-service';

/**
 * Quick start: the whole service on embedded defaults, a seeded FreshBooks sandbox account with two
 * businesses, the BigQuery emulator, one demo FreshBooks → BigQuery connection per business, and a
 * FreshBooks → Power BI connection (Power BI sandbox) fed by webhooks, and the BigCommerce sandbox store
 * feeding the first business: its paid orders become invoices with payments. The first business also
 * feeds a Postgres warehouse: database `freshbooks_warehouse` on the embedded Postgres, schema
 * `freshbooks`, so `psql` shows FreshBooks data at once.
 */
const PROJECT = EMULATOR_PROJECT;
const DATASET = (accountId: string) => `freshbooks_${accountId.toLowerCase()}`;
const WAREHOUSE_DB = 'freshbooks_warehouse';
const WAREHOUSE_SCHEMA = 'freshbooks';

/** The demo's warehouse: its own database next to the service's, on the same embedded server. */
async function warehouseUrl(serviceDatabaseUrl: string): Promise<string> {
  const admin = new Client({ connectionString: serviceDatabaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [WAREHOUSE_DB]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${WAREHOUSE_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serviceDatabaseUrl);
  url.pathname = `/${WAREHOUSE_DB}`;
  return url.toString();
}

const log = (msg: string) => process.stdout.write(`${msg}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const secrets = devSecrets();
  const port = Number(process.env.PORT ?? (await freePort()));
  log('Starting Temporal dev server (with UI), BigQuery emulator and embedded Postgres…');
  const demo = await startDemo(secrets.values, port, { LOG_LEVEL: 'warn', FRESHBOOKS_REQUESTS_PER_SEC: '50' });
  try {
    await show(demo, secrets.file, started);
    await untilStopSignal();
    log('Stopping…');
  } finally {
    await demo.stop();
  }
}

async function show({ stack, sandboxes, service, env }: Demo, secretsFile: string, started: number): Promise<void> {
  const admin = (path: string, init?: { method?: string; body?: unknown }) => adminCall(service.apiUrl, env.ADMIN_TOKEN, path, init);
  log(`API on ${service.apiUrl}; FreshBooks sandbox on ${sandboxes.fbUrl}`);

  log('Connecting FreshBooks through OAuth (the sandbox user approves)…');
  const auth = await authorizeThroughSandbox(service.apiUrl, env.ADMIN_TOKEN);
  const connections: { id: string; accountId: string; name: string }[] = [];
  for (const b of auth.businesses) {
    const res = await admin('/api/connections', {
      body: {
        authorizationId: auth.authorizationId, businessIds: [b.businessId],
        destination: { type: 'bigquery', projectId: PROJECT, datasetId: DATASET(b.accountId), location: 'US', serviceAccountKey: sandboxes.serviceAccountKeyJson },
        settings: { pollIntervalSec: 60, reconcileEveryHours: 24 },
      },
    });
    if (res.status !== 201) throw new Error(`creating the demo connection failed: ${JSON.stringify(res.body)}`);
    connections.push({ id: res.body.connectionIds[0], accountId: b.accountId, name: b.name });
    log(`  connection ${res.body.connectionIds[0]}: "${b.name}" (account ${b.accountId}) → ${PROJECT}.${DATASET(b.accountId)}`);
  }
  const first = auth.businesses[0]!;
  const { workspaceId, tenantId, clientId, clientSecret } = SANDBOX_POWERBI;
  const pbi = await admin('/api/connections', {
    body: {
      authorizationId: auth.authorizationId, businessIds: [first.businessId],
      destination: { type: 'powerbi', tenantId, clientId, clientSecret, workspaceId, datasetName: 'FreshBooks' },
      settings: { pollIntervalSec: 60, reconcileEveryHours: 24 },
    },
  });
  if (pbi.status !== 201) throw new Error(`creating the demo Power BI connection failed: ${JSON.stringify(pbi.body)}`);
  connections.push({ id: pbi.body.connectionIds[0], accountId: first.accountId, name: `${first.name} (Power BI)` });
  log(`  connection ${pbi.body.connectionIds[0]}: "${first.name}" → Power BI workspace ${workspaceId}, dataset "FreshBooks"`);

  const pgUrl = await warehouseUrl(stack.databaseUrl);
  const pgConn = await admin('/api/connections', {
    body: {
      authorizationId: auth.authorizationId, businessIds: [first.businessId],
      destination: { type: 'postgres', url: pgUrl, schema: WAREHOUSE_SCHEMA },
      settings: { pollIntervalSec: 60, reconcileEveryHours: 24 },
    },
  });
  if (pgConn.status !== 201) throw new Error(`creating the demo Postgres warehouse connection failed: ${JSON.stringify(pgConn.body)}`);
  connections.push({ id: pgConn.body.connectionIds[0], accountId: first.accountId, name: `${first.name} (Postgres)` });
  log(`  connection ${pgConn.body.connectionIds[0]}: "${first.name}" → Postgres database ${WAREHOUSE_DB}, schema ${WAREHOUSE_SCHEMA}`);

  log('First sync (full backfill):');
  for (;;) {
    const states = await Promise.all(connections.map(async (c) => ({ c, s: (await admin(`/api/connections/${c.id}`)).body })));
    const line = states.map(({ c, s }) => {
      const run = s.workflow?.currentRun;
      const delivered = Object.values(s.delivered ?? {}).reduce((a: number, b) => a + Number(b), 0);
      return `${c.name}: ${run ? `${run.entity ?? '…'} page ${run.page}` : s.recentRuns?.length ? 'done' : 'starting'}, ${delivered} records delivered`;
    }).join(' | ');
    log(`  ${line}`);
    if (states.every(({ s }) => (s.recentRuns ?? []).some((r: { finishedAt: string | null }) => r.finishedAt))) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  log(`\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s since start):`);
  for (const c of connections.filter((x) => !x.name.endsWith('(Power BI)') && !x.name.endsWith('(Postgres)'))) {
    const wh = new BigQueryWarehouse({ target: { projectId: PROJECT, datasetId: DATASET(c.accountId), location: 'US' }, apiEndpoint: stack.bigqueryEmulatorUrl, tokens: { getAccessToken: async () => 'emulator' } });
    log(`  ${c.name} → ${PROJECT}.${DATASET(c.accountId)} (rows in the *_latest views)`);
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const [row] = await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${PROJECT}.${DATASET(c.accountId)}.${TABLES[key].defaultName}_latest\``);
      log(`    ${TABLES[key].defaultName.padEnd(32)} ${String(row?.n ?? 0).padStart(9)}`);
    }
  }
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  try {
    log(`  ${first.name} → Postgres ${WAREHOUSE_DB}, schema ${WAREHOUSE_SCHEMA} (rows in the *_latest views)`);
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const { rows } = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${WAREHOUSE_SCHEMA}"."${TABLES[key].defaultName}_latest"`);
      log(`    ${TABLES[key].defaultName.padEnd(32)} ${String(rows[0]?.n ?? 0).padStart(9)}`);
    }
  } finally {
    await pg.end();
  }
  log('  Power BI dataset "FreshBooks" (rows; fact tables keep one row per record version)');
  for (const t of Object.values(POWERBI_TABLES)) {
    log(`    ${t.name.padEnd(32)} ${String(sandboxes.powerbi.state.rowsByName(workspaceId, 'FreshBooks', t.name).length).padStart(9)}`);
  }

  // The real-time path: a change in FreshBooks → signed webhook → workflow → Power BI.
  const pbiId = pbi.body.connectionIds[0] as string;
  for (let i = 0; i < 100; i++) {
    const hooks = (await admin(`/api/connections/${pbiId}`)).body.webhookCallbacks as { verified: boolean }[];
    if (hooks.length > 0 && hooks.every((hk) => hk.verified)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const invoice = (sandboxes.fb.state.list(first.accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0]!;
  const before = sandboxes.powerbi.state.rowsByName(workspaceId, 'FreshBooks', 'Invoices').length;
  const t0 = Date.now();
  sandboxes.fb.state.update(first.accountId, 'invoices', invoice.id, { notes: 'edited in the demo' });
  while (sandboxes.powerbi.state.rowsByName(workspaceId, 'FreshBooks', 'Invoices').length === before && Date.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  log(`\nEdited invoice ${invoice.id} in FreshBooks: its new version reached Power BI through the webhook in ${Date.now() - t0} ms.`);

  // The other direction: the BigCommerce sandbox store's paid orders become invoices with payments.
  const store = await admin('/api/connections', {
    body: {
      authorizationId: auth.authorizationId, businessId: first.businessId,
      store: { type: 'bigcommerce', storeHash: DEFAULT_STORE_HASH, accessToken: DEFAULT_TOKEN },
      settings: { pollIntervalSec: 300, backfillDays: 3650 },
    },
  });
  if (store.status !== 201) throw new Error(`creating the demo BigCommerce connection failed: ${JSON.stringify(store.body)}`);
  const storeId = store.body.connectionIds[0] as string;
  log(`\nBigCommerce store ${DEFAULT_STORE_HASH} → "${first.name}": connection ${storeId}`);
  const seeded = sandboxes.bc.state.orders(DEFAULT_STORE_HASH).length;
  let counts: Record<string, number> = {};
  for (const t1 = Date.now(); Date.now() - t1 < 60_000; await new Promise((r) => setTimeout(r, 250))) {
    counts = (await admin(`/api/connections/${storeId}/orders?limit=1`)).body.counts as Record<string, number>;
    if (Object.values(counts).reduce((a, b) => a + b, 0) >= seeded) break;
  }
  log(`  backlog of ${seeded} orders: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  const t2 = Date.now();
  const placed = sandboxes.bc.state.createOrder(DEFAULT_STORE_HASH, {
    statusId: 11, billing: { email: 'demo.shopper@example.com', first_name: 'Demo', last_name: 'Shopper' },
    lines: [{ productId: 0, name: 'Camp stove', sku: 'STOVE-1', price: 79.5, quantity: 1 }], shipping: 8, taxRate: 8.875,
  }) as { id: number; total_inc_tax: string };
  let placedOutcome: { state?: string; invoiceId?: number; payments?: unknown[] } = {};
  while (placedOutcome.state !== 'invoiced' && Date.now() - t2 < 30_000) {
    await new Promise((r) => setTimeout(r, 10));
    placedOutcome = (await admin(`/api/connections/${storeId}/orders/${placed.id}`)).body ?? {};
  }
  log(`  new paid order #${placed.id} (${Number(placed.total_inc_tax).toFixed(2)} USD) → FreshBooks invoice ${placedOutcome.invoiceId} marked sent with ${placedOutcome.payments?.length ?? 0} payment(s), through the webhook in ${Date.now() - t2} ms`);
  log(`
Where to look next:
  Temporal UI        ${stack.temporalUiUrl}  (workflows connection/<id>, credential/<id>, order/<store>/<id>; payloads are
                     encrypted at rest — the UI decodes them through ${service.apiUrl}/codec/<CODEC_TOKEN>, which can only decode)
  Admin API          ${service.apiUrl}/api/connections   (Authorization: Bearer <ADMIN_TOKEN>)
  Secrets            ${secretsFile}  (credential/payload keys, the admin and codec tokens, generated for this machine)
  BigQuery emulator  ${stack.bigqueryEmulatorUrl}  (project ${PROJECT})
  Postgres           ${stack.databaseUrl}  (embedded; its data directory is removed on stop)
  Warehouse (psql)   psql "${pgUrl}" -c 'SELECT invoice_number, status, amount, amount_currency FROM ${WAREHOUSE_SCHEMA}.freshbooks_invoices_latest LIMIT 10'
  Try: curl -H "Authorization: Bearer $(grep ADMIN_TOKEN ${secretsFile} | cut -d= -f2)" ${service.apiUrl}/api/connections/${connections[0]?.id}
       curl -H "Authorization: Bearer $(grep ADMIN_TOKEN ${secretsFile} | cut -d= -f2)" ${service.apiUrl}/api/connections/${storeId}/orders/${placed.id}
Polling every ~60 s. Ctrl-C stops everything.`);
}

main().catch((err) => { console.error(err); process.exit(1); });
