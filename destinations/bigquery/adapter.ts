import type { WarehouseRow } from '../../common/warehouse-types';
import type { BigQueryWarehouse } from '../../connectors/bigquery';
import { entityTableFor, listedRowsCondition, mapRecord, mapTombstone, type TableKey } from '../../mapping/freshbooks';
import type { Destination, DestinationInventory, RecordBatch } from '../types';
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { latestViewName, prepareBigQuery, writeRows, type BigQueryDestinationConfig } from './writes';

/**
 * BigQuery keeps every version (append-only tables plus latest views), so every entity is a change
 * stream and "rebuild" is never needed: the views already show current state.
 */
export class BigQueryDestination implements Destination {
  constructor(
    private readonly wh: BigQueryWarehouse,
    private readonly config: BigQueryDestinationConfig,
    private readonly knownColumns: Map<string, Set<string>>,
  ) {}

  prepare(): Promise<void> {
    return prepareBigQuery(this.wh, this.config);
  }

  async deliver(batch: RecordBatch): Promise<number> {
    const syncedAt = new Date().toISOString();
    const byTable = new Map<TableKey, WarehouseRow[]>();
    for (const [i, record] of batch.records.entries()) {
      for (const m of mapRecord(batch.entity, record, { ...batch.source, syncedAt, batchId: batch.batchKey }, batch.versionTokens?.[i])) {
        const list = byTable.get(m.table) ?? [];
        list.push(m.row);
        byTable.set(m.table, list);
      }
    }
    // Records deleted outright (reconciliation found FreshBooks answering 404) become a deleted-flag row,
    // the newest version the latest view shows.
    for (const t of batch.tombstones) {
      const m = mapTombstone(batch.entity, t.recordId, { ...batch.source, syncedAt, batchId: batch.batchKey });
      const list = byTable.get(m.table) ?? [];
      list.push(m.row);
      byTable.set(m.table, list);
    }
    let rows = 0;
    for (const [table, tableRows] of byTable) {
      await writeRows(this.wh, this.config, table, tableRows, { batchKey: batch.batchKey, preferLoad: batch.bulk, knownColumns: this.knownColumns });
      rows += tableRows.length;
    }
    return rows;
  }

  /** Read from the latest-state view: one row per record the source's list shows. */
  async inventory(entity: FreshBooksEntity, moneyColumns: readonly string[]): Promise<DestinationInventory> {
    const view = `\`${this.config.projectId}.${this.config.datasetId}.${latestViewName(this.config, entityTableFor(entity).key)}\``;
    const current = `WHERE ${listedRowsCondition(entity)}`;
    const ids = await this.wh.query<{ id: string }>(`SELECT CAST(id AS STRING) AS id FROM ${view} ${current}`);
    const sums: DestinationInventory['sums'] = [];
    for (const column of moneyColumns) {
      const rows = await this.wh.query<{ currency: string | null; total: string | null }>(
        `SELECT ${column}_currency AS currency, CAST(SUM(${column}) AS STRING) AS total FROM ${view} ${current} AND ${column} IS NOT NULL GROUP BY currency`);
      for (const r of rows) if (r.currency && r.total !== null) sums.push({ column, currency: r.currency, total: String(r.total) });
    }
    return { ids: ids.map((r) => String(r.id)), sums };
  }

  async replaceSnapshot(): Promise<number> {
    return 0;
  }

  async reset(): Promise<void> {
    throw new Error('BigQuery connections keep every version; use re-delivery instead of a rebuild');
  }

  async updateSchema(): Promise<string[]> {
    await prepareBigQuery(this.wh, this.config);
    return [];
  }
}
