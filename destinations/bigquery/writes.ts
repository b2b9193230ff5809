import { createHash } from 'node:crypto';
import type { BigQueryWarehouse } from '../../connectors/bigquery';
import { TABLES, inferExtraColumns, latestViewSql, type TableKey } from '../../mapping/freshbooks';
import type { ColumnSpec, WarehouseRow } from '../../common/warehouse-types';
import type { LookerBlockConfig } from '../looker-block';

export interface BigQueryDestinationConfig {
  type: 'bigquery';
  projectId: string;
  datasetId: string;
  location: string;
  /** Table name per record type; defaults to the catalogue's names. */
  tables: Partial<Record<TableKey, string>>;
  /** Service-account key credential. */
  credentialId: string;
  /** Datagroups to trigger after deliveries commit. */
  looker?: LookerBlockConfig;
}

/** Streaming is for small incremental batches; anything bigger goes through a load job. */
export const STREAM_MAX_ROWS = 500;

export const tableName = (d: BigQueryDestinationConfig, key: TableKey): string => d.tables[key] ?? TABLES[key].defaultName;
export const latestViewName = (d: BigQueryDestinationConfig, key: TableKey): string => `${tableName(d, key)}_latest`;

/** Creates the dataset, every table (growing schemas only) and the latest-state views. */
export async function prepareBigQuery(wh: BigQueryWarehouse, d: BigQueryDestinationConfig): Promise<void> {
  await wh.ensureDataset();
  const keys = Object.keys(TABLES) as TableKey[];
  for (const key of keys) await wh.ensureTable(tableName(d, key), TABLES[key].columns, { clusterBy: TABLES[key].keyColumns.slice(0, 4) });
  const fq = (k: TableKey) => `\`${d.projectId}.${d.datasetId}.${tableName(d, k)}\``;
  for (const key of keys) await wh.ensureView(latestViewName(d, key), latestViewSql(TABLES[key], fq));
}

/**
 * Writes one batch of rows for one table. The job id is derived from the rows' own versions, so a
 * retried batch reuses its job (409 duplicate → existing job) and an unchanged re-read writes nothing;
 * a found job that does not hold the batch's rows is loaded again under the next id (loadRows).
 */
export async function writeRows(
  wh: BigQueryWarehouse,
  d: BigQueryDestinationConfig,
  key: TableKey,
  rows: WarehouseRow[],
  opts: { batchKey: string; preferLoad: boolean; knownColumns: Map<string, Set<string>> },
): Promise<void> {
  if (rows.length === 0) return;
  const table = tableName(d, key);
  const columns = await ensureColumns(wh, table, `${d.projectId}.${d.datasetId}.${table}`, key, rows, opts.knownColumns);
  if (opts.preferLoad || rows.length > STREAM_MAX_ROWS) {
    // Every mapped row carries its batch in `_batch_id`: how a found job is checked to hold the batch.
    await wh.loadRows(table, rows.map((r) => r.json), { jobId: `fb_${key}_${opts.batchKey}`, columns, batchColumn: '_batch_id' });
  } else {
    await wh.insertRows(table, rows);
  }
}

/**
 * Appends NULLABLE columns for FreshBooks fields the catalogue does not know yet. `known` is the worker's, shared
 * by every connection: keyed by the table's full name, since datasets of two connections have tables of one name.
 */
async function ensureColumns(
  wh: BigQueryWarehouse, table: string, fullName: string, key: TableKey, rows: WarehouseRow[], known: Map<string, Set<string>>,
): Promise<ColumnSpec[]> {
  const extra = inferExtraColumns(key, rows);
  const all = [...TABLES[key].columns, ...extra];
  const seen = known.get(fullName);
  if (extra.length > 0 && (!seen || extra.some((c) => !seen.has(c.name)))) {
    await wh.ensureTable(table, all);
    known.set(fullName, new Set(all.map((c) => c.name)));
  }
  return all;
}

export function batchKeyOf(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);
}
