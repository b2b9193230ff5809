import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { POWERBI_DIMENSION_ENTITIES } from '../../mapping/powerbi';

/**
 * Which of a connection's entities travel as changes and which as whole-table snapshots. Power BI
 * push tables cannot update a row, so dimension tables (one row per client or account, which reports
 * join on) are replaced whole; everything else is a stream of versions.
 */
export function snapshotPlan(destinationType: 'bigquery' | 'powerbi', entities: FreshBooksEntity[]): { changes: FreshBooksEntity[]; snapshots: FreshBooksEntity[] } {
  if (destinationType !== 'powerbi') return { changes: entities, snapshots: [] };
  const dims = new Set<FreshBooksEntity>(POWERBI_DIMENSION_ENTITIES);
  return { changes: entities.filter((e) => !dims.has(e)), snapshots: entities.filter((e) => dims.has(e)) };
}
