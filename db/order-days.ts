import type { OrderDayReconciliation } from '../contracts/reconciliation';
import { MAX_LISTED_IDS } from '../common/reconciliation-verdict';
import type { Db } from './pool';

/** Days a store report covers, newest first: enough for a month-end close, bounded for the query. */
export const ORDER_DAYS = 90;

/**
 * A store connection's paid orders against the FreshBooks invoices made from them, per UTC day (the day
 * the order was first recorded) and currency, from the order outcomes in Postgres. Skipped orders never
 * passed the paid gate; every other outcome is a paid order that should have an invoice. Totals are the
 * orders' own totals (decimal text), summed as NUMERIC.
 */
export async function orderDays(db: Db, connectionId: string, days = ORDER_DAYS): Promise<OrderDayReconciliation[]> {
  const { rows } = await db.query<{ day: string; currency: string; paid: string; invoices: string; paid_total: string; invoiced_total: string; missing: string[] | null }>(
    `WITH paid AS (
       SELECT order_id, invoice_id, coalesce(currency, '') AS currency,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              CASE WHEN total ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN total::numeric ELSE 0 END AS amount
         FROM bigcommerce_orders
        WHERE connection_id = $1 AND state <> 'skipped' AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => $2 - 1)
     )
     SELECT day, currency, count(*) AS paid, count(invoice_id) AS invoices,
            sum(amount)::text AS paid_total,
            coalesce(sum(amount) FILTER (WHERE invoice_id IS NOT NULL), 0)::text AS invoiced_total,
            (array_agg(order_id::text ORDER BY order_id) FILTER (WHERE invoice_id IS NULL))[1:$3] AS missing
       FROM paid GROUP BY day, currency ORDER BY day DESC, currency`,
    [connectionId, days, MAX_LISTED_IDS],
  );
  return rows.map((r) => ({
    day: r.day, currency: r.currency, paidOrders: Number(r.paid), invoices: Number(r.invoices),
    paidTotal: r.paid_total, invoicedTotal: r.invoiced_total, missingInvoices: (r.missing ?? []).map(Number),
  }));
}
