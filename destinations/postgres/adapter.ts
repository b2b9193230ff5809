import type { WarehouseRow } from '../../common/warehouse-types';
import type { PostgresWarehouse, TableWrite } from '../../connectors/postgres-warehouse';
import { TABLES, TABLE_KEYS, entityTableFor, inferExtraColumns, latestViewSqlPostgres, mapRecord, type TableKey } from '../../mapping/freshbooks';
import type { Destination, RecordBatch } from '../types';
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
    for (const record of batch.records) {
      for (const m of mapRecord(batch.entity, record, { ...batch.source, syncedAt, batchId: batch.batchKey })) {
        const rows = byTable.get(m.table) ?? [];
        rows.push(m.row);
        byTable.set(m.table, rows);
      }
    }
    // Hard deletes are not written, as on BigQuery: the views order versions by sync time and FreshBooks'
    // `updated`, and a tombstone has neither a record nor an `updated`.
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
