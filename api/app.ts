import express, { type Express } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { ConnectionChangeFeed } from '../db/connection-changes';
import { ConnectionStore } from '../db/connections';
import { CredentialStore } from '../db/credentials';
import { DeliveryLedger } from '../db/delivery-ledger';
import { AuthorizationStore, OAuthStateStore } from '../db/oauth';
import type { Db } from '../db/pool';
import { SyncRunStore } from '../db/sync-runs';
import type { Workflows } from '../temporal/workflow-starts';
import { requireAdmin } from './admin-auth';
import { errorHandler } from './http-errors';
import { serviceMetrics } from './metrics';
import { ServiceCounters } from '../db/service-counters';
import { codecRoutes } from './routes/codec';
import { connectionRoutes } from './routes/connections';
import { freshbooksOAuthRoutes } from './routes/freshbooks-oauth';
import { freshbooksWebhookFastPath, freshbooksWebhookRoutes } from './routes/freshbooks-webhooks';
import { WebhookCallbackStore } from '../db/webhook-callbacks';
import { WebhookVerifierCache } from '../services/webhook-verifiers';
import { BigCommerceOrderStore } from '../db/bigcommerce-orders';
import { bigcommerceWebhookRoutes } from './routes/bigcommerce-webhooks';
import { orderRoutes } from './routes/orders';
import { lookmlRoutes } from './routes/lookml';
import { tableauRoutes } from './routes/tableau';
import { reconciliationRoutes } from './routes/reconciliation';
import { historyRoutes } from './routes/history';
import { HistoryExportIndex } from '../db/history-exports';
import { HistoryExportService } from '../services/history-exports';
import { ReconciliationReportStore } from '../db/reconciliation-reports';
import { ReconciliationService } from '../services/reconciliation';
import { registerReconciliationMetrics } from '../services/reconciliation-metrics';
import { TableauService } from '../services/tableau';
import { TableauJobAudit } from '../db/tableau';
import { LookmlService } from '../services/lookml';
import { StoreHookSecrets } from '../services/store-hook-secrets';
import { AuthorizationService } from '../services/authorizations';
import { ConnectionService } from '../services/connections';
import { StoreOrders } from '../services/store-orders';
import { FreshBooksWebhookIntake, StoreWebhookIntake } from '../services/webhook-intake';
import { WebhookForwarder } from '../services/webhook-forwarder';
import { WebhookInbox } from '../db/webhook-inbox';
import packageJson from '../package.json';
import { openApiDocument } from './openapi/document';
import { methodNotAllowed } from './openapi/method-not-allowed';
import { allOperations, serviceOperations } from './openapi/operations';
import { reply } from './openapi/registry';
import { consoleRoutes } from './console';
import { consoleOAuthLanding } from './console/oauth-landing';
import { ConnectionActivity } from '../db/connection-activity';
import { ConnectionListStates } from '../db/connection-list-states';
import { AUTHORIZATION_ID, bodyOfType, CONNECTION_ID, paramMatching, positiveId, RECORD_ID, wellFormedUrl } from './request-guards';

export interface ApiDeps {
  config: AppConfig;
  db: Db;
  workflows: Workflows;
  logger: Logger;
  /** Committed connection changes from every process; without it this instance's caches age out by TTL alone. */
  changes?: ConnectionChangeFeed;
  /**
   * Forwards acknowledged webhook changes to the workflows. A process that serves webhooks for real
   * passes one it sweeps (see webhookForwarder()); without it, each change is still forwarded right
   * after its acknowledgement, and what a failure leaves behind waits for an instance that sweeps.
   */
  forwarder?: WebhookForwarder;
}

/** The forwarder of a process's API, sweeping for changes that no instance is forwarding; stop() it on shutdown. */
export function webhookForwarder(db: Db, workflows: Workflows, logger: Logger): WebhookForwarder {
  const forwarder = forwarderTo(db, workflows, logger);
  forwarder.startSweeping();
  return forwarder;
}

function forwarderTo(db: Db, workflows: Workflows, logger: Logger): WebhookForwarder {
  return new WebhookForwarder(new WebhookInbox(db), (id, changes, signal) => workflows.webhookChanges(id, changes, signal), logger);
}

const DEPENDENCY_NAMES = { postgres: 'Postgres', temporal: 'Temporal' } as const;

