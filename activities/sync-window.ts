import { utcToEasternDate } from '../connectors/freshbooks';

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
