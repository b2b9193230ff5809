/**
 * FreshBooks timestamps -> UTC ISO strings for TIMESTAMP columns.
 *
 * Accounting datetimes (`updated`, `created_at`, ...) are zone-naive "YYYY-MM-DD HH:MM:SS" in US/Eastern
 * wall time, DST included; bills, bill vendors and client `signup_date` are naive UTC; newer APIs send
 * ISO strings, with or without `Z` (reference/freshbooks.md §4). Uses only Intl's tz data, no deps.
 */

import { wallToInstantMs, type Zone } from '../../common/zoned-time';

export type SourceZone = Zone;

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction-of-second digits as written (kept as text so sub-millisecond precision survives). */
  fraction: string;
  /** Offset east of UTC in seconds, or undefined when the string is naive wall time. */
  offsetSeconds?: number;
}

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** "2019-11-14 11:27:45" (Eastern wall time) -> "2019-11-14T16:27:45.000Z". Throws on anything else. */
export function easternWallToUtcIso(wall: string): string {
  const parsed = parseDateTime(wall);
  if (parsed.offsetSeconds !== undefined) {
    throw new RangeError(`not a wall time (it has an offset): ${JSON.stringify(wall)}`);
  }
  return toIso(wallToEpochSeconds(parsed, 'America/New_York'), parsed.fraction);
}

/**
 * Any FreshBooks datetime -> UTC ISO. A string with `Z` or an offset is taken as written; a naive one
 * is wall time in `zone`. Throws RangeError on strings that are not a valid date and time.
 */
export function toUtcIso(value: string, zone: SourceZone): string {
  const parsed = parseDateTime(value);
  const epochSeconds =
    parsed.offsetSeconds !== undefined
      ? wallAsUtcSeconds(parsed) - parsed.offsetSeconds
      : wallToEpochSeconds(parsed, zone);
  return toIso(epochSeconds, parsed.fraction);
}

function parseDateTime(value: string): Parsed {
  const m = DATETIME.exec(value.trim());
  if (!m) throw new RangeError(`not a date and time: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const parsed: Parsed = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: s === undefined ? 0 : Number(s),
    fraction: frac ?? '',
    offsetSeconds: offset === undefined ? undefined : parseOffset(offset),
  };
  // FreshBooks uses "0000-00-00 00:00:00" for "never"; it and other impossible values must not roll over.
  const validDay = parsed.month >= 1 && parsed.month <= 12 && parsed.day >= 1 && parsed.day <= daysInMonth(parsed.year, parsed.month);
  if (parsed.year < 1 || !validDay || parsed.hour > 23 || parsed.minute > 59 || parsed.second > 59) {
    throw new RangeError(`not a valid date and time: ${JSON.stringify(value)}`);
  }
  return parsed;
}

function parseOffset(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) throw new RangeError(`bad UTC offset: ${text}`);
  return sign * (hours * 3600 + minutes * 60);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Seconds since the epoch of the wall time read as if it were UTC (setUTCFullYear: Date.UTC maps years < 100 to 19xx). */
function wallAsUtcSeconds(p: Pick<Parsed, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'>): number {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, 0);
  return d.getTime() / 1000;
}

/** Wall time in `zone` -> epoch seconds (DST rules: common/zoned-time.ts). */
function wallToEpochSeconds(p: Parsed, zone: SourceZone): number {
  return wallToInstantMs(wallAsUtcSeconds(p) * 1000, zone) / 1000;
}

/** Milliseconds always shown (BigQuery and JS agree on that form); 4-6 fraction digits kept as microseconds. */
function toIso(epochSeconds: number, fraction: string): string {
  const full = new Date(epochSeconds * 1000).toISOString();
  if (!/^\d{4}-/.test(full)) throw new RangeError(`outside years 0001-9999: ${full}`);
  const base = full.slice(0, 19);
  const digits = fraction.length <= 3 ? fraction.padEnd(3, '0') : fraction.slice(0, 6);
  return `${base}.${digits}Z`;
}
