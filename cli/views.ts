import type { OrderEvent, OrderOutcome } from '../contracts/order';
import type { ReconciliationReport } from '../contracts/reconciliation';
import { duration, fields, table } from './format';

/**
 * Readable renderings of the admin API's answers. Shapes are read defensively: a field the API adds
 * later is ignored, one it drops shows as '-', and `--json` always has the full answer.
 */

export interface ConnectionView {
  id: string;
  kind: string;
  status: string;
  statusDetail?: Record<string, unknown>;
  source?: { businessName?: string; businessId?: number; accountId?: string } | null;
  destination?: { type?: string } & Record<string, unknown>;
  createdAt?: string;
}

interface RunView { runKey: string; mode: string; startedAt: string; finishedAt: string | null; stats?: Record<string, { delivered?: number; records?: number } | undefined>; error: string | null }

export interface ConnectionDetailView extends ConnectionView {
  workflow?: Record<string, unknown> | null;
  recentRuns?: RunView[];
  delivered?: Record<string, number>;
  webhookCallbacks?: { callbackId: number; event: string | null; verified: boolean }[];
}

const business = (c: ConnectionView) => c.source?.businessName ?? (c.source?.businessId !== undefined ? String(c.source.businessId) : '-');

export function connectionList(connections: ConnectionView[]): string {
  if (connections.length === 0) return 'no connections';
  return table(['ID', 'KIND', 'STATUS', 'BUSINESS', 'DESTINATION', 'CREATED'],
    connections.map((c) => [c.id, c.kind, c.status, business(c), c.destination?.type, c.createdAt]));
}

export function connectionDetail(c: ConnectionDetailView): string {
  const wf = c.workflow ?? undefined;
  const out = [fields([
    ['id', c.id], ['kind', c.kind], ['status', c.status], ['business', business(c)], ['destination', c.destination?.type],
    ['created', c.createdAt],
    ['phase', wf?.phase], ['next poll', wf?.nextPollAt], ['failures in a row', wf?.consecutiveFailures],
    ['last error', wf?.lastError],
  ])];
  const problems = Object.entries(c.statusDetail ?? {}).filter(([, v]) => v !== null && v !== undefined);
  if (problems.length > 0) out.push('', 'status detail:', ...problems.map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`));
  if (c.delivered && Object.keys(c.delivered).length > 0) {
    out.push('', table(['ENTITY', 'DELIVERED'], Object.entries(c.delivered).filter(([e]) => e !== 'snapshot').map(([e, n]) => [e, n])));
  }
  if (c.recentRuns && c.recentRuns.length > 0) {
    out.push('', table(['STARTED', 'MODE', 'DURATION', 'DELIVERED', 'ERROR'], c.recentRuns.map((r) => [
      r.startedAt, r.mode, duration(r.startedAt, r.finishedAt),
      Object.values(r.stats ?? {}).reduce((n, s) => n + (s?.delivered ?? 0), 0), r.error,
    ])));
  }
  if (c.webhookCallbacks && c.webhookCallbacks.length > 0) {
    const verified = c.webhookCallbacks.filter((h) => h.verified).length;
    out.push('', `webhook callbacks: ${c.webhookCallbacks.length} registered, ${verified} verified`);
  }
  return out.join('\n');
}

export interface OrderListView {
  connectionId: string;
  counts?: Record<string, number>;
  orders: (OrderOutcome & { updatedAt?: string; error?: string })[];
}

export function orderList(v: OrderListView): string {
  const counts = Object.entries(v.counts ?? {}).map(([s, n]) => `${s}=${n}`).join(' ');
  const rows = v.orders.map((o) => [o.orderId, o.state, o.invoiceNumber, o.total, o.currency, o.flags.length > 0 ? o.flags.join(',') : undefined, o.error ?? o.reason, o.updatedAt]);
  return [counts ? `counts: ${counts}` : undefined, v.orders.length === 0 ? 'no orders' : table(['ORDER', 'STATE', 'INVOICE', 'TOTAL', 'CURRENCY', 'FLAGS', 'REASON', 'UPDATED'], rows)]
    .filter((l) => l !== undefined).join('\n');
}

export type OrderDetailView = Partial<OrderOutcome> & { orderId: number; connectionId: string; workflowId?: string; error?: string; events?: (OrderEvent & { at?: string })[]; workflow?: { phase?: string } | null };

export function orderDetail(o: OrderDetailView): string {
  const out = [fields([
    ['order', o.orderId], ['state', o.state], ['reason', o.reason], ['invoice', o.invoiceNumber !== undefined ? `${o.invoiceNumber} (id ${o.invoiceId ?? '-'}, ${o.invoiceStatus ?? '-'})` : undefined],
    ['total', o.total !== undefined ? `${o.total} ${o.currency ?? ''}`.trim() : undefined],
    ['payments', o.payments?.length], ['refunds', o.refunds?.length], ['flags', o.flags && o.flags.length > 0 ? o.flags.join(', ') : undefined],
    ['error', o.error], ['workflow', o.workflowId], ['workflow phase', o.workflow?.phase],
  ])];
  if (o.events && o.events.length > 0) out.push('', table(['AT', 'STEP', 'DETAIL'], o.events.map((e) => [e.at, e.kind, JSON.stringify(e.detail)])));
  return out.join('\n');
}

export function reconciliation(r: ReconciliationReport): string {
  const out = [fields([['connection', r.connectionId], ['status', r.status], ['finished', r.finishedAt], ['source requests', r.sourceRequests], ['error', r.error]])];
  if (r.entities.length > 0) {
    out.push('', table(['ENTITY', 'SOURCE', 'DESTINATION', 'COUNTED', 'MISSING', 'EXTRA', 'TOMBSTONED'], r.entities.map((e) => [
      e.entity, e.sourceCount, e.destinationCount, e.method, e.missingInDestination.length + (e.truncated ? '+' : ''), e.extraInDestination.length, e.tombstoned.length,
    ])));
    const sums = r.entities.flatMap((e) => e.sums.filter((s) => s.source !== s.destination).map((s) => [e.entity, s.column, s.currency, s.source, s.destination]));
    if (sums.length > 0) out.push('', 'sums that differ:', table(['ENTITY', 'COLUMN', 'CURRENCY', 'SOURCE', 'DESTINATION'], sums));
    for (const e of r.entities) {
      if (e.missingInDestination.length > 0) out.push(`${e.entity} missing in destination: ${e.missingInDestination.join(' ')}${e.truncated ? ' …' : ''}`);
      if (e.extraInDestination.length > 0) out.push(`${e.entity} extra in destination: ${e.extraInDestination.join(' ')}`);
    }
  }
  if (r.orderDays && r.orderDays.length > 0) {
    out.push('', table(['DAY', 'CURRENCY', 'PAID ORDERS', 'INVOICES', 'PAID TOTAL', 'INVOICED TOTAL', 'MISSING INVOICES'], r.orderDays.map((d) => [
      d.day, d.currency, d.paidOrders, d.invoices, d.paidTotal, d.invoicedTotal, d.missingInvoices.join(' '),
    ])));
  }
  return out.join('\n');
}
