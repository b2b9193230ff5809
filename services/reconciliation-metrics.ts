import { Gauge, type Registry } from 'prom-client';
import type { ReconciliationReportStore } from '../db/reconciliation-reports';
import { entityDifferenceCount, orderDayDiffers } from '../common/reconciliation-verdict';

/** Connections a scrape reports on at most: the query and the series stay bounded. */
export const MAX_CONNECTIONS_SCRAPED = 1_000;

const STATUSES = ['clean', 'differences', 'failed'] as const;

/**
 * The figures people alert on from the latest reconciliation report of each connection, read from
 * Postgres at scrape time (collect), so every API process shows the same and nothing is kept in memory:
 * `ml_connector_reconciliation_differences{connection_id,entity}` (store connections: entity `orders`),
 * `ml_connector_reconciliation_status{connection_id,status}` (1 for the latest report's status) and
 * `ml_connector_reconciliation_finished_timestamp_seconds{connection_id}`.
 */
export function registerReconciliationMetrics(registry: Registry, reports: Pick<ReconciliationReportStore, 'latestPerConnection'>): void {
  // Postgres unreachable: these series are left out of the scrape rather than failing every other metric with it.
  const latest = () => reports.latestPerConnection(MAX_CONNECTIONS_SCRAPED).catch(() => []);
  // One read per scrape serves all three gauges: the first collect reads, the others reuse it.
  let pending: ReturnType<typeof latest> | undefined;
  const read = () => {
    pending ??= latest().finally(() => { setImmediate(() => { pending = undefined; }); });
    return pending;
  };

  new Gauge({
    name: 'ml_connector_reconciliation_differences',
    help: 'Differences found by the latest reconciliation report, per connection and entity (0 = matches the source)',
    labelNames: ['connection_id', 'entity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read()) {
        for (const e of r.report.entities) this.set({ connection_id: r.connectionId, entity: e.entity }, entityDifferenceCount(e));
        if (r.report.orderDays) this.set({ connection_id: r.connectionId, entity: 'orders' }, r.report.orderDays.filter(orderDayDiffers).length);
      }
    },
  });

  new Gauge({
    name: 'ml_connector_reconciliation_status',
    help: 'Status of the latest reconciliation report per connection: 1 on its status (clean, differences, failed), 0 on the others',
    labelNames: ['connection_id', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read()) for (const s of STATUSES) this.set({ connection_id: r.connectionId, status: s }, r.status === s ? 1 : 0);
    },
  });

  new Gauge({
    name: 'ml_connector_reconciliation_finished_timestamp_seconds',
    help: 'When the latest reconciliation report of each connection finished (Unix seconds)',
    labelNames: ['connection_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read()) this.set({ connection_id: r.connectionId }, Date.parse(r.finishedAt) / 1000);
    },
  });
}
