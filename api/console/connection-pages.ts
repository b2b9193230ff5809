import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { ConnectionListState, ConnectionWorkflowStatus } from '../../contracts/connection';
import { connectionWorkflowId, storeWorkflowId } from '../../contracts/ids';
import { isStoreConnection, type ConnectionRecord } from '../../db/connections';
import { destinationOfKind } from '../../destinations/registry';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import type { ConsoleDeps } from './deps';
import { ago, badgeOf, connectionRow, listedFromStatus, sourceAndDestination, type ListedWorkflow } from './present';
import { render } from './render';

const entityEnum = z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]]);
const isoTime = z.iso.datetime({ offset: true });
const redeliverForm = z.union([
  z.object({ entity: entityEnum, recordId: z.string().regex(/^\w{1,64}$/, 'must be a FreshBooks id') }),
  z.object({ entity: entityEnum, from: isoTime, to: isoTime.optional() }),
]);
/** A datetime-local field's value (`2026-12-06T09:30`), read as UTC as the form says; anything else as typed, for zod to refuse. */
const utcMinute = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v) ? `${v}:00Z` : v || undefined);

/** How long a page waits for one workflow's view before showing the row without it. */
const STATUS_TIMEOUT_MS = 1_500;

/** The connections list, one connection's page, and its actions (the same service calls as /api/connections). */
export function connectionPages(d: ConsoleDeps): Router {
  const r = Router();
  /**
   * A connection's workflow as the list shows it: the row it keeps in Postgres, read for all connections
   * in one query. Only a workflow that has not written one yet (started by older code, until it next
   * continues as new) is asked directly.
   */
  const listed = (c: ConnectionRecord, rows: Map<string, ConnectionListState>): Promise<ListedWorkflow | null> => {
    if (isStoreConnection(c)) return Promise.resolve(null);
    const row = rows.get(c.id);
    if (row) return Promise.resolve(row);
    // Temporal unreachable: the row shows what Postgres has rather than failing the whole list.
    return d.workflows.connectionStatus(c.id, STATUS_TIMEOUT_MS).then((s) => (s ? listedFromStatus(s) : null), () => null);
  };

  async function rows() {
    const [connections, deliveries, lastRuns, states, hooks] = await Promise.all([
      d.service.list(), d.activity.deliveries(), d.activity.lastRuns(), d.listStates.all(), d.activity.webhookHealth(),
    ]);
    const statuses = await Promise.all(connections.map((c) => listed(c, states)));
    return connections.map((c, i) => connectionRow(c, statuses[i] ?? null, deliveries.get(c.id), lastRuns.get(c.id), hooks.get(c.id)));
  }

  r.get('/connections', asyncRoute(async (_req, res) => {
    render(res, 'connections', { title: 'Connections', rows: await rows() });
  }));
  // Not under /connections/: that path's next segment is a connection id.
  r.get('/connection-rows', asyncRoute(async (_req, res) => {
    render(res, 'partials/connection-rows', { rows: await rows() });
  }));

  async function live(id: string) {
    const { connection: c, details } = await d.service.inspect(id);
    const store = isStoreConnection(c);
    // A store's workflow reports a status of another shape (contracts/store.ts).
    const workflow = store ? null : (details.workflow ?? null) as ConnectionWorkflowStatus | null;
    return {
      c,
      ...sourceAndDestination(c),
      badge: badgeOf(c, store ? undefined : workflow?.phase),
      store,
      workflow,
      storeWorkflow: store ? details.workflow ?? null : null,
      delivered: (details.delivered ?? {}) as Record<string, number>,
      recentRuns: (details.recentRuns ?? []) as { runKey: string; mode: string; startedAt: string; finishedAt: string | null; stats: Record<string, { delivered?: number; records?: number }>; error: string | null }[],
      webhookCallbacks: (details.webhookCallbacks ?? []) as { callbackId: number; event: string; uri: string; verified: boolean; updatedAt: string }[],
      ago,
    };
  }

  r.get('/connections/:id', asyncRoute(async (req, res) => {
    const view = await live(String(req.params.id));
    const c = view.c;
    const ui = d.config.console.temporalUiUrl;
    const workflowId = view.store ? storeWorkflowId(c.id) : connectionWorkflowId(c.id);
    const [history, report] = await Promise.all([d.activity.runHistory(c.id), d.reports.latest(c.id)]);
    render(res, 'connection', {
      title: `${view.source} → ${view.destination}`,
      ...view,
      entities: ALL_FRESHBOOKS_ENTITIES,
      appendOnly: !view.store && destinationOfKind(c.kind)?.traits.appendOnly === true,
      temporalUrl: ui ? `${ui}/namespaces/${encodeURIComponent(d.config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined,
      history,
      report,
    });
  }));

  r.get('/connections/:id/live', asyncRoute(async (req, res) => {
    render(res, 'partials/connection-live', await live(String(req.params.id)));
  }));

  r.get('/connections/:id/chart', asyncRoute(async (req, res) => {
    const c = await d.service.get(String(req.params.id));
    render(res, 'partials/connection-chart', { c, history: await d.activity.runHistory(c.id) });
  }));

  /** An action's answer: a message for the flash area, and a nudge for the live panel to refresh now. */
  const done = (res: Response, message: string) => {
    res.set('hx-trigger', 'refresh-live');
    render(res, 'partials/flash', { ok: true, message, details: [] });
  };
  const id = (req: Request) => String(req.params.id);

  r.post('/connections/:id/sync', asyncRoute(async (req, res) => {
    const mode = await d.service.sync(id(req), () => {
      const m = req.body?.mode ?? 'incremental';
      if (m !== 'incremental' && m !== 'full') throw new HttpError(400, 'mode must be incremental or full');
      return m;
    });
    done(res, mode === 'full' ? 'Full sync requested.' : mode === 'sweep' ? 'Store sweep requested.' : 'Sync requested.');
  }));
  r.post('/connections/:id/pause', asyncRoute(async (req, res) => {
    await d.service.setPaused(id(req), true);
    done(res, 'Paused. Changes wait until you resume.');
  }));
  r.post('/connections/:id/resume', asyncRoute(async (req, res) => {
    await d.service.setPaused(id(req), false);
    done(res, 'Resumed.');
  }));
  r.post('/connections/:id/redeliver', asyncRoute(async (req, res) => {
    const form = req.body ?? {};
    const body = await d.service.redeliver(id(req), () => parseBody(redeliverForm, form.recordId !== undefined
      ? { entity: form.entity, recordId: form.recordId }
      : { entity: form.entity, from: utcMinute(form.from), to: utcMinute(form.to) }));
    done(res, 'recordId' in body ? `Re-delivery of ${body.entity} ${body.recordId} requested.` : `Re-delivery of ${body.entity} changed since ${body.from}${body.to ? ` until ${body.to}` : ''} requested.`);
  }));
  r.post('/connections/:id/rebuild', asyncRoute(async (req, res) => {
    await d.service.maintain(id(req), 'rebuild');
    done(res, 'Rebuild requested: the destination is emptied and sent again.');
  }));
  r.post('/connections/:id/update-schema', asyncRoute(async (req, res) => {
    await d.service.maintain(id(req), 'update_schema');
    done(res, 'Schema update requested.');
  }));
  r.post('/connections/:id/delete', asyncRoute(async (req, res) => {
    const c = await d.service.get(id(req));
    // A second look at what is deleted: the form repeats the id, so a replayed or mistaken post does nothing.
    if (req.body?.confirm !== c.id) throw new HttpError(400, 'type the connection id to confirm the deletion');
    await d.service.remove(c.id);
    res.set('hx-redirect', '/console/connections');
    render(res, 'partials/flash', { ok: true, message: 'Deleted.', details: [] });
  }));
  r.post('/connections/:id/reauthorize', asyncRoute(async (req, res) => {
    const c = await d.service.get(id(req));
    const { authorizeUrl } = await d.authorizations.start({ reauthorizeGrantId: c.freshbooks.grantId });
    res.redirect(303, authorizeUrl);
  }));
  return r;
}
