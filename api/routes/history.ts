import { Router } from 'express';
import type { HistoryExportService } from '../../services/history-exports';
import { asyncRoute, parseBody } from '../http-errors';
import { historyOperations as ops, historyQuery } from '../openapi/history';
import { reply } from '../openapi/registry';

/** `GET …/:id/history`: the connection's runs exported beyond retention (HISTORY_EXPORT), newest first. */
export function historyRoutes(service: HistoryExportService): Router {
  const r = Router();
  r.get('/connections/:id/history', asyncRoute(async (req, res) => {
    const { limit } = parseBody(historyQuery, req.query);
    reply(res, ops.list, 200, { runs: await service.list(String(req.params.id), limit) });
  }));
  return r;
}
