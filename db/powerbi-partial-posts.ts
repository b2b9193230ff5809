import type { Db } from './pool';

/**
 * Which tables of a Power BI batch already hold its rows after the batch failed part way (migration 019): the
 * retry of that batch posts only the rest. Rows are written only on a partial failure, and removed when the
 * batch completes, so the usual batch costs one read.
 */
export class PowerBiPartialPosts {
  constructor(private readonly db: Db) {}

  async posted(datasetId: string, batchKey: string): Promise<Set<string>> {
    const { rows } = await this.db.query<{ table_name: string }>(
      'SELECT table_name FROM powerbi_partial_posts WHERE dataset_id = $1 AND batch_key = $2', [datasetId, batchKey],
    );
    return new Set(rows.map((r) => r.table_name));
  }

  async note(datasetId: string, batchKey: string, tables: string[]): Promise<void> {
    if (tables.length === 0) return;
    // A batch never retried (its records changed again first) leaves its rows behind: they go after a month.
    await this.db.query(`DELETE FROM powerbi_partial_posts WHERE posted_at < now() - interval '30 days'`);
    await this.db.query(
      `INSERT INTO powerbi_partial_posts (dataset_id, batch_key, table_name) SELECT $1, $2, t FROM unnest($3::text[]) t
       ON CONFLICT DO NOTHING`, [datasetId, batchKey, tables],
    );
  }

  async forget(datasetId: string, batchKey: string): Promise<void> {
    await this.db.query('DELETE FROM powerbi_partial_posts WHERE dataset_id = $1 AND batch_key = $2', [datasetId, batchKey]);
  }

  async forgetDataset(datasetId: string): Promise<void> {
    await this.db.query('DELETE FROM powerbi_partial_posts WHERE dataset_id = $1', [datasetId]);
  }
}
