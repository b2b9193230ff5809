import { Router } from 'express';
import { z } from 'zod';
import { tableauPatInput, type TableauService } from '../../services/tableau';
import { asyncRoute, parseBody } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { connectionIdParams } from './connections';

const nullableString = z.string().nullable();
const tableauJob = z.object({
  requestId: z.string(), attempt: z.number().int(), batchKey: z.string(), action: z.enum(['publish', 'update']),
  uploadSessionId: nullableString, jobId: nullableString, finishCode: z.number().int().nullable(), notes: nullableString,
  rowsPerAction: z.record(z.string(), z.number()), error: nullableString, startedAt: z.string(), patchedAt: nullableString, completedAt: nullableString,
});

const admin = { access: 'admin', tag: 'tableau' } as const;
export const tableauOperations = {
  jobs: defineOperation({
    ...admin, operationId: 'listTableauJobs', method: 'get', path: '/api/connections/:id/tableau-jobs', params: connectionIdParams,
    summary: 'Every publish and Update Data attempt of a Tableau connection, newest first',
    responses: { 200: { description: 'the audit trail', schema: z.object({ connectionId: z.string(), status: z.string(), jobs: z.array(tableauJob) }) }, ...errors(400, 401, 404) },
  }),
  replacePat: defineOperation({
    ...admin, operationId: 'replaceTableauPat', method: 'put', path: '/api/connections/:id/tableau-pat', params: connectionIdParams,
    summary: 'A new personal access token after destination_auth (checked by signing in first)', body: { schema: tableauPatInput, mediaType: 'application/json' },
    responses: { 200: { description: 'active again; a sync is asked for', schema: z.object({ connectionId: z.string(), status: z.literal('active') }) }, ...errors(400, 401, 404, 413, 415, 502) },
  }),
};

/** Tableau connections: the audit trail of publishes and Update Data jobs, and a new PAT after destination_auth. */
export function tableauRoutes(tableau: TableauService): Router {
  const r = Router();

  r.get('/connections/:id/tableau-jobs', asyncRoute(async (req, res) => {
    reply(res, tableauOperations.jobs, 200, await tableau.jobs(String(req.params.id)));
  }));

  r.put('/connections/:id/tableau-pat', asyncRoute(async (req, res) => {
    reply(res, tableauOperations.replacePat, 200, await tableau.replacePat(String(req.params.id), () => parseBody(tableauPatInput, req.body)));
  }));

  return r;
}
