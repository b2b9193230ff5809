import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../common/config';
import { generateKeySpec } from '../common/crypto';
import { createLogger } from '../common/logger';
import { ConnectionChangeFeed } from '../db/connection-changes';
import { createApp, webhookForwarder } from '../api/app';
import { migrate } from '../db/migrate';
import type { WebhookForwarder } from '../services/webhook-forwarder';
import { createPool, type Db } from '../db/pool';
import { connectClient } from '../temporal/client';
import { Workflows } from '../temporal/workflow-starts';
import { buildActivityDeps } from '../workers/activity-deps';
import { createWorker, type WorkerHandle } from '../workers/worker';
import { installWorkerRuntime } from '../workers/runtime';
import { createFreshBooksSandbox } from '../sandbox/freshbooks';
import { createGoogleSandbox, generateTestServiceAccountKey } from '../sandbox/google';
import { createPowerBiSandbox } from '../sandbox/powerbi';
import { createBigCommerceSandbox } from '../sandbox/bigcommerce';
import { createTableauSandbox } from '../sandbox/tableau';
import { once } from './dev-stack';

/**
 * Wires the service to local stand-ins exactly as production is wired to the real systems: only base
 * URLs differ. Shared by the demo, the integration tests and the benchmarks.
 */
export const SANDBOX_CLIENT_ID = 'sandbox-client';
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret';

/** The demo's Power BI tenant: a service principal that is a member of one workspace. */
export const SANDBOX_POWERBI = {
  tenantId: '6f0c7f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
  clientId: '0d9b5a3c-7e6f-4a1b-8c2d-3e4f5a6b7c8d',
  clientSecret: 'sandbox-powerbi-secret',
  workspaceId: 'f089354e-8366-4e18-aea3-4cb4a3a50b48',
};

/**
 * The demo's Tableau: a PAT on the Default site (Server form, contentUrl '') and one on the site 'freshbooks'
 * (Cloud form `…/#/site/freshbooks/…`), each site with a 'FreshBooks' project. The sandbox URL plays the host
 * (the Server host, or the Cloud pod host).
 */
export const SANDBOX_TABLEAU = {
  server: { patName: 'freshbooks-sync', patSecret: 'sandbox-tableau-server-pat-secret', siteContentUrl: '' },
  cloud: { patName: 'freshbooks-sync-cloud', patSecret: 'sandbox-tableau-cloud-pat-secret', siteContentUrl: 'freshbooks' },
  project: 'FreshBooks',
  restApiVersion: '3.27',
};

export interface Sandboxes {
  fb: ReturnType<typeof createFreshBooksSandbox>;
  fbUrl: string;
  google: ReturnType<typeof createGoogleSandbox>;
  googleUrl: string;
  serviceAccountKeyJson: string;
  powerbi: ReturnType<typeof createPowerBiSandbox>;
  powerbiAuthorityUrl: string;
  powerbiApiBase: string;
  bc: ReturnType<typeof createBigCommerceSandbox>;
  bcApiBase: string;
  tableau: ReturnType<typeof createTableauSandbox>;
  /** `http://127.0.0.1:<port>`; the REST API is under `${tableauUrl}/api/<version>`. */
  tableauUrl: string;
  close(): Promise<void>;
}

export async function startSandboxes(opts: {
  freshbooks?: Parameters<typeof createFreshBooksSandbox>[0];
  googleTokenTtlSec?: number;
  fbPort?: number;
  powerbi?: Parameters<typeof createPowerBiSandbox>[0];
  bigcommerce?: Parameters<typeof createBigCommerceSandbox>[0];
  tableau?: Parameters<typeof createTableauSandbox>[0];
} = {}): Promise<Sandboxes> {
  const fb = createFreshBooksSandbox({ clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, ...opts.freshbooks });
  const fbServer = await fb.listen(opts.fbPort ?? 0);
  const google = createGoogleSandbox({ tokenTtlSec: opts.googleTokenTtlSec });
  const googleServer = await google.listen(0);
  const sa = generateTestServiceAccountKey('ml-connector@ml-connector-dev.iam.gserviceaccount.com');
  google.state.registerServiceAccount(JSON.parse(sa.keyJson).client_email, sa.publicKeyPem);
  const pbi = await startPowerBiSandbox(opts.powerbi);
  const bc = createBigCommerceSandbox(opts.bigcommerce);
  const bcServer = await bc.listen(0);
  const tab = await startTableauSandbox(opts.tableau);
  return {
    fb, fbUrl: fbServer.url, google, googleUrl: googleServer.url, serviceAccountKeyJson: sa.keyJson, ...pbi, bc, bcApiBase: bcServer.apiBase,
    tableau: tab.tableau, tableauUrl: tab.tableauUrl,
    async close() { await fbServer.close(); await googleServer.close(); await pbi.close(); await bcServer.close(); await tab.close(); },
  };
}

/** The Tableau sandbox with the demo's PATs and projects (SANDBOX_TABLEAU); hyperd starts on first use. */
export async function startTableauSandbox(opts?: Parameters<typeof createTableauSandbox>[0]): Promise<Pick<Sandboxes, 'tableau' | 'tableauUrl' | 'close'>> {
  const tableau = createTableauSandbox({ restApiVersion: SANDBOX_TABLEAU.restApiVersion, ...opts });
  for (const pat of [SANDBOX_TABLEAU.server, SANDBOX_TABLEAU.cloud]) {
    const { siteId } = tableau.state.addPat(pat.patName, pat.patSecret, pat.siteContentUrl);
    tableau.state.addProject(siteId, SANDBOX_TABLEAU.project);
  }
  const server = await tableau.listen(0);
  return { tableau, tableauUrl: server.url, close: () => server.close() };
}

