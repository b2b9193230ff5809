/**
 * Decimal text for NUMERIC columns. FreshBooks sends money, quantities and percents as strings
 * ("1222.00"); they are checked and tidied as text and never pass through a JS number, so "0.10"
 * stays exactly 0.10 all the way into BigQuery.
 */

/** BigQuery NUMERIC: 38 digits of precision, 9 of them after the point. */
const NUMERIC_INTEGER_DIGITS = 29;
const NUMERIC_SCALE = 9;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Canonical decimal string, or null when the value is absent or is not a plain decimal that NUMERIC
 * holds exactly (exponents, thousands separators, too many digits). Rounding is never done: a value
 * we cannot store exactly becomes null, and raw_json still has it.
 *
 * Canonical form: no leading "+", no superfluous leading zeros, "-0" becomes "0"; the scale written by
 * FreshBooks is kept ("1222.00" stays "1222.00") except trailing zeros beyond NUMERIC's 9 places.
 */
export function normaliseDecimal(value: unknown): string | null {
  const text = decimalText(value);
  if (text === null) return null;
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const [, sign, intRaw, fracRaw = ''] = m;
  if (intRaw === '' && fracRaw === '') return null;
  const integer = intRaw.replace(/^0+(?=\d)/, '') || '0';
  const fraction = fracRaw.length > NUMERIC_SCALE ? trimExtraZeros(fracRaw) : fracRaw;
  if (fraction === null || integer.length > NUMERIC_INTEGER_DIGITS) return null;
  const isZero = /^0*$/.test(integer + fraction);
  const body = fraction === '' ? integer : `${integer}.${fraction}`;
  return sign === '-' && !isZero ? `-${body}` : body;
}

/** Strings are used as written; JSON numbers (FreshBooks sends a few, e.g. bill line `quantity`) as JS prints them. */
function decimalText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  return null;
}

function trimExtraZeros(fraction: string): string | null {
  const extra = fraction.slice(NUMERIC_SCALE);
  return /^0+$/.test(extra) ? fraction.slice(0, NUMERIC_SCALE) : null;
}
