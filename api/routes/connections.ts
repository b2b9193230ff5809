import { Router, json } from 'express';
import { z } from 'zod';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { DeliveryLedger } from '../../db/delivery-ledger';
import type { SyncRunStore } from '../../db/sync-runs';
import type { WebhookCallbackStore } from '../../db/webhook-callbacks';
import type { Workflows } from '../../temporal/workflow-starts';
import { ConnectionService, createConnectionsInput, createStoreConnectionInput } from '../connection-service';
import { asyncRoute, HttpError, parseBody } from '../http-errors';

const entityEnum = z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]]);
const syncInput = z.object({ mode: z.enum(['incremental', 'full']).default('incremental') }).strict();
const authorizationInput = z.object({ reauthorizeGrantId: z.string().regex(/^cred_[A-Za-z0-9_-]{1,64}$/, 'must be a grant id').optional() }).strict();
const isoTime = z.iso.datetime({ offset: true });
const redeliverInput = z.union([
  z.object({ entity: entityEnum, recordId: z.string().regex(/^\w{1,64}$/, 'must be a FreshBooks id') }).strict(),
  z.object({ entity: entityEnum, from: isoTime, to: isoTime.optional() }).strict(),
]);

/** Admin API over connections: list, inspect, sync now, re-deliver, pause, delete. */
export function connectionRoutes(service: ConnectionService, workflows: Workflows, runs: SyncRunStore, ledger: DeliveryLedger, callbacks: WebhookCallbackStore): Router {
  const r = Router();
  r.use(json({ limit: '256kb' }));

  r.get('/freshbooks/authorizations/:id', asyncRoute(async (req, res) => {
    res.json(await service.getAuthorization(String(req.params.id)));
  }));

  r.post('/freshbooks/authorizations', asyncRoute(async (req, res) => {
    const body = parseBody(authorizationInput, req.body);
    res.status(201).json(await service.startFreshBooksAuthorization(body));
  }));

  r.post('/connections', asyncRoute(async (req, res) => {
    if (req.body && typeof req.body === 'object' && 'store' in req.body) {
      res.status(201).json({ connectionIds: [await service.createStoreConnection(parseBody(createStoreConnectionInput, req.body))] });
      return;
    }
    const ids = await service.createConnections(parseBody(createConnectionsInput, req.body));
    res.status(201).json({ connectionIds: ids });
  }));

  r.get('/connections', asyncRoute(async (_req, res) => {
    res.json({ connections: (await service.list()).map(publicView) });
  }));

  r.get('/connections/:id', asyncRoute(async (req, res) => {
    const c = await service.get(String(req.params.id));
    if (c.kind === 'bigcommerce_freshbooks') {
      res.json({ ...publicView(c), workflow: await workflows.storeStatus(c.id) });
      return;
    }
    const [workflow, recentRuns, delivered, hooks] = await Promise.all([workflows.connectionStatus(c.id), runs.recent(c.id), ledger.counts(c.id), callbacks.list(c.id)]);
    // Which callbacks exist and whether FreshBooks verified them; never the verifiers.
    const webhookCallbacks = hooks.map(({ callbackId, event, uri, verified, updatedAt }) => ({ callbackId, event, uri, verified, updatedAt }));
    res.json({ ...publicView(c), workflow, recentRuns, delivered, webhookCallbacks });
  }));

  r.get('/connections/:id/records/:entity/:recordId', asyncRoute(async (req, res) => {
    const c = await service.get(String(req.params.id));
    const entity = entityEnum.safeParse(req.params.entity);
    if (!entity.success) throw new HttpError(400, `unknown entity ${String(req.params.entity)}`);
    const entry = await ledger.get(c.id, entity.data, String(req.params.recordId));
    if (!entry) throw new HttpError(404, 'record not delivered by this connection');
    res.json({ connectionId: c.id, entity: entity.data, recordId: req.params.recordId, ...entry });
  }));

  r.post('/connections/:id/sync', asyncRoute(async (req, res) => {
    const c = await service.get(String(req.params.id));
    if (c.kind === 'bigcommerce_freshbooks') {
      await workflows.storeSync(c.id);
      res.status(202).json({ accepted: true, mode: 'sweep' });
      return;
    }
    const { mode } = parseBody(syncInput, req.body);
    await workflows.requestSync(c.id, { mode, reason: 'manual' });
    res.status(202).json({ accepted: true, mode });
  }));

  r.post('/connections/:id/redeliver', asyncRoute(async (req, res) => {
    const c = await service.freshBooksFed(String(req.params.id), 'redeliver');
    const body = parseBody(redeliverInput, req.body);
    await workflows.redeliver(c.id, body);
    res.status(202).json({ accepted: true, ...body });
  }));

  /** Checks the FreshBooks callbacks now: registers missing ones, re-registers unverified ones. */
  r.post('/connections/:id/webhooks', asyncRoute(async (req, res) => {
    const c = await service.freshBooksFed(String(req.params.id), 'webhooks');
    await workflows.checkWebhooks(c.id);
    res.status(202).json({ accepted: true });
  }));

  /** Append-only destinations (Power BI): delete every row and push current state again. */
  r.post('/connections/:id/rebuild', asyncRoute(async (req, res) => {
    const c = await service.appendOnly(String(req.params.id));
    await workflows.maintain(c.id, { action: 'rebuild' });
    res.status(202).json({ accepted: true, action: 'rebuild' });
  }));

  /** After a reported schema mismatch: make the destination's tables match ours, then rebuild. */
  r.post('/connections/:id/update-schema', asyncRoute(async (req, res) => {
    const c = await service.appendOnly(String(req.params.id));
    await workflows.maintain(c.id, { action: 'update_schema' });
    res.status(202).json({ accepted: true, action: 'update_schema' });
  }));

  r.post('/connections/:id/pause', asyncRoute(async (req, res) => {
    await service.setPaused(String(req.params.id), true);
    res.status(202).json({ paused: true });
  }));

  r.post('/connections/:id/resume', asyncRoute(async (req, res) => {
    await service.setPaused(String(req.params.id), false);
    res.status(202).json({ paused: false });
  }));

  r.delete('/connections/:id', asyncRoute(async (req, res) => {
    await service.remove(String(req.params.id));
    res.status(204).end();
  }));

  return r;
}

/** Configuration as the API shows it: ids and settings, never secrets (there are none in these rows). */
function publicView(c: Awaited<ReturnType<ConnectionService['get']>>) {
  return { id: c.id, kind: c.kind, status: c.status, statusDetail: c.statusDetail, source: c.freshbooks, destination: c.destination, settings: c.settings, createdAt: c.createdAt };
}
