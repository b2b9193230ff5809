import type { WarehouseRow } from '../../common/warehouse-types';
import type { BigQueryWarehouse } from '../../connectors/bigquery';
import { mapRecord, type TableKey } from '../../mapping/freshbooks';
import type { Destination, RecordBatch } from '../types';
import { prepareBigQuery, writeRows, type BigQueryDestinationConfig } from './writes';

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
    for (const record of batch.records) {
      for (const m of mapRecord(batch.entity, record, { ...batch.source, syncedAt, batchId: batch.batchKey })) {
        const list = byTable.get(m.table) ?? [];
        list.push(m.row);
        byTable.set(m.table, list);
      }
    }
    // Hard deletes are not written: the latest views order by FreshBooks' own `updated`, which a
    // tombstone does not have. Reconciliation's gap (README) covers them.
    let rows = 0;
    for (const [table, tableRows] of byTable) {
      await writeRows(this.wh, this.config, table, tableRows, { batchKey: batch.batchKey, preferLoad: batch.bulk, knownColumns: this.knownColumns });
      rows += tableRows.length;
    }
    return rows;
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
