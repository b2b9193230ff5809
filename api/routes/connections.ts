import { Router, json } from 'express';
import { z } from 'zod';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { ConnectionRecord } from '../../db/connections';
import type { AuthorizationService } from '../../services/authorizations';
import { createConnectionsInput, createStoreConnectionInput, type ConnectionService } from '../../services/connections';
import { asyncRoute, HttpError, parseBody } from '../http-errors';

const entityEnum = z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]]);
const syncInput = z.object({ mode: z.enum(['incremental', 'full']).default('incremental') }).strict();
const authorizationInput = z.object({ reauthorizeGrantId: z.string().regex(/^cred_[A-Za-z0-9_-]{1,64}$/, 'must be a grant id').optional() }).strict();
const isoTime = z.iso.datetime({ offset: true });
const redeliverInput = z.union([
  z.object({ entity: entityEnum, recordId: z.string().regex(/^\w{1,64}$/, 'must be a FreshBooks id') }).strict(),
  z.object({ entity: entityEnum, from: isoTime, to: isoTime.optional() }).strict(),
]);

/**
 * Admin API over connections: list, inspect, sync now, re-deliver, pause, delete. Bodies the service
 * reads lazily are parsed only once the connection is known to take them, so an unknown connection is
 * a 404 and a store's sync ignores a FreshBooks body.
 */
export function connectionRoutes(service: ConnectionService, authorizations: AuthorizationService): Router {
  const r = Router();
  r.use(json({ limit: '256kb' }));

  r.get('/freshbooks/authorizations/:id', asyncRoute(async (req, res) => {
    res.json(await authorizations.get(String(req.params.id)));
  }));

  r.post('/freshbooks/authorizations', asyncRoute(async (req, res) => {
    const body = parseBody(authorizationInput, req.body);
    res.status(201).json(await authorizations.start(body));
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
    const { connection, details } = await service.inspect(String(req.params.id));
    res.json({ ...publicView(connection), ...details });
  }));

  r.get('/connections/:id/records/:entity/:recordId', asyncRoute(async (req, res) => {
    const recordId = String(req.params.recordId);
    const { connectionId, entity, entry } = await service.deliveredRecord(String(req.params.id), () => {
      const entity = entityEnum.safeParse(req.params.entity);
      if (!entity.success) throw new HttpError(400, `unknown entity ${String(req.params.entity)}`);
      return entity.data;
    }, recordId);
    res.json({ connectionId, entity, recordId: req.params.recordId, ...entry });
  }));

  r.post('/connections/:id/sync', asyncRoute(async (req, res) => {
    const mode = await service.sync(String(req.params.id), () => parseBody(syncInput, req.body).mode);
    res.status(202).json({ accepted: true, mode });
  }));

  r.post('/connections/:id/redeliver', asyncRoute(async (req, res) => {
    const body = await service.redeliver(String(req.params.id), () => parseBody(redeliverInput, req.body));
    res.status(202).json({ accepted: true, ...body });
  }));

  /** Checks the FreshBooks callbacks now: registers missing ones, re-registers unverified ones. */
  r.post('/connections/:id/webhooks', asyncRoute(async (req, res) => {
    await service.checkWebhooks(String(req.params.id));
    res.status(202).json({ accepted: true });
  }));

  /** Append-only destinations (Power BI): delete every row and push current state again. */
  r.post('/connections/:id/rebuild', asyncRoute(async (req, res) => {
    await service.maintain(String(req.params.id), 'rebuild');
    res.status(202).json({ accepted: true, action: 'rebuild' });
  }));

  /** After a reported schema mismatch: make the destination's tables match ours, then rebuild. */
  r.post('/connections/:id/update-schema', asyncRoute(async (req, res) => {
    await service.maintain(String(req.params.id), 'update_schema');
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
function publicView(c: ConnectionRecord) {
  return { id: c.id, kind: c.kind, status: c.status, statusDetail: c.statusDetail, source: c.freshbooks, destination: c.destination, settings: c.settings, createdAt: c.createdAt };
}
