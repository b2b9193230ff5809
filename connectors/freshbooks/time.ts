/**
 * FreshBooks timestamps → UTC.
 *
 * Accounting datetimes (`updated`, `created_at`, line `date`) are zone-naive "YYYY-MM-DD HH:MM:SS" in
 * America/New_York wall time, DST included; bills and bill vendors use UTC (reference/freshbooks.md §4,
 * §9.4). Parsing Eastern as UTC skews watermarks by 4–5 h, so every caller goes through here.
 *
 * Wall time has two awkward hours a year:
 * - Fall back (e.g. 2024-11-03 01:30 happens twice). We pick the FIRST occurrence (EDT, the earlier
 *   instant). An earlier instant can only make a high-water mark lag, never run ahead of a record, and the
 *   sync window already overlaps by a day, so the worst case is re-reading a record, never skipping one.
 * - Spring forward (e.g. 2024-03-10 02:30 never happens). FreshBooks should not emit such a value; if it
 *   does we read it with the offset in force before the gap, which shifts it forward (02:30 → 03:30 EDT),
 *   the same thing a wall clock does.
 */
import type { FreshBooksEntitySpec } from '../../common/freshbooks-entities';

export type FreshBooksZone = FreshBooksEntitySpec['updatedZone'];

const EASTERN = 'America/New_York';
const HOUR_MS = 3_600_000;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` at instant `ms`, expressed as if that wall time were UTC (ms). */
function wallAsUtcMs(ms: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (ms % 1000 + 1000) % 1000;
}

/** Offset (wall − UTC, ms) of `zone` at instant `ms`. */
function offsetAt(ms: number, zone: string): number {
  return wallAsUtcMs(ms, zone) - ms;
}

/**
 * The UTC instant of a wall time (given as wall-as-UTC ms) in `zone`. Ambiguous → earlier instant;
 * nonexistent → shifted forward by the gap. See the module comment for why.
 */
function wallToInstant(naiveMs: number, zone: string): number {
  // Offsets a day either side cover any single transition; New York never has two in a day.
  const before = offsetAt(naiveMs - 24 * HOUR_MS, zone);
  const after = offsetAt(naiveMs + 24 * HOUR_MS, zone);
  const matches = [...new Set([before, after])]
    .map((offset) => naiveMs - offset)
    .filter((instant) => wallAsUtcMs(instant, zone) === naiveMs);
  if (matches.length > 0) return Math.min(...matches);
  return naiveMs - before;
}

const NAIVE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const OFFSET_RE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

function naiveToMs(value: string): number {
  const m = NAIVE_RE.exec(value.trim());
  if (!m) throw new RangeError(`not a FreshBooks timestamp: ${JSON.stringify(value.slice(0, 40))}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Number((frac + '000').slice(0, 3));
  const out = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(out);
  // Date.UTC silently rolls 2024-02-30 into March; a timestamp like that is corrupt, not a date.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new RangeError(`not a valid FreshBooks timestamp: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return out;
}

/** "2019-11-14 11:27:45" (Eastern wall time) → "2019-11-14T16:27:45.000Z". */
export function easternToUtcIso(wall: string): string {
  return new Date(wallToInstant(naiveToMs(wall), EASTERN)).toISOString();
}

/** The America/New_York calendar date at instant `ms`, "YYYY-MM-DD" (what `search[updated_min]` compares). */
export function utcToEasternDate(ms: number): string {
  return new Date(wallAsUtcMs(ms, EASTERN)).toISOString().slice(0, 10);
}

/** The America/New_York wall time at instant `ms`, "YYYY-MM-DD HH:MM:SS" (the FreshBooks accounting format). */
export function utcToEasternWall(ms: number): string {
  return new Date(wallAsUtcMs(ms, EASTERN)).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Any timestamp FreshBooks sends → UTC ISO string. Zone-naive values ("YYYY-MM-DD HH:MM:SS", ISO without
 * offset, or a bare date = midnight) are read in `zone`; values carrying `Z` or an offset keep their own.
 * Throws RangeError on anything else, because a silently wrong watermark is worse than a failed page.
 */
export function parseFreshBooksTimestamp(value: string, zone: FreshBooksZone): string {
  const trimmed = value.trim();
  if (OFFSET_RE.test(trimmed) && trimmed.length > 10) {
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    if (Number.isNaN(ms)) throw new RangeError(`not a FreshBooks timestamp: ${JSON.stringify(trimmed.slice(0, 40))}`);
    return new Date(ms).toISOString();
  }
  const naive = naiveToMs(trimmed);
  const instant = zone === 'UTC' ? naive : wallToInstant(naive, zone);
  return new Date(instant).toISOString();
}
