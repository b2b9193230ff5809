import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import type { Harness } from './harness';
import { EMULATOR_PROJECT, freshDatabase, infrastructure } from './harness';
import type { ConnectionWorkflowStatus } from '../../contracts/connection';
import { BigQueryWarehouse } from '../../connectors/bigquery';
import { authorizeThroughSandbox, SANDBOX_POWERBI } from '../../scripts/local-service';
import { DEFAULT_STORE_HASH, DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

export const authorizeFreshBooks = (h: Harness) => authorizeThroughSandbox(h.apiUrl, h.env.ADMIN_TOKEN);

export interface ConnectionOptions { businessIndex?: number; settings?: Record<string, unknown> }
export interface CreatedConnection { connectionId: string; accountId: string; grantId: string }

/** POST /api/connections for one authorized business; the raw answer (tests of refusals read it). */
export async function postConnection(h: Harness, destination: Record<string, unknown>, opts: ConnectionOptions & { settings: Record<string, unknown> }) {
  const auth = await authorizeFreshBooks(h);
  const business = auth.businesses[opts.businessIndex ?? 0];
  const res = await h.admin('/api/connections', {
    body: { authorizationId: auth.authorizationId, businessIds: [business.businessId], destination, settings: opts.settings },
  });
  return { res, accountId: business.accountId as string, grantId: auth.grantId as string };
}

/** The connection `postConnection` made, or an error with the API's answer. */
export async function createConnection(h: Harness, destination: Record<string, unknown>, opts: ConnectionOptions & { settings: Record<string, unknown> }): Promise<CreatedConnection> {
  const { res, accountId, grantId } = await postConnection(h, destination, opts);
  if (res.status !== 201) throw new Error(`create connection failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { connectionId: res.body.connectionIds[0], accountId, grantId };
}

// Polling tests: webhooks would deliver the same changes first and hide what polling did.
const POLLING = { pollIntervalSec: 3600, reconcileEveryHours: 24, webhooks: false };

export async function createBigQueryConnection(h: Harness, opts: ConnectionOptions & { datasetId: string }): Promise<CreatedConnection> {
  return createConnection(h, { type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId: opts.datasetId, location: 'US', serviceAccountKey: h.serviceAccountKeyJson },
    { ...opts, settings: { ...POLLING, ...opts.settings } });
}

/** A database of its own on the test Postgres server, for a Postgres-warehouse connection to fill. */
export async function warehouseDatabaseUrl(): Promise<string> {
  return freshDatabase((await infrastructure()).databaseUrl);
}

/** A FreshBooks → Postgres warehouse connection through the admin API. */
export async function createPostgresConnection(h: Harness, opts: ConnectionOptions & { url: string; schema?: string }): Promise<CreatedConnection> {
  return createConnection(h, { type: 'postgres', url: opts.url, ...(opts.schema ? { schema: opts.schema } : {}) }, { ...opts, settings: { ...POLLING, ...opts.settings } });
}

/** Waits until `runs` runs have finished in total (the initial backfill is 1) and the workflow is idle. */
export async function waitForRuns(h: Harness, connectionId: string, runs: number, timeoutMs = 180_000): Promise<ConnectionWorkflowStatus> {
  const until = Date.now() + timeoutMs;
  let last: ConnectionWorkflowStatus | null = null;
  while (Date.now() < until) {
    last = await h.workflows.connectionStatus(connectionId).catch(() => null);
    if (last && !last.currentRun && last.phase !== 'syncing') {
      const { rows } = await h.db.query<{ error: string | null }>(
        'SELECT error FROM sync_runs WHERE connection_id = $1 AND finished_at IS NOT NULL ORDER BY id DESC', [connectionId]);
      if (rows[0]?.error) throw new Error(`sync run failed: ${rows[0].error}`);
      if (rows.length >= runs) return last;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`connection ${connectionId} did not finish ${runs} run(s): ${JSON.stringify(last)}`);
}

export function emulatorWarehouse(h: Harness, datasetId: string): BigQueryWarehouse {
  return new BigQueryWarehouse({
    target: { projectId: EMULATOR_PROJECT, datasetId, location: 'US' },
    apiEndpoint: h.bigqueryEmulatorUrl,
    tokens: { getAccessToken: async () => 'emulator-ignores-auth' },
  });
}

export const POWERBI_DATASET = 'FreshBooks';

/** A FreshBooks → Power BI connection through the admin API, with the sandbox tenant's service principal. */
export async function createPowerBiConnection(h: Harness, opts: ConnectionOptions & { datasetName?: string } = {}): Promise<CreatedConnection> {
  const { workspaceId, tenantId, clientId, clientSecret } = SANDBOX_POWERBI;
  return createConnection(h, { type: 'powerbi', tenantId, clientId, clientSecret, workspaceId, datasetName: opts.datasetName ?? POWERBI_DATASET },
    { ...opts, settings: { pollIntervalSec: 3600, reconcileEveryHours: 24, ...opts.settings } });
}

/** Rows of one table of the sandbox tenant's dataset. */
export function powerBiRows(h: Harness, table: string, datasetName = POWERBI_DATASET): Record<string, unknown>[] {
  return h.powerbi.state.rowsByName(SANDBOX_POWERBI.workspaceId, datasetName, table);
}

export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A BigCommerce store (the sandbox's default store and token) → FreshBooks business connection through the admin API. */
export async function createStoreConnection(h: Harness, opts: { businessIndex?: number; storeHash?: string; token?: string; clientSecret?: string; settings?: Record<string, unknown> } = {}): Promise<{ connectionId: string; accountId: string; grantId: string; storeHash: string }> {
  const auth = await authorizeFreshBooks(h);
  const business = auth.businesses[opts.businessIndex ?? 0];
  const storeHash = opts.storeHash ?? DEFAULT_STORE_HASH;
  const res = await h.admin('/api/connections', {
    body: {
      authorizationId: auth.authorizationId,
      businessId: business.businessId,
      store: { type: 'bigcommerce', storeHash, accessToken: opts.token ?? DEFAULT_TOKEN, ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}) },
      settings: { pollIntervalSec: 3600, backfillDays: 3650, ...opts.settings },
    },
  });
  if (res.status !== 201) throw new Error(`create store connection failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { connectionId: res.body.connectionIds[0], accountId: business.accountId, grantId: auth.grantId, storeHash };
}

/** Waits for an order's saved outcome to satisfy `done`. */
export async function orderOutcome(h: Harness, connectionId: string, orderId: number, done: (o: any) => boolean = (o) => o.state !== undefined, timeoutMs = 120_000): Promise<any> {
  return eventually(`order ${orderId} outcome`, async () => {
    const r = await h.admin(`/api/connections/${connectionId}/orders/${orderId}`);
    return r.status === 200 && r.body.state !== undefined && done(r.body) ? r.body : undefined;
  }, timeoutMs);
}

/** The FreshBooks sandbox's invoices with this number (deleted ones too). */
export function invoicesNumbered(h: Harness, accountId: string, invoiceNumber: string): Record<string, any>[] {
  return h.fb.state.list(accountId, 'invoices', { 'search[invoice_number]': invoiceNumber, per_page: '100' }).items as Record<string, any>[];
}

/** A workflow's history with every payload decrypted and decoded, as one searchable text. */
export async function decodedHistory(h: Harness, workflowId: string) {
  const codec = new EncryptionCodec(h.config.payloadKeys);
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const decoded: unknown[] = [];
  for (const e of history.events ?? []) {
    const payloads = [
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []),
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      // Local activities' results (and the SDK's own marker data) are in markers.
      ...Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => p.payloads ?? []),
    ];
    for (const p of await codec.decode(payloads as never)) decoded.push(defaultPayloadConverter.fromPayload(p));
  }
  return { history, text: JSON.stringify(decoded) };
}

/** Credit notes in two currencies, two each (the seed has none; refunds make them). */
export function addCreditNotes(h: Harness, accountId: string): void {
  const clients = h.fb.state.list(accountId, 'clients', { per_page: '100' }).items;
  for (const cur of ['USD', 'CAD']) {
    const client = clients.find((c) => c.currency_code === cur) ?? clients[0]!;
    for (const amount of ['40.00', '125.50']) {
      h.fb.state.createCreditNote(accountId, { clientid: client.id, currency_code: cur, lines: [{ name: 'Goodwill', qty: 1, unit_cost: { amount, code: cur } }] });
    }
  }
}
