/**
 * Values a Power BI push dataset column accepts. FreshBooks values are first read with the warehouse
 * mapping's coercions (mapping/freshbooks/values.ts), then shaped for Power BI's five column types:
 * - Int64: a JS safe integer (ids above 2^53 cannot be sent exactly as JSON numbers, so they become null);
 * - Double: money and decimal strings parsed to a number (push datasets have no verified decimal type);
 * - Boolean: true/false;
 * - DateTime: UTC ISO text (dates without time are midnight UTC);
 * - String: text of at most 4,000 UTF-16 code units, or Power BI rejects the whole POST.
 */
import { normaliseDecimal } from '../freshbooks/decimal';
import type { PowerBiDataType } from '../../common/powerbi-columns';
import { isPlainObject, toBool, toDate, toInt64, toMoney, toStringValue } from '../freshbooks/values';

/** Power BI's limit on one string value, counted in UTF-16 code units (JS string length). */
export const POWERBI_MAX_STRING_LENGTH = 4000;
const ELLIPSIS = '\u2026';

/**
 * Text cut to the 4,000-unit limit, ending in '…' when cut. A cut never leaves half a surrogate pair
 * (a lone high surrogate is invalid text and could be rejected or mangled).
 */
export function truncateForPowerBi(text: string, limit = POWERBI_MAX_STRING_LENGTH): string {
  if (text.length <= limit) return text;
  let end = limit - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/** A date-only value ("2024-03-10", or a datetime's date part) as midnight UTC: "2024-03-10T00:00:00Z". */
export function dateAtMidnightUtc(value: unknown): string | null {
  const day = toDate(value);
  return day === null ? null : `${day}T00:00:00Z`;
}

/** Money `{amount, code}` or a decimal string/number -> a finite number, else null. */
export function toDouble(value: unknown): number | null {
  const text = isPlainObject(value) ? toMoney(value, null).amount : normaliseDecimal(value);
  if (text === null) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Any raw value -> the value its column type accepts (null when it has none). */
export function toPowerBiValue(dataType: PowerBiDataType, value: unknown): string | number | boolean | null {
  switch (dataType) {
    case 'String': {
      const text = toStringValue(value);
      return text === null ? null : truncateForPowerBi(text);
    }
    case 'Int64': {
      const n = toInt64(value);
      return typeof n === 'number' ? n : null;
    }
    case 'Double':
      return toDouble(value);
    case 'Boolean':
      return toBool(value);
    case 'DateTime':
      // Getters produce UTC ISO text already (timestamps via the warehouse time helpers, dates at midnight).
      return typeof value === 'string' && value !== '' ? value : null;
  }
}
