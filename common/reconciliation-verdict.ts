/**
 * What makes a reconciliation report clean, and how many differences it shows: one meaning for the
 * activity that makes reports, the API that makes store reports, and the Prometheus gauges. Typed by
 * shape (contracts/reconciliation.ts has the full types), so every layer can use it.
 */
import { normaliseDecimal } from './decimal-text';

/** Ids listed per difference kind; past this the report says `truncated`. */
export const MAX_LISTED_IDS = 200;

interface EntityFigures {
  sourceCount: number;
  destinationCount: number;
  missingInDestination: readonly string[];
  extraInDestination: readonly string[];
  sums: readonly { source: string; destination: string }[];
}

interface OrderDayFigures {
  paidOrders: number;
  invoices: number;
  paidTotal: string;
  invoicedTotal: string;
  missingInvoices: readonly number[];
}

export function entityDiffers(e: EntityFigures): boolean {
  return e.sourceCount !== e.destinationCount || e.missingInDestination.length > 0 || e.extraInDestination.length > 0
    || e.sums.some((s) => normaliseDecimal(s.source) !== normaliseDecimal(s.destination));
}

export function orderDayDiffers(d: OrderDayFigures): boolean {
  return d.paidOrders !== d.invoices || d.missingInvoices.length > 0 || normaliseDecimal(d.paidTotal) !== normaliseDecimal(d.invoicedTotal);
}

/** How many things differ in one entity: what the Prometheus gauge shows and alerts fire on. */
export function entityDifferenceCount(e: EntityFigures): number {
  const ids = e.missingInDestination.length + e.extraInDestination.length;
  const counted = Math.max(ids, Math.abs(e.sourceCount - e.destinationCount));
  const sums = e.sums.filter((s) => normaliseDecimal(s.source) !== normaliseDecimal(s.destination)).length;
  return counted + sums;
}

export function reportStatus(entities: readonly EntityFigures[], orderDays: readonly OrderDayFigures[] = []): 'clean' | 'differences' {
  return entities.some(entityDiffers) || orderDays.some(orderDayDiffers) ? 'differences' : 'clean';
}
