import type { PassReading } from '../contracts/connection';
import type { SyncPagesResult } from '../contracts/sync';

/**
 * FreshBooks pages by offset. A record that leaves the list (a soft delete, a restore) while a pass is
 * being read moves every later record back across the page boundaries, and the records that slid onto
 * pages already read are never seen; one that joins it moves them forward. A pass spans several
 * activities, so what its pages reported travels in the workflow position: the first page's `total`,
 * every later page compared with it, and the items read against it at the end (a PassReading).
 */

/** Reads of one pass before the run gives up on it and reports it incomplete. */
export const MAX_PASS_READS = 3;

export function startReading(page: number, reads = 1): PassReading {
  return { items: 0, shifted: false, reads, fromStart: page === 1 };
}

export function noteRead(r: PassReading, res: Pick<SyncPagesResult, 'records' | 'total' | 'shifted'>): void {
  r.total ??= res.total;
  r.items += res.records;
  if (res.shifted || (res.total !== undefined && res.total !== r.total)) r.shifted = true;
}

/** Whether every record the list held was read: no page saw the list change, and none came back short. */
export function readWhole(r: PassReading): boolean {
  if (r.shifted) return false;
  return !r.fromStart || r.total === undefined || r.items >= r.total;
}
