/**
 * The sandbox's notion of "now", and how it writes times the way FreshBooks does.
 *
 * Records store timestamps as "naive seconds": the wall-clock time in the record's own zone, counted as if
 * it were UTC. For Eastern records that is New York wall time, for bills/vendors plain UTC. Rendering is then
 * a cheap ISO slice, and `search[updated_min]` (whole days in the record's zone) is a plain comparison.
 *
 * Deliberately independent of connectors/freshbooks/time.ts so a bug there cannot hide behind the same bug here.
 */

export type RecordZone = 'America/New_York' | 'UTC';

const easternParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Instant (ms) → wall time in `zone` as naive seconds. */
export function toNaiveSec(ms: number, zone: RecordZone): number {
  if (zone === 'UTC') return Math.floor(ms / 1000);
  const p: Record<string, number> = {};
  for (const part of easternParts.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000;
}

/** Naive seconds → "YYYY-MM-DD HH:MM:SS". */
export function formatWall(naiveSec: number): string {
  return new Date(naiveSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Naive seconds → "YYYY-MM-DD". */
export function formatDay(naiveSec: number): string {
  return new Date(naiveSec * 1000).toISOString().slice(0, 10);
}

/** Day number (days since 1970-01-01) → "YYYY-MM-DD". */
export function dayToDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** "YYYY-MM-DD" → day number, or undefined if it is not a real date. */
export function dateToDay(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms / 86_400_000;
}

/**
 * US Eastern "spring forward" skips 02:00–02:59 on the second Sunday of March. Generated wall times must not
 * land there (FreshBooks never writes a time that did not happen), so the seed nudges them an hour on.
 */
export function skipSpringForwardGap(naiveSec: number): number {
  const d = new Date(naiveSec * 1000);
  if (d.getUTCMonth() === 2 && d.getUTCDay() === 0 && d.getUTCDate() >= 8 && d.getUTCDate() <= 14 && d.getUTCHours() === 2) {
    return naiveSec + 3600;
  }
  return naiveSec;
}

export class SandboxClock {
  private pinnedMs: number | undefined;
  private offsetMs = 0;
  private readonly base: () => Date;

  constructor(base?: () => Date) {
    this.base = base ?? (() => new Date());
  }

  nowMs(): number {
    return this.pinnedMs ?? this.base().getTime() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /**
   * Pin the clock at an instant (it stays there until moved), or with `running` let it tick on from there.
   * `null` returns to the base clock.
   */
  set(iso: string | null, running = false): void {
    if (iso === null) {
      this.pinnedMs = undefined;
      this.offsetMs = 0;
      return;
    }
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${iso}`);
    if (running) {
      this.pinnedMs = undefined;
      this.offsetMs = ms - this.base().getTime();
    } else {
      this.pinnedMs = ms;
    }
  }

  advance(seconds: number): void {
    if (this.pinnedMs !== undefined) this.pinnedMs += seconds * 1000;
    else this.offsetMs += seconds * 1000;
  }

  /** Wall time now in `zone`, as naive seconds. */
  naiveNow(zone: RecordZone): number {
    return toNaiveSec(this.nowMs(), zone);
  }
}
