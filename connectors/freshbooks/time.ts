/**
 * FreshBooks timestamps → UTC.
 *
 * Accounting datetimes (`updated`, `created_at`, line `date`) are zone-naive "YYYY-MM-DD HH:MM:SS" in
 * America/New_York wall time, DST included; bills and bill vendors use UTC (reference/freshbooks.md §4,
 * §9.4). Parsing Eastern as UTC skews watermarks by 4–5 h, so every caller goes through here.
 * The DST rules (ambiguous and nonexistent hours) live in common/zoned-time.ts.
 */
import type { FreshBooksEntitySpec } from '../../common/freshbooks-entities';
import { instantToWallMs, wallToInstantMs } from '../../common/zoned-time';

export type FreshBooksZone = FreshBooksEntitySpec['updatedZone'];

const EASTERN = 'America/New_York';

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
  return new Date(wallToInstantMs(naiveToMs(wall), EASTERN)).toISOString();
}

/** The America/New_York calendar date at instant `ms`, "YYYY-MM-DD" (what `search[updated_min]` compares). */
export function utcToEasternDate(ms: number): string {
  return new Date(instantToWallMs(ms, EASTERN)).toISOString().slice(0, 10);
}

/** The America/New_York wall time at instant `ms`, "YYYY-MM-DD HH:MM:SS" (the FreshBooks accounting format). */
export function utcToEasternWall(ms: number): string {
  return new Date(instantToWallMs(ms, EASTERN)).toISOString().slice(0, 19).replace('T', ' ');
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
  const instant = wallToInstantMs(naive, zone);
  return new Date(instant).toISOString();
}
