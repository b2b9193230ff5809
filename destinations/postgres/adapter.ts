import type { WarehouseRow } from '../../common/warehouse-types';
import type { PostgresWarehouse, TableWrite } from '../../connectors/postgres-warehouse';
import { TABLES, TABLE_KEYS, entityTableFor, inferExtraColumns, latestViewSqlPostgres, mapRecord, mapTombstone, listedRowsCondition, type TableKey } from '../../mapping/freshbooks';
import type { Destination, DestinationInventory, RecordBatch } from '../types';
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { latestViewName, tableName } from './config';

/**
 * A Postgres schema as BigQuery's twin: append-only tables (one row per version), `_latest` views, and
 * every batch exactly once through the warehouse's batches table.
 */
export class PostgresDestination implements Destination {
  constructor(private readonly wh: PostgresWarehouse) {}

  private viewSql(key: TableKey): string {
    return latestViewSqlPostgres(TABLES[key], (k) => this.wh.fq(tableName(k)));
  }

  async prepare(): Promise<void> {
    await this.wh.prepare(
      TABLE_KEYS.map((key) => ({ name: tableName(key), columns: TABLES[key].columns, uniqueColumn: '_version', indexColumns: TABLES[key].keyColumns })),
      TABLE_KEYS.map((key) => ({ name: latestViewName(key), sql: this.viewSql(key), table: tableName(key) })),
    );
  }

  /**
   * The records' rows for every table they map to (an invoice and its lines) commit together with the
   * batch key. A retried batch whose key committed writes nothing and answers the rows it wrote, so a
   * crash between this commit and the delivery ledger's is repaired by the retry.
   */
  async deliver(batch: RecordBatch): Promise<number> {
    const syncedAt = new Date().toISOString();
    const byTable = new Map<TableKey, WarehouseRow[]>();
    for (const [i, record] of batch.records.entries()) {
      for (const m of mapRecord(batch.entity, record, { ...batch.source, syncedAt, batchId: batch.batchKey }, batch.versionTokens?.[i])) {
        const rows = byTable.get(m.table) ?? [];
        rows.push(m.row);
        byTable.set(m.table, rows);
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
    const writes: TableWrite[] = [...byTable].map(([key, rows]) => ({
      table: tableName(key),
      // FreshBooks fields the catalogue does not know yet become NULLABLE columns, as on BigQuery.
      columns: [...TABLES[key].columns, ...inferExtraColumns(key, rows)],
      rows: rows.map((r) => r.json),
      view: { name: latestViewName(key), sql: this.viewSql(key), table: tableName(key) },
    }));
    if (writes.length === 0) return 0;
    const out = await this.wh.writeBatch({ batchKey: batch.batchKey, label: tableName(entityTableFor(batch.entity).key), writes, bulk: batch.bulk });
    return out.rows;
  }

  /** Read from the latest-state view, as on BigQuery: the records the source's list shows. */
  async inventory(entity: FreshBooksEntity, moneyColumns: readonly string[]): Promise<DestinationInventory> {
    const view = this.wh.fq(latestViewName(entityTableFor(entity).key));
    const current = `WHERE ${listedRowsCondition(entity)}`;
    const ids = await this.wh.query<{ id: string }>(`SELECT id::text AS id FROM ${view} ${current}`);
    const sums: DestinationInventory['sums'] = [];
    for (const column of moneyColumns) {
      const { rows } = await this.wh.query<{ currency: string | null; total: string | null }>(
        `SELECT "${column}_currency" AS currency, sum("${column}")::text AS total FROM ${view} ${current} AND "${column}" IS NOT NULL GROUP BY 1`);
      for (const r of rows) if (r.currency && r.total !== null) sums.push({ column, currency: r.currency, total: r.total });
    }
    return { ids: ids.rows.map((r) => r.id), sums };
  }

  async replaceSnapshot(): Promise<number> {
    return 0;
  }

  async reset(): Promise<void> {
    throw new Error('Postgres warehouse connections keep every version; use re-delivery instead of a rebuild');
  }

  async updateSchema(): Promise<string[]> {
    await this.prepare();
    return [];
  }
}
