/**
 * The reconciliation report: does a connection's destination match its source? Produced after each full
 * reconciliation and on demand; read by the API (`GET /api/connections/:id/reconciliation`), the console,
 * the CLI and the Prometheus gauges. One shape for all of them, so none re-derives "clean".
 */
import type { FreshBooksEntity } from '../common/freshbooks-entities';

export type ReconciliationTrigger = 'on_demand' | 'full_reconciliation';

/**
 * `clean`: every count and sum agrees and no id differs. `differences`: something differs (listed).
 * `failed`: the report could not be made (`error` says why, in words, without secrets).
 */
export type ReconciliationStatus = 'clean' | 'differences' | 'failed';

/** How the destination's side was counted. */
export type DestinationCountMethod =
  /** Queried from the destination itself (BigQuery, the Postgres warehouse): current rows, deletes excluded. */
  | 'queried'
  /** The destination cannot be queried (Power BI push datasets, Tableau): what our delivery ledger says it holds. */
  | 'ledger';

export interface MoneySum {
  /** Destination column name, e.g. `amount` or `outstanding`. */
  column: string;
  /** ISO 4217 code. */
  currency: string;
  /** Decimal strings, so cents survive JSON. */
  source: string;
  destination: string;
}

export interface EntityReconciliation {
  entity: FreshBooksEntity;
  /** FreshBooks' list `total` (one request). */
  sourceCount: number;
  destinationCount: number;
  method: DestinationCountMethod;
  sums: MoneySum[];
  /** Record ids the source has and the destination lacks (capped; `truncated` says so). */
  missingInDestination: string[];
  /** Ids the destination holds as current that the source no longer returns, confirmed by a GET each. */
  extraInDestination: string[];
  /** Ids among the extras that FreshBooks answered 404 for: a tombstone was written for each. */
  tombstoned: string[];
  truncated: boolean;
}

/** Store connections: paid BigCommerce orders vs FreshBooks invoices made from them, per day (UTC). */
export interface OrderDayReconciliation {
  day: string;
  currency: string;
  paidOrders: number;
  invoices: number;
  /** Decimal strings. */
  paidTotal: string;
  invoicedTotal: string;
  /** Paid orders of that day without an invoice (order ids, capped). */
  missingInvoices: number[];
}

export interface ReconciliationReport {
  id: string;
  connectionId: string;
  trigger: ReconciliationTrigger;
  status: ReconciliationStatus;
  startedAt: string;
  finishedAt: string;
  /** Requests sent to the source to make this report (the bench states it). */
  sourceRequests: number;
  entities: EntityReconciliation[];
  orderDays?: OrderDayReconciliation[];
  error?: string;
}
