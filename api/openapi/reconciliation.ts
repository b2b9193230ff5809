import { z } from 'zod';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { ReconciliationReport } from '../../contracts/reconciliation';
import { connectionIdParams } from '../routes/connections';
import { defineOperation, errors } from './registry';

/** contracts/reconciliation.ts as a zod schema, for the document; the checks below keep the two equal. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
export const reconciliationReport = z.object({
  id: z.string(),
  connectionId: z.string(),
  trigger: z.enum(['on_demand', 'full_reconciliation']),
  status: z.enum(['clean', 'differences', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string(),
  sourceRequests: z.number().int().min(0),
  entities: z.array(z.object({
    entity: z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]]),
    sourceCount: z.number().int().min(0),
    destinationCount: z.number().int().min(0),
    method: z.enum(['queried', 'ledger']),
    sums: z.array(z.object({ column: z.string(), currency: z.string(), source: decimal, destination: decimal })),
    missingInDestination: z.array(z.string()),
    extraInDestination: z.array(z.string()),
    tombstoned: z.array(z.string()),
    truncated: z.boolean(),
  })),
  orderDays: z.array(z.object({
    day: z.string(), currency: z.string(), paidOrders: z.number().int().min(0), invoices: z.number().int().min(0),
    paidTotal: decimal, invoicedTotal: decimal, missingInvoices: z.array(z.number().int()),
  })).optional(),
  error: z.string().optional(),
});

// Both directions: a field added to, removed from or retyped in either one fails to compile.
type Schema = z.infer<typeof reconciliationReport>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<Schema, ReconciliationReport>;

/** The reconcile request takes no options yet: `{}` or no body. */
export const reconcileInput = z.object({}).strict();

const admin = { access: 'admin', tag: 'reconciliation' } as const;
export const reconciliationOperations = {
  reconcile: defineOperation({
    ...admin, operationId: 'reconcileConnection', method: 'post', path: '/api/connections/:id/reconcile', params: connectionIdParams,
    summary: 'Reconcile now: counts, money sums and differing ids, source against destination',
    body: { schema: reconcileInput, mediaType: 'application/json', required: false },
    responses: { 200: { description: 'the report', schema: reconciliationReport }, ...errors(400, 401, 404, 409, 413, 415, 502) },
  }),
  latest: defineOperation({
    ...admin, operationId: 'getReconciliation', method: 'get', path: '/api/connections/:id/reconciliation', params: connectionIdParams,
    summary: 'The newest reconciliation report of a connection',
    responses: { 200: { description: 'the report', schema: reconciliationReport }, ...errors(400, 401, 404) },
  }),
};
