/**
 * The rules of a reconciliation report that do not depend on where figures come from: which ids differ,
 * how money sums compare (exact decimals, never floats) and when an entity's ids are walked
 * (common/reconciliation-verdict.ts says what makes a report clean). Deterministic and free of I/O.
 */
import { addDecimals, normaliseDecimal } from '../common/decimal-text';
import { MAX_LISTED_IDS } from '../common/reconciliation-verdict';
import type { MoneySum } from '../contracts/reconciliation';

export { MAX_LISTED_IDS };


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
