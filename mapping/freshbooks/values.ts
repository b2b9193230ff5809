/**
 * JSON values from FreshBooks -> values a typed warehouse column accepts. FreshBooks is loose about
 * types (ids as numbers or strings, booleans as 0/1, "" for "none"), so each coercion accepts the
 * forms seen and returns null for anything else; the untouched value always survives in raw_json.
 */
import { normaliseDecimal } from './decimal';
import { toUtcIso, type SourceZone } from './time';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * INT64: a JS number when it is a safe integer, otherwise the digit string (BigQuery accepts quoted
 * INT64 in JSON rows, and that keeps ids above 2^53 exact).
 */
export function toInt64(value: unknown): number | string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'bigint') return inInt64Range(value) ? bigintValue(value) : null;
  if (typeof value !== 'string' || !/^\s*-?\d+\s*$/.test(value)) return null;
  const big = BigInt(value.trim());
  return inInt64Range(big) ? bigintValue(big) : null;
}

function inInt64Range(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

function bigintValue(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  return null;
}

/** STRING: text as is; other scalars printed; nested values as JSON so nothing is silently blanked. */
export function toStringValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A STRING column holding JSON text, for nested arrays/objects we keep whole (e.g. sub_accounts). */
export function toJsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * DATE: "YYYY-MM-DD". A datetime's date part is accepted (it is the calendar date FreshBooks shows);
 * "0000-00-00" and impossible dates are null.
 */
export function toDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  const roundTrips =
    date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(mo) - 1 && date.getUTCDate() === Number(d);
  return roundTrips && Number(y) >= 1 ? `${y}-${mo}-${d}` : null;
}

/** TIMESTAMP as UTC ISO, or null when the text is not a datetime (the `_raw` column keeps it). */
export function toTimestamp(value: unknown, zone: SourceZone): string | null {
  if (typeof value !== 'string') return null;
  try {
    return toUtcIso(value, zone);
  } catch {
    return null;
  }
}

export interface MoneyValue {
  amount: string | null;
  currency: string | null;
}

/**
 * FreshBooks money `{"amount":"1.00","code":"USD"}` -> exact amount text plus currency. A bare amount
 * (accounts' `balance`) takes the record's currency, passed as `fallbackCurrency`.
 */
export function toMoney(value: unknown, fallbackCurrency: string | null): MoneyValue {
  if (value === null || value === undefined) return { amount: null, currency: null };
  if (isPlainObject(value)) {
    const code = typeof value.code === 'string' && value.code.trim() !== '' ? value.code.trim() : fallbackCurrency;
    return { amount: normaliseDecimal(value.amount), currency: value.amount == null ? null : code };
  }
  const amount = normaliseDecimal(value);
  return { amount, currency: amount === null ? null : fallbackCurrency };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record's own currency, used when a money value carries none. */
export function currencyOf(record: Record<string, unknown>): string | null {
  const code = record.currency_code;
  return typeof code === 'string' && code.trim() !== '' ? code.trim() : null;
}
