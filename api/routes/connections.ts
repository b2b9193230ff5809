import { Router, json } from 'express';
import { z } from 'zod';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { DESTINATION_TYPES, destinationKind } from '../../contracts/destination-kinds';
import { STORE_KIND, type ConnectionRecord, type ConnectionStatus } from '../../db/connections';
import type { AuthorizationService } from '../../services/authorizations';
import { createConnectionsInput, createStoreConnectionInput, type ConnectionService } from '../../services/connections';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { AUTHORIZATION_ID, CONNECTION_ID, RECORD_ID } from '../request-guards';

export const entityEnum = z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]]);
const syncInput = z.object({ mode: z.enum(['incremental', 'full']).default('incremental') }).strict();
const authorizationInput = z.object({ reauthorizeGrantId: z.string().regex(/^cred_[A-Za-z0-9_-]{1,64}$/, 'must be a grant id').optional() }).strict();
const isoTime = z.iso.datetime({ offset: true });
const redeliverInput = z.union([
  z.object({ entity: entityEnum, recordId: z.string().regex(RECORD_ID, 'must be a FreshBooks id') }).strict(),
  z.object({ entity: entityEnum, from: isoTime, to: isoTime.optional() }).strict(),
]);
/** A store (`store` present) or FreshBooks businesses to a destination: the handler tells them apart by `store`. */
const createInput = z.union([createStoreConnectionInput, createConnectionsInput]);

export const connectionIdParams = z.object({ id: z.string().regex(CONNECTION_ID, 'must be a connection id') });
const authorizationIdParams = z.object({ id: z.string().regex(AUTHORIZATION_ID, 'must be an authorization id') });
const recordParams = connectionIdParams.extend({ entity: entityEnum, recordId: z.string().regex(RECORD_ID, 'must be a FreshBooks id') });

const STATUSES = ['active', 'needs_reauth', 'paused', 'deleted', 'destination_auth'] as const satisfies readonly ConnectionStatus[];
// Every status the database knows is listed above, and nothing else.
true satisfies (ConnectionStatus extends (typeof STATUSES)[number] ? true : false);

const business = z.object({ businessId: z.number().int(), businessUuid: z.string(), accountId: z.string(), name: z.string(), role: z.string() });
export const authorizationView = z.object({ authorizationId: z.string(), grantId: z.string(), businesses: z.array(business) });

/** Configuration as the API shows it: ids and settings, never secrets (there are none in these rows). */
export const connectionView = z.object({
  id: z.string(),
  kind: z.enum([...DESTINATION_TYPES.map(destinationKind), STORE_KIND]),
  status: z.enum(STATUSES),
  statusDetail: z.record(z.string(), z.unknown()),
  source: z.object({ grantId: z.string(), accountId: z.string(), businessId: z.number().int(), businessUuid: z.string(), businessName: z.string() }),
  /** The destination's stored configuration (for a store, the store): its type and non-secret settings. */
  destination: z.looseObject({ type: z.string() }),
  settings: z.looseObject({ pollIntervalSec: z.number(), entities: z.array(z.string()), reconcileEveryHours: z.number() }),
  createdAt: z.string(),
});
/** A connection and its live state (workflow view, runs, deliveries, callbacks), which differ by kind. */
const connectionDetail = z.looseObject({
  ...connectionView.shape,
  /** Dependencies out of reach while answering: the workflow's live view (`workflow`) is missing because of them. */
  down: z.array(z.enum(['temporal'])).optional(),
});
const accepted = z.object({ accepted: z.literal(true) });

