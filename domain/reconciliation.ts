/**
 * The rules of a reconciliation report that do not depend on where figures come from: which ids differ,
 * how money sums compare (exact decimals, never floats), when an entity's ids are walked, and what makes a
 * report clean. Deterministic and free of I/O, so the activity, the API and tests share one meaning.
 */
import type { EntityReconciliation, MoneySum, OrderDayReconciliation, ReconciliationStatus } from '../contracts/reconciliation';

/** Ids listed per difference kind; past this the report says `truncated`. */
export const MAX_LISTED_IDS = 200;

/**
 * Up to this many source records an entity's ids are walked on every report (at most 50 list requests),
 * so a delete and an add that leave the counts equal are still found and the money sums are compared.
 * Above it the walk happens only when the counts differ: a 100k-record entity costs one request then.
 */
export const ALWAYS_WALK_UP_TO = 5_000;

export function shouldWalk(sourceCount: number, destinationCount: number): boolean {
  return sourceCount !== destinationCount || sourceCount <= ALWAYS_WALK_UP_TO;
}

/** Ids the source has and the destination lacks, and the reverse; each sorted (numeric ids by value). */
export function diffIds(source: Iterable<string>, destination: Iterable<string>): { missing: string[]; extra: string[] } {
  const src = new Set(source);
  const dst = new Set(destination);
  const missing = [...src].filter((id) => !dst.has(id)).sort(byId);
  const extra = [...dst].filter((id) => !src.has(id)).sort(byId);
  return { missing, extra };
}

export function capIds<T>(ids: T[], cap = MAX_LISTED_IDS): { ids: T[]; truncated: boolean } {
  return ids.length > cap ? { ids: ids.slice(0, cap), truncated: true } : { ids, truncated: false };
}

function byId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- exact decimals ------------------------------------------------------------------------------

interface Scaled { units: bigint; scale: number }

function parseDecimal(text: string): Scaled {
  const t = text.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  const units = BigInt(`${m[2] || '0'}${frac}`) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: frac.length };
}

function rescale(d: Scaled, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** The sum of decimal strings, as a decimal string without trailing fractional zeros ("12.50" + "1" = "13.5"). */
export function addDecimals(values: Iterable<string>): string {
  let scale = 0;
  const parsed: Scaled[] = [];
  for (const v of values) {
    const d = parseDecimal(v);
    parsed.push(d);
    scale = Math.max(scale, d.scale);
  }
  const total = parsed.reduce((sum, d) => sum + rescale(d, scale), 0n);
  return formatDecimal(total, scale);
}

/** One spelling per value: "1.50", "1.5" and "+1.500" all read "1.5"; "-0" reads "0". */
export function normaliseDecimal(text: string): string {
  const d = parseDecimal(text);
  return formatDecimal(d.units, d.scale);
}

function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let frac = scale > 0 ? digits.slice(-scale) : '';
  digits = scale > 0 ? digits.slice(0, -scale) : digits;
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${digits}.${frac}` : digits;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Per-(column, currency) totals on one side: `column` → `currency` → decimal string. */
export type SumTable = Map<string, Map<string, string>>;

/** Adds one value to a running per-column, per-currency table (values that are not money are skipped by the caller). */
export function addToSums(table: SumTable, column: string, currency: string, amount: string): void {
  const byCurrency = table.get(column) ?? new Map<string, string>();
  byCurrency.set(currency, addDecimals([byCurrency.get(currency) ?? '0', amount]));
  table.set(column, byCurrency);
}

/** Both sides' sums, one row per (column, currency) either side has; a side without it reads "0". */
export function compareSums(source: SumTable, destination: SumTable): MoneySum[] {
  const out: MoneySum[] = [];
  const columns = new Set([...source.keys(), ...destination.keys()]);
  for (const column of [...columns].sort()) {
    const s = source.get(column) ?? new Map<string, string>();
    const d = destination.get(column) ?? new Map<string, string>();
    for (const currency of [...new Set([...s.keys(), ...d.keys()])].sort()) {
      out.push({ column, currency, source: normaliseDecimal(s.get(currency) ?? '0'), destination: normaliseDecimal(d.get(currency) ?? '0') });
    }
  }
  return out;
}

// ---- verdicts ------------------------------------------------------------------------------------

export function entityDiffers(e: EntityReconciliation): boolean {
  return e.sourceCount !== e.destinationCount || e.missingInDestination.length > 0 || e.extraInDestination.length > 0
    || e.sums.some((s) => normaliseDecimal(s.source) !== normaliseDecimal(s.destination));
}

export function orderDayDiffers(d: OrderDayReconciliation): boolean {
  return d.paidOrders !== d.invoices || d.missingInvoices.length > 0 || normaliseDecimal(d.paidTotal) !== normaliseDecimal(d.invoicedTotal);
}

/** How many things differ in one entity: what the Prometheus gauge shows and alerts fire on. */
export function entityDifferenceCount(e: EntityReconciliation): number {
  const ids = e.missingInDestination.length + e.extraInDestination.length;
  const counted = Math.max(ids, Math.abs(e.sourceCount - e.destinationCount));
  const sums = e.sums.filter((s) => normaliseDecimal(s.source) !== normaliseDecimal(s.destination)).length;
  return counted + sums;
}

export function reportStatus(entities: EntityReconciliation[], orderDays: OrderDayReconciliation[] = []): ReconciliationStatus {
  return entities.some(entityDiffers) || orderDays.some(orderDayDiffers) ? 'differences' : 'clean';
}
