import { Router, json } from 'express';
import { z } from 'zod';
import type { ReconciliationService } from '../../services/reconciliation';
import { asyncRoute, parseBody } from '../http-errors';

/** The reconcile request takes no options yet: `{}` or no body. */
const reconcileInput = z.object({}).strict();

/**
 * A connection's reconciliation report: `POST …/reconcile` makes one and answers it when done (200);
 * `GET …/reconciliation` answers the latest. 404 for an unknown connection (or no report yet), 409 paused.
 */
export function reconciliationRoutes(service: ReconciliationService): Router {
  const r = Router();
  r.use(json({ limit: '1kb' }));

  r.post('/connections/:id/reconcile', asyncRoute(async (req, res) => {
    parseBody(reconcileInput, req.body);
    res.json(await service.reconcile(String(req.params.id)));
  }));

  r.get('/connections/:id/reconciliation', asyncRoute(async (req, res) => {
    res.json(await service.latest(String(req.params.id)));
  }));

  return r;
}
