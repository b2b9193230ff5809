import { randomUUID } from 'node:crypto';
import { RECONCILE_REFUSED_PAUSED } from '../contracts/connection';
import type { ReconciliationReport } from '../contracts/reconciliation';
import { isStoreConnection, type StoreConnection } from '../db/connections';
import { orderDays } from '../db/order-days';
import type { Db } from '../db/pool';
import type { ReconciliationReportStore } from '../db/reconciliation-reports';
import { reportStatus } from '../common/reconciliation-verdict';
import type { Workflows } from '../temporal/workflow-starts';
import type { ConnectionService } from './connections';
import { HttpError } from './http-error';

export interface ReconciliationServiceDeps {
  db: Db;
  connections: Pick<ConnectionService, 'get'>;
  workflows: Pick<Workflows, 'reconcile'>;
  reports: ReconciliationReportStore;
}

/**
 * Reconciliation reports for the API: made on demand and read back. A FreshBooks-fed connection's report
 * is made by its workflow (an activity reads FreshBooks and the destination); a store connection's reads
 * only the order outcomes in Postgres, so it is made here.
 */
export class ReconciliationService {
  constructor(private readonly d: ReconciliationServiceDeps) {}

  /** 404 unknown (or deleted) connection; 409 paused (a store's row says so, a FreshBooks-fed connection's workflow refuses). */
  async reconcile(id: string): Promise<ReconciliationReport> {
    const c = await this.d.connections.get(id);
    if (c.status === 'paused') throw new HttpError(409, RECONCILE_REFUSED_PAUSED);
    if (isStoreConnection(c)) return this.storeReport(c);
    const outcome = await this.d.workflows.reconcile(c.id).catch((err: unknown) => {
      // The workflow's validator refused it (paused): said in the workflow's words, which hold no secret.
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      if (err instanceof Error && err.name === 'WorkflowUpdateFailedError' && cause === RECONCILE_REFUSED_PAUSED) throw new HttpError(409, cause);
      throw err;
    });
    const report = await this.d.reports.get(outcome.reportId);
    if (!report) throw new HttpError(409, 'the report was superseded before it could be read; ask again');
    return report;
  }

  async latest(id: string): Promise<ReconciliationReport> {
    const c = await this.d.connections.get(id);
    const report = await this.d.reports.latest(c.id);
    if (!report) throw new HttpError(404, 'no reconciliation report yet');
    return report;
  }

  private async storeReport(c: StoreConnection): Promise<ReconciliationReport> {
    const startedAt = new Date().toISOString();
    const days = await orderDays(this.d.db, c.id);
    const report: ReconciliationReport = {
      id: `rec_${randomUUID()}`, connectionId: c.id, trigger: 'on_demand', status: reportStatus([], days),
      startedAt, finishedAt: new Date().toISOString(), sourceRequests: 0, entities: [], orderDays: days,
    };
    await this.d.reports.save(report);
    return report;
  }
}
