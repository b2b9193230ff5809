/**
 * Wall time ↔ instant for the two zones FreshBooks writes in: America/New_York (accounting records,
 * DST included) and UTC (bills, vendors). Shared by the API client (cursor dates) and the mappers
 * (TIMESTAMP columns), so both read FreshBooks' naive strings the same way.
 *
 * "Wall ms" is a wall-clock time counted as if it were UTC (Date.UTC of its fields).
 *
 * Around a DST change a wall time maps to two instants or to none. We follow the "compatible" rule
 * (Python zoneinfo fold=0, which the FreshBooks Python SDK uses; JS Temporal's default):
 * - ambiguous (fall back: 01:30 happens twice) → the earlier instant (EDT). A watermark can then only
 *   lag a record, never run ahead of it, and the sync window overlaps by a day anyway;
 * - nonexistent (spring forward: 02:30 never happens) → read with the offset in force before the gap,
 *   i.e. shifted forward (02:30 → 03:30 EDT), as a wall clock does; order with neighbours is kept.
 */
export type Zone = 'America/New_York' | 'UTC';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const eastern = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hourCycle: 'h23',
  year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
});

/**
 * New York's offset is constant within each UTC hour (its changes happen at 06:00Z / 07:00Z), so it is
 * computed once per hour: Intl formatting was 11–14% of mapping CPU before (bench/backfill.ts profile).
 */
const offsetByHour = new Map<number, number>();
const MAX_CACHED_HOURS = 200_000; // ~23 years of hours

function easternOffsetMs(instantMs: number): number {
  const hour = Math.floor(instantMs / HOUR_MS);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const at = hour * HOUR_MS;
    const p: Record<string, number> = {};
    for (const part of eastern.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = new Date(0);
    wall.setUTCFullYear(p.year!, p.month! - 1, p.day!);
    wall.setUTCHours(p.hour!, p.minute!, p.second!, 0);
    offset = wall.getTime() - at;
    if (offsetByHour.size >= MAX_CACHED_HOURS) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** Offset (wall − UTC, ms) of `zone` at an instant. */
export function offsetMs(instantMs: number, zone: Zone): number {
  return zone === 'UTC' ? 0 : easternOffsetMs(instantMs);
}

/** The wall time in `zone` at an instant, as wall ms. */
export function instantToWallMs(instantMs: number, zone: Zone): number {
  return instantMs + offsetMs(instantMs, zone);
}

/** The instant of a wall time in `zone` (see the module comment for the two DST edge cases). */
export function wallToInstantMs(wallMs: number, zone: Zone): number {
  if (zone === 'UTC') return wallMs;
  // Offsets a day either side cover any single transition; New York never has two in a day.
  const before = offsetMs(wallMs - DAY_MS, zone);
  const after = offsetMs(wallMs + DAY_MS, zone);
  let earliest: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wallMs - offset;
    if (instantToWallMs(instant, zone) === wallMs && (earliest === undefined || instant < earliest)) earliest = instant;
  }
  return earliest ?? wallMs - before;
}
