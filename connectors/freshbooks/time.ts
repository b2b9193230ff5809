/**
 * The one date the API client computes: the US/Eastern calendar date `search[updated_min]` compares
 * accounting records by (reference/freshbooks.md §4, §9.4–9.5). Reading FreshBooks timestamps into UTC
 * is the mappers' job (mapping/freshbooks/time.ts); both rest on common/zoned-time.ts.
 */
import { instantToWallMs } from '../../common/zoned-time';

/** The America/New_York calendar date at instant `ms`, "YYYY-MM-DD". */
export function utcToEasternDate(ms: number): string {
  return new Date(instantToWallMs(ms, 'America/New_York')).toISOString().slice(0, 10);
}