const admin = { access: 'admin', tag: 'connections' } as const;
export const connectionOperations = {
  getAuthorization: defineOperation({
    ...admin, operationId: 'getFreshBooksAuthorization', method: 'get', path: '/api/freshbooks/authorizations/:id', params: authorizationIdParams,
    summary: 'A completed FreshBooks authorization and the businesses it can reach',
    responses: { 200: { description: 'the authorization', schema: authorizationView }, ...errors(400, 401, 404) },
  }),
  startAuthorization: defineOperation({
    ...admin, operationId: 'startFreshBooksAuthorization', method: 'post', path: '/api/freshbooks/authorizations',
    summary: 'Start a FreshBooks authorization (or re-authorize a grant): the URL to send the user to',
    body: { schema: authorizationInput, mediaType: 'application/json', required: false },
    responses: { 201: { description: 'where to send the user', schema: z.object({ authorizeUrl: z.string(), state: z.string() }) }, ...errors(400, 401, 404, 413, 415) },
  }),
  createConnections: defineOperation({
    ...admin, operationId: 'createConnections', method: 'post', path: '/api/connections',
    summary: 'Connect FreshBooks businesses to a destination, or a BigCommerce store to a FreshBooks business',
    body: { schema: createInput, mediaType: 'application/json' },
    responses: { 201: { description: 'the new connections', schema: z.object({ connectionIds: z.array(z.string()) }) }, ...errors(400, 401, 404, 409, 413, 415, 502) },
  }),
  listConnections: defineOperation({
    ...admin, operationId: 'listConnections', method: 'get', path: '/api/connections', summary: 'Every connection',
    responses: { 200: { description: 'the connections', schema: z.object({ connections: z.array(connectionView) }) }, ...errors(400, 401) },
  }),
  getConnection: defineOperation({
    ...admin, operationId: 'getConnection', method: 'get', path: '/api/connections/:id', params: connectionIdParams,
    summary: 'One connection with its live state',
    responses: { 200: { description: 'the connection', schema: connectionDetail }, ...errors(400, 401, 404, 503) },
  }),
  deliveredRecord: defineOperation({
    ...admin, operationId: 'getDeliveredRecord', method: 'get', path: '/api/connections/:id/records/:entity/:recordId', params: recordParams,
    summary: 'What the delivery ledger holds for one record',
    responses: {
      200: { description: 'the delivered version', schema: z.object({ connectionId: z.string(), entity: entityEnum, recordId: z.string(), version: z.string(), batchId: z.string(), deliveredAt: z.string() }) },
      ...errors(400, 401, 404),
    },
  }),
  sync: defineOperation({
    ...admin, operationId: 'syncConnection', method: 'post', path: '/api/connections/:id/sync', params: connectionIdParams,
    summary: 'Sync now (a store sweeps)', body: { schema: syncInput, mediaType: 'application/json', required: false },
    responses: { 202: { description: 'sync asked for', schema: accepted.extend({ mode: z.enum(['incremental', 'full', 'sweep']) }) }, ...errors(400, 401, 404, 409, 413, 415) },
  }),
  redeliver: defineOperation({
    ...admin, operationId: 'redeliver', method: 'post', path: '/api/connections/:id/redeliver', params: connectionIdParams,
    summary: 'Send one record, or the records changed in a window, to the destination again', body: { schema: redeliverInput, mediaType: 'application/json' },
    responses: { 202: { description: 're-delivery asked for', schema: z.intersection(accepted, redeliverInput) }, ...errors(400, 401, 404, 409, 413, 415) },
  }),
  checkWebhooks: defineOperation({
    ...admin, operationId: 'checkWebhooks', method: 'post', path: '/api/connections/:id/webhooks', params: connectionIdParams,
    summary: 'Check the FreshBooks callbacks now: register missing ones, re-register unverified ones',
    responses: { 202: { description: 'check asked for', schema: accepted }, ...errors(400, 401, 404, 409) },
  }),
  rebuild: defineOperation({
    ...admin, operationId: 'rebuild', method: 'post', path: '/api/connections/:id/rebuild', params: connectionIdParams,
    summary: 'Append-only destinations (Power BI): delete every row and push current state again',
    responses: { 202: { description: 'rebuild asked for', schema: accepted.extend({ action: z.literal('rebuild') }) }, ...errors(400, 401, 404, 409) },
  }),
  updateSchema: defineOperation({
    ...admin, operationId: 'updateSchema', method: 'post', path: '/api/connections/:id/update-schema', params: connectionIdParams,
    summary: 'After a reported schema mismatch: make the destination\'s tables match ours, then rebuild',
    responses: { 202: { description: 'update asked for', schema: accepted.extend({ action: z.literal('update_schema') }) }, ...errors(400, 401, 404, 409) },
  }),
  pause: defineOperation({
    ...admin, operationId: 'pauseConnection', method: 'post', path: '/api/connections/:id/pause', params: connectionIdParams, summary: 'Pause',
    responses: { 202: { description: 'paused', schema: z.object({ paused: z.literal(true) }) }, ...errors(400, 401, 404, 409) },
  }),
  resume: defineOperation({
    ...admin, operationId: 'resumeConnection', method: 'post', path: '/api/connections/:id/resume', params: connectionIdParams, summary: 'Resume',
    responses: { 202: { description: 'resumed', schema: z.object({ paused: z.literal(false) }) }, ...errors(400, 401, 404, 409) },
  }),
  remove: defineOperation({
    ...admin, operationId: 'deleteConnection', method: 'delete', path: '/api/connections/:id', params: connectionIdParams, summary: 'Delete (stops its workflow)',
    responses: { 204: { description: 'deleted' }, ...errors(400, 401, 404) },
  }),
};

