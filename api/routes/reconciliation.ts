import { Router, json } from 'express';
import { reconcileInput, reconciliationOperations as ops } from '../openapi/reconciliation';
import type { ReconciliationService } from '../../services/reconciliation';
import { asyncRoute, parseBody } from '../http-errors';
import { reply } from '../openapi/registry';

/**
 * A connection's reconciliation report: `POST …/reconcile` makes one and answers it when done (200);
 * `GET …/reconciliation` answers the latest. 404 for an unknown connection (or no report yet), 409 paused.
 */
export function reconciliationRoutes(service: ReconciliationService): Router {
  const r = Router();
  r.use(json({ limit: '1kb' }));

  r.post('/connections/:id/reconcile', asyncRoute(async (req, res) => {
    parseBody(reconcileInput, req.body ?? {});
    reply(res, ops.reconcile, 200, await service.reconcile(String(req.params.id)));
  }));

  r.get('/connections/:id/reconciliation', asyncRoute(async (req, res) => {
    reply(res, ops.latest, 200, await service.latest(String(req.params.id)));
  }));

  return r;
}
