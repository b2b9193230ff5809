import { z } from 'zod';
import type { ExportedRun } from '../../contracts/history-export';
import { connectionIdParams } from '../routes/connections';
import { defineOperation, errors } from './registry';

export const exportedRun = z.object({
  workflowId: z.string(),
  runId: z.string(),
  workflowType: z.string(),
  status: z.string(),
  closeTime: z.string(),
  sizeBytes: z.number().int().min(0),
  exportedAt: z.string(),
  location: z.string(),
});
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<z.infer<typeof exportedRun>, ExportedRun>;

export const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

export const historyOperations = {
  list: defineOperation({
    access: 'admin', tag: 'connections', operationId: 'listExportedHistories', method: 'get', path: '/api/connections/:id/history',
    params: connectionIdParams, query: historyQuery,
    summary: 'Closed workflow runs of the connection (and of its orders) exported beyond Temporal\'s retention, newest first',
    responses: { 200: { description: 'the exported runs', schema: z.object({ runs: z.array(exportedRun) }) }, ...errors(400, 401, 404) },
  }),
};
