import { Router } from 'express';
import { tableauPatInput, type TableauService } from '../../services/tableau';
import { asyncRoute, parseBody } from '../http-errors';

/** Tableau connections: the audit trail of publishes and Update Data jobs, and a new PAT after destination_auth. */
export function tableauRoutes(tableau: TableauService): Router {
  const r = Router();

  r.get('/connections/:id/tableau-jobs', asyncRoute(async (req, res) => {
    res.json(await tableau.jobs(String(req.params.id)));
  }));

  r.put('/connections/:id/tableau-pat', asyncRoute(async (req, res) => {
    res.json(await tableau.replacePat(String(req.params.id), () => parseBody(tableauPatInput, req.body)));
  }));

  return r;
}