export function createApp({ config, db, workflows, logger, changes, forwarder }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const admin = requireAdmin(config.adminToken);
  const connections = new ConnectionStore(db);
  const credentials = new CredentialStore(db, config.credentialKeys);
  const callbacks = new WebhookCallbackStore(db, credentials);
  const storeSecrets = new StoreHookSecrets(connections, credentials);
  const verifiers = new WebhookVerifierCache(connections, callbacks);
  changes?.serve(storeSecrets);
  changes?.serve(verifiers);
  const authorizations = new AuthorizationService({
    config, workflows, connections, credentials, states: new OAuthStateStore(db), authorizations: new AuthorizationStore(db),
    resumeReauthorized: (ids): Promise<void> => service.reauthorized(ids),
  });
  const service = new ConnectionService({
    config, workflows, connections, credentials, authorizations, callbacks,
    runs: new SyncRunStore(db), ledger: new DeliveryLedger(db),
    // A deleted store connection's deliveries are 404 at once, not when its cache entry ages out.
    removed: (id) => storeSecrets.forget(id),
    statusChanged: (id) => storeSecrets.forget(id),
  });
  const orders = new StoreOrders(service, workflows, new BigCommerceOrderStore(db));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = serviceMetrics({ registry, runs: new SyncRunStore(db), counters: new ServiceCounters(db), inbox: new WebhookInbox(db), logger });
  const reconciliationReports = new ReconciliationReportStore(db);
  registerReconciliationMetrics(registry, reconciliationReports);

  const freshbooksIntake = new FreshBooksWebhookIntake({
    cache: verifiers, callbacks, workflows, inbox: new WebhookInbox(db),
    forwarder: forwarder ?? forwarderTo(db, workflows, logger), observeInboxWrite: metrics.inboxWrites,
  });
  // First, so every webhook answer is counted, the guards' refusals too.
  app.use('/webhooks', metrics.webhookAcks);
  // FreshBooks deliveries as FreshBooks sends them skip the walk below; anything unusual goes on to it.
  app.use(freshbooksWebhookFastPath(freshbooksIntake));
  // The admin token first: a caller without it learns nothing from /api, not even which of its
  // requests would be malformed (the guards below answer 400/415 only to an admin).
  app.use('/api', admin);
  // Malformed requests are refused here, once for every route, before any handler or Postgres sees them.
  app.use(wellFormedUrl);
  app.use(['/webhooks/freshbooks', '/console'], bodyOfType('application/x-www-form-urlencoded'));
  app.use(['/webhooks/bigcommerce', '/api'], bodyOfType('application/json'));
  app.use(['/webhooks/freshbooks/:id', '/webhooks/bigcommerce/:id', '/api/connections/:id'], paramMatching('id', CONNECTION_ID));
  app.use('/api/connections/:id/orders/:orderId', paramMatching('orderId', (raw) => positiveId(raw) !== undefined));
  app.use('/api/connections/:id/records/:entity/:recordId', paramMatching('recordId', RECORD_ID));
  app.use(['/api/freshbooks/authorizations/:id', '/console/connect/authorizations/:id'], paramMatching('id', AUTHORIZATION_ID));
  app.use('/console/connections/:id', paramMatching('id', CONNECTION_ID));
  app.use('/console/connections/:id/orders/:orderId', paramMatching('orderId', (raw) => positiveId(raw) !== undefined));

  // Names each dependency that is down, so an operator (or a load balancer) sees which one while it lasts.
  app.get('/healthz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      db.query('SELECT 1').then(() => true, () => false),
      workflows.temporalReachable(),
    ]);
    const down = [...(postgres ? [] : ['postgres'] as const), ...(temporal ? [] : ['temporal'] as const)];
    if (down.length === 0) reply(res, serviceOperations.healthz, 200, { ok: true, postgres: 'up', temporal: 'up' });
    else reply(res, serviceOperations.healthz, 503, { ok: false, down, error: down.map((d) => `${DEPENDENCY_NAMES[d]} unreachable`).join('; ') });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  // Made once: the document depends on the code, not on the request.
  const document = openApiDocument(allOperations, { version: packageJson.version });
  app.get('/openapi.json', (_req, res) => { reply(res, serviceOperations.openapi, 200, document); });
  app.use('/oauth/freshbooks', freshbooksOAuthRoutes(authorizations, consoleOAuthLanding));
  app.get('/', (_req, res) => { res.redirect(303, '/console/'); });
  app.use('/console', consoleRoutes({ config, service, orders, authorizations, workflows, logger, activity: new ConnectionActivity(db), listStates: new ConnectionListStates(db), reports: reconciliationReports }));
  app.use('/webhooks/freshbooks', freshbooksWebhookRoutes({ intake: freshbooksIntake, logger }));
  app.use('/webhooks/bigcommerce', bigcommerceWebhookRoutes({ intake: new StoreWebhookIntake({ secrets: storeSecrets, workflows }), logger }));
  app.use('/codec', codecRoutes(config.payloadKeys, config.codec));
  app.use('/api', admin, connectionRoutes(service, authorizations));
  app.use('/api', admin, lookmlRoutes(new LookmlService(service)));
  app.use('/api', admin, tableauRoutes(new TableauService({ config, connections: service, store: connections, credentials, audit: new TableauJobAudit(db), workflows })));
  app.use('/api', admin, reconciliationRoutes(new ReconciliationService({ db, connections: service, workflows, reports: reconciliationReports })));
  app.use('/api', admin, historyRoutes(new HistoryExportService({ connections, index: new HistoryExportIndex(db) })));
  app.use('/api', admin, orderRoutes(orders));
  app.use(methodNotAllowed(allOperations));
  app.use((_req, res) => { res.status(404).json({ error: 'not found' }); });
  app.use(errorHandler(logger));
  return app;
}
