/**
 * How BigCommerce writes values (reference/bigcommerce.md §2, quirk 5): v2 money is a 4-decimal string and
 * v2 dates are RFC-2822; v3 money is a float and v3 dates are ISO-8601; webhooks use Unix seconds. The
 * sandbox keeps money in integer cents and instants in epoch ms, and converts only when rendering.
 */

/** 1250 → "12.5000". */
export function v2Money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}00`;
}

/** 1250 → 12.5 (v3 floats). */
export function v3Money(cents: number): number {
  return Math.round(cents) / 100;
}

/** Major units (12.5) → cents (1250), rounded half away from zero. */
export function toCents(major: number): number {
  return Math.sign(major) * Math.round(Math.abs(major) * 100);
}

/** epoch ms → "Tue, 05 Mar 2019 21:40:11 +0000". */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** epoch ms → "2019-03-05T21:40:11+00:00", the offset style v3 order resources use. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const RFC2822_RE = /^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT)$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A `min_date_modified`-style filter value → epoch ms, or undefined when it is not a date. RFC-2822 and
 * ISO-8601 with an offset are accepted. A bare `YYYY-MM-DD` gets the *current* UTC time of day appended, as
 * BigCommerce does (quirk 14; documented for v3 `date_modified:min`, assumed for v2 — unverified).
 * An unencoded `+` in the offset arrives as a space and is refused here; what the real API does with it
 * is unverified (it may silently misread the date), so the sandbox makes the client bug loud.
 */
export function parseFilterDate(raw: string, nowMs: number): number | undefined {
  const s = raw.trim();
  if (DAY_RE.test(s)) {
    const day = Date.parse(`${s}T00:00:00Z`);
    if (Number.isNaN(day)) return undefined;
    return day + (nowMs % 86_400_000);
  }
  if (!RFC2822_RE.test(s) && !ISO_RE.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Splits `a,b,c` filter values, dropping blanks. */
export function csv(raw: unknown): string[] {
  if (typeof raw !== 'string') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