/** The Power BI sandbox with the demo tenant's service principal made a member of its workspace. */
export async function startPowerBiSandbox(opts?: Parameters<typeof createPowerBiSandbox>[0]): Promise<Pick<Sandboxes, 'powerbi' | 'powerbiAuthorityUrl' | 'powerbiApiBase' | 'close'>> {
  const powerbi = createPowerBiSandbox(opts);
  const { workspaceId, ...principal } = SANDBOX_POWERBI;
  powerbi.state.registerServicePrincipal({ ...principal, workspaces: [workspaceId] });
  const server = await powerbi.listen(0);
  return { powerbi, powerbiAuthorityUrl: server.authorityUrl, powerbiApiBase: server.apiBase, close: () => server.close() };
}

/** Environment for a service pointed at the sandboxes; secrets are generated unless given. */
export function sandboxEnv(s: Sandboxes, base: { databaseUrl: string; temporalAddress: string; bigqueryEndpoint: string }, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: base.databaseUrl,
    TEMPORAL_ADDRESS: base.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'ml-connector',
    CREDENTIAL_KEYS: generateKeySpec('k1'),
    PAYLOAD_KEYS: generateKeySpec('p1'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    CODEC_TOKEN: randomBytes(24).toString('base64url'),
    FRESHBOOKS_API_BASE: s.fbUrl,
    FRESHBOOKS_AUTH_BASE: s.fbUrl,
    FRESHBOOKS_CLIENT_ID: SANDBOX_CLIENT_ID,
    FRESHBOOKS_CLIENT_SECRET: SANDBOX_CLIENT_SECRET,
    GOOGLE_TOKEN_URL: `${s.googleUrl}/token`,
    BIGQUERY_API_ENDPOINT: base.bigqueryEndpoint,
    POWERBI_AUTHORITY_URL: s.powerbiAuthorityUrl,
    POWERBI_API_BASE: s.powerbiApiBase,
    BIGCOMMERCE_API_BASE: s.bcApiBase,
    ...overrides,
  };
}

export interface LocalService {
  config: AppConfig;
  db: Db;
  client: Client;
  workflows: Workflows;
  apiUrl: string;
  worker?: WorkerHandle;
  /** This API's webhook forwarder (a test stops it to leave the inbox to another instance). */
  forwarder: WebhookForwarder;
  /** Stops the worker, the API and the connections, once; later calls wait for the same stop. */
  close(): Promise<void>;
}

/** Runs the API (and optionally a worker) in this process. PORT=0 picks a free port. */
export async function startService(env: Record<string, string>, opts: { worker?: boolean; workflowBundle?: WorkflowBundleWithSourceMap } = {}): Promise<LocalService> {
  // The API's own URL is only known once it listens, and the OAuth redirect URI is built from it.
  const server: Server = await new Promise((resolve) => {
    const s = createServer();
    s.listen(Number(env.PORT ?? 0), '127.0.0.1', () => resolve(s));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ PUBLIC_URL: apiUrl, ...env });
  const logger = createLogger(config.logLevel);
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const client = await connectClient(config.temporal, config.payloadKeys);
  const workflows = new Workflows(client, config.temporal.taskQueue, config.orders.lingerSec);
  const changes = new ConnectionChangeFeed(config.databaseUrl);
  await changes.start();
  const forwarder = webhookForwarder(db, workflows, logger);
  server.on('request', createApp({ config, db, workflows, logger, changes, forwarder }));

  let worker: WorkerHandle | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker !== false) {
    installWorkerRuntime(config.logLevel === 'info' ? 'warn' : config.logLevel);
    worker = await createWorker(config, buildActivityDeps(config, db, logger), opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : {});
    running = worker.worker.run();
  }
  return {
    config, db, client, workflows, apiUrl, worker, forwarder,
    close: once(async () => {
      if (worker) {
        // On Ctrl-C the Temporal runtime's own signal handler may have begun the shutdown already.
        if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
        await running;
        await worker.connection.close();
        await worker.client.connection.close();
      }
      await forwarder.stop();
      await new Promise((r) => server.close(r));
      await changes.close();
      await client.connection.close();
      await db.end();
    }),
  };
}

/** An admin API call with the admin token. */
export async function adminCall(apiUrl: string, adminToken: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The user's path through OAuth: start, approve at FreshBooks (the sandbox's user approves at once),
 * land on our callback. Returns the authorization and the businesses it can see. */
export async function authorizeThroughSandbox(apiUrl: string, adminToken: string): Promise<{ authorizationId: string; grantId: string; businesses: { businessId: number; accountId: string; name: string }[] }> {
  const start = await adminCall(apiUrl, adminToken, '/api/freshbooks/authorizations', { body: {} });
  if (start.status !== 201) throw new Error(`authorization start failed: ${JSON.stringify(start.body)}`);
  const approve = await fetch(start.body.authorizeUrl, { redirect: 'manual' });
  const callback = approve.headers.get('location');
  if (!callback) throw new Error(`FreshBooks sandbox did not redirect (${approve.status})`);
  const done = await fetch(callback);
  const body = (await done.json()) as Awaited<ReturnType<typeof authorizeThroughSandbox>>;
  if (done.status !== 200) throw new Error(`OAuth callback failed: ${JSON.stringify(body)}`);
  return body;
}