/**
 * Admin API over connections: list, inspect, sync now, re-deliver, pause, delete. Bodies the service
 * reads lazily are parsed only once the connection is known to take them, so an unknown connection is
 * a 404 whatever the body says (a store's sync checks the body too, then sweeps whatever the mode).
 */
export function connectionRoutes(service: ConnectionService, authorizations: AuthorizationService): Router {
  const r = Router();
  const ops = connectionOperations;
  r.use(json({ limit: '256kb' }));

  r.get('/freshbooks/authorizations/:id', asyncRoute(async (req, res) => {
    reply(res, ops.getAuthorization, 200, await authorizations.get(String(req.params.id)));
  }));

  r.post('/freshbooks/authorizations', asyncRoute(async (req, res) => {
    const body = parseBody(authorizationInput, req.body);
    reply(res, ops.startAuthorization, 201, await authorizations.start(body));
  }));

  r.post('/connections', asyncRoute(async (req, res) => {
    if (req.body && typeof req.body === 'object' && 'store' in req.body) {
      reply(res, ops.createConnections, 201, { connectionIds: [await service.createStoreConnection(parseBody(createStoreConnectionInput, req.body))] });
      return;
    }
    const ids = await service.createConnections(parseBody(createConnectionsInput, req.body));
    reply(res, ops.createConnections, 201, { connectionIds: ids });
  }));

  r.get('/connections', asyncRoute(async (_req, res) => {
    reply(res, ops.listConnections, 200, { connections: (await service.list()).map(publicView) });
  }));

  r.get('/connections/:id', asyncRoute(async (req, res) => {
    const { connection, details } = await service.inspect(String(req.params.id));
    reply(res, ops.getConnection, 200, { ...publicView(connection), ...details });
  }));

  r.get('/connections/:id/records/:entity/:recordId', asyncRoute(async (req, res) => {
    const recordId = String(req.params.recordId);
    const { connectionId, entity, entry } = await service.deliveredRecord(String(req.params.id), () => {
      const entity = entityEnum.safeParse(req.params.entity);
      if (!entity.success) throw new HttpError(400, `unknown entity ${String(req.params.entity)}`);
      return entity.data;
    }, recordId);
    reply(res, ops.deliveredRecord, 200, { connectionId, entity, recordId, ...entry });
  }));

  r.post('/connections/:id/sync', asyncRoute(async (req, res) => {
    const mode = await service.sync(String(req.params.id), () => parseBody(syncInput, req.body).mode);
    reply(res, ops.sync, 202, { accepted: true, mode });
  }));

  r.post('/connections/:id/redeliver', asyncRoute(async (req, res) => {
    const body = await service.redeliver(String(req.params.id), () => parseBody(redeliverInput, req.body));
    reply(res, ops.redeliver, 202, { accepted: true, ...body });
  }));

  /** Checks the FreshBooks callbacks now: registers missing ones, re-registers unverified ones. */
  r.post('/connections/:id/webhooks', asyncRoute(async (req, res) => {
    await service.checkWebhooks(String(req.params.id));
    reply(res, ops.checkWebhooks, 202, { accepted: true });
  }));

  /** Append-only destinations (Power BI): delete every row and push current state again. */
  r.post('/connections/:id/rebuild', asyncRoute(async (req, res) => {
    await service.maintain(String(req.params.id), 'rebuild');
    reply(res, ops.rebuild, 202, { accepted: true, action: 'rebuild' });
  }));

  /** After a reported schema mismatch: make the destination's tables match ours, then rebuild. */
  r.post('/connections/:id/update-schema', asyncRoute(async (req, res) => {
    await service.maintain(String(req.params.id), 'update_schema');
    reply(res, ops.updateSchema, 202, { accepted: true, action: 'update_schema' });
  }));

  r.post('/connections/:id/pause', asyncRoute(async (req, res) => {
    await service.setPaused(String(req.params.id), true);
    reply(res, ops.pause, 202, { paused: true });
  }));

  r.post('/connections/:id/resume', asyncRoute(async (req, res) => {
    await service.setPaused(String(req.params.id), false);
    reply(res, ops.resume, 202, { paused: false });
  }));

  r.delete('/connections/:id', asyncRoute(async (req, res) => {
    await service.remove(String(req.params.id));
    res.status(204).end();
  }));

  return r;
}

function publicView(c: ConnectionRecord): z.infer<typeof connectionView> {
  return { id: c.id, kind: c.kind, status: c.status, statusDetail: c.statusDetail, source: c.freshbooks, destination: { ...c.destination }, settings: { ...c.settings }, createdAt: c.createdAt };
}
