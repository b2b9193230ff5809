import type { FreshBooksEntitySpec } from '../common/freshbooks-entities';
import { utcToEasternDate, type ListQuery } from '../connectors/freshbooks';

const DAY_MS = 86_400_000;

/**
 * `search[updated_min]` takes whole days (≥) in the record's own zone, and FreshBooks reportedly does
 * not always honour it. So the filter starts a full day before the cursor's day; the delivery ledger
 * drops what was already sent, and the periodic reconciliation catches anything the filter hid.
 */
export function filterDateFor(sinceUtcIso: string, zone: 'America/New_York' | 'UTC'): string {
  const ms = Date.parse(sinceUtcIso) - DAY_MS;
  return zone === 'UTC' ? new Date(ms).toISOString().slice(0, 10) : utcToEasternDate(ms);
}

/**
 * The incremental filter of an entity's list for a cursor, in the entity's own spelling: accounting
 * `search[updated_min]` (a date), project-like `updated_since` (a UTC date-time, no `Z` as FreshBooks
 * writes it). Both start a full day before the cursor, for the same reasons.
 */
export function incrementalFilterFor(spec: FreshBooksEntitySpec, sinceUtcIso: string | undefined): Pick<ListQuery, 'updatedMin' | 'updatedSince'> {
  if (!spec.incremental || !sinceUtcIso) return {};
  if ((spec.incrementalFilter ?? 'updated_min') === 'updated_min') return { updatedMin: filterDateFor(sinceUtcIso, spec.updatedZone) };
  return { updatedSince: new Date(Date.parse(sinceUtcIso) - DAY_MS).toISOString().slice(0, 19) };
}
