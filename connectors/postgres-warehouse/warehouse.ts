import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ColumnSpec } from '../../common/warehouse-types';
import { PG_DATA_TYPES, pgType, quoteIdent } from './column-types';
import { copyTextLine, pgText } from './copy-text';
import { PostgresWarehouseError, warehouseError } from './errors';

/** The table in the warehouse's schema that records every committed batch, in the batch's own transaction. */
export const BATCHES_TABLE = '_ml_batches';

/** Postgres refuses more than 65,535 bind parameters in one statement. */
const MAX_PARAMS = 65_535;
const COPY_CHUNK_ROWS = 2_000;

export interface TableSpecPg {
  name: string;
  columns: ColumnSpec[];
  /** Unique across the table's rows: the row version. */
  uniqueColumn: string;
  /** The record key, indexed with `_synced_at` for the views' sort. */
  indexColumns: string[];
}

export interface ViewSpec {
  name: string;
  /** The view's SELECT, reading `table` as `alias.*`: it must show every column of the table. */
  sql: string;
  table: string;
}

/** How long DDL waits for a lock (readers of a view, writers of a table) before giving up until the retry. */
const DDL_LOCK_TIMEOUT_MS = 10_000;

export interface TableWrite {
  table: string;
  /** Every column the rows may carry, catalogue and extra; missing ones are appended NULLABLE first. */
  columns: ColumnSpec[];
  rows: Record<string, unknown>[];
  /** The table's view, created again in the same transaction when a column is appended (`t.*` is fixed at creation). */
  view?: ViewSpec;
}

export interface BatchWrite {
  batchKey: string;
  /** What the batch is of, for the batches table (the entity's main table). */
  label: string;
  writes: TableWrite[];
  /** COPY through a staging table (backfills, re-deliveries) rather than INSERT … VALUES (webhooks). */
  bulk: boolean;
}

export interface BatchResult {
  rows: number;
  /** The batch key was already recorded: nothing was written, `rows` is what the first commit wrote. */
  replayed: boolean;
}

export interface PostgresWarehouseOptions {
  pool: Pool;
  schema: string;
  /** Takes the connection URL's password out of error messages. */
  scrub: (text: string) => string;
  /** Columns known to exist per table, shared by the adapters of one pool so a known column costs no catalogue query. */
  knownColumns?: Map<string, Set<string>>;
  statementTimeoutMs?: number;
}

/**
 * One schema of a Postgres database used as a warehouse: append-only tables keyed by a unique
 * `_version`, views over them, and a batches table that makes every write exactly-once — a batch's rows
 * and its key commit in one transaction, and a batch whose key is already there writes nothing.
 */
export class PostgresWarehouse {
  private readonly pool: Pool;
  readonly schema: string;
  private readonly scrub: (text: string) => string;
  private readonly known: Map<string, Set<string>>;
  private readonly statementTimeoutMs: number;

  constructor(opts: PostgresWarehouseOptions) {
    this.pool = opts.pool;
    this.schema = opts.schema;
    quoteIdent(opts.schema);
    this.scrub = opts.scrub;
    this.known = opts.knownColumns ?? new Map();
    this.statementTimeoutMs = opts.statementTimeoutMs ?? 300_000;
  }

  /** `"schema"."name"` */
  fq(name: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
  }

  /**
   * Creates the schema (if absent) and the batches table, then each table (growing only) and view, in
   * one transaction under a lock on the schema, so two workers preparing at once do not race on
   * `CREATE … IF NOT EXISTS` (which Postgres does not make atomic). What already stands is left alone:
   * replacing a view or building an index locks out readers and writers, and this runs every few
   * minutes while people query the views, so only a missing index or a view whose SQL or columns
   * changed is (re)made, and no lock is waited for past `lock_timeout` (the next attempt retries).
   */
  async prepare(tables: TableSpecPg[], views: ViewSpec[]): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${DDL_LOCK_TIMEOUT_MS}`);
      await this.lockSchema(c);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.fq(BATCHES_TABLE)} (
        batch_key text PRIMARY KEY, table_name text NOT NULL, rows integer NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())`);
      const { rows: idx } = await c.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [this.schema]);
      const indexes = new Set(idx.map((r) => r.indexname));
      const widths = new Map<string, number>();
      for (const t of tables) widths.set(t.name, await this.ensureTable(c, t, indexes));
      const current = await this.viewStates(c);
      for (const v of views) {
        const state = current.get(v.name);
        if (state && state.note === viewNote(v.sql) && state.columns === widths.get(v.table)) continue;
        await this.replaceView(c, v);
      }
    }, 'prepare');
  }

  private async ensureTable(c: PoolClient, t: TableSpecPg, indexes: Set<string>): Promise<number> {
    const existing = await this.columnTypes(c, t.name);
    if (existing.size === 0) {
      const cols = t.columns.map((col) => `${quoteIdent(col.name)} ${pgType(col.type)}`).join(',\n  ');
      await c.query(`CREATE TABLE ${this.fq(t.name)} (\n  ${cols}\n)`);
    } else {
      const conflicts = t.columns.filter((col) => existing.has(col.name) && existing.get(col.name) !== PG_DATA_TYPES[col.type]);
      if (conflicts.length > 0) {
        const list = conflicts.map((col) => `${col.name} is ${existing.get(col.name)}, we write ${pgType(col.type)}`).join('; ');
        throw new PostgresWarehouseError('schema_conflict', `Postgres warehouse: ${this.schema}.${t.name}: ${list}`);
      }
      await this.addColumns(c, t.name, t.columns.filter((col) => !existing.has(col.name)));
    }
    // Unique per version: a version written again (a retried page whose records changed, a re-delivery)
    // is never a second row. Index names are per table: the schema may hold other tables.
    const unique = `${t.name}_version_key`.slice(0, 63);
    if (!indexes.has(unique)) await c.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(unique)} ON ${this.fq(t.name)} (${quoteIdent(t.uniqueColumn)})`);
    const latest = `${t.name}_latest_idx`.slice(0, 63);
    if (!indexes.has(latest)) await c.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(latest)} ON ${this.fq(t.name)} (${t.indexColumns.map(quoteIdent).join(', ')}, "_synced_at" DESC)`);
    const names = new Set([...existing.keys(), ...t.columns.map((col) => col.name)]);
    this.known.set(this.cacheKey(t.name), names);
    return names.size;
  }

  /** Each view of the schema: the note we left on it (which SQL made it) and how many columns it has. */
  private async viewStates(c: PoolClient): Promise<Map<string, { note: string | null; columns: number }>> {
    const { rows } = await c.query<{ name: string; note: string | null; columns: number }>(
      `SELECT v.relname AS name, obj_description(v.oid, 'pg_class') AS note,
              (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
         FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace WHERE n.nspname = $1 AND v.relkind = 'v'`, [this.schema]);
    return new Map(rows.map((r) => [r.name, { note: r.note, columns: r.columns }]));
  }

  private async replaceView(c: PoolClient, v: ViewSpec): Promise<void> {
    await c.query(`CREATE OR REPLACE VIEW ${this.fq(v.name)} AS\n${v.sql}`);
    await c.query(`COMMENT ON VIEW ${this.fq(v.name)} IS '${viewNote(v.sql)}'`);
  }

  private async addColumns(c: PoolClient, table: string, columns: ColumnSpec[]): Promise<void> {
    for (const col of columns) {
      await c.query(`ALTER TABLE ${this.fq(table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(col.name)} ${pgType(col.type)}`);
    }
  }

  private async columnTypes(c: PoolClient, table: string): Promise<Map<string, string>> {
    const { rows } = await c.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [this.schema, table]);
    return new Map(rows.map((r) => [r.column_name, r.data_type]));
  }

  /**
   * Writes a batch exactly once. The batch key is inserted first: a second attempt with the same key
   * waits on it until the first commits (then finds it and writes nothing) or rolls back (then writes).
   */
  async writeBatch(batch: BatchWrite): Promise<BatchResult> {
    const grown = new Map<string, Set<string>>();
    const result = await this.transaction(async (c) => {
      const missing = await this.missingColumns(batch.writes);
      // DDL takes the schema lock before any table lock, so two batches growing tables cannot deadlock.
      if (missing.size > 0) {
        await c.query(`SET LOCAL lock_timeout = ${DDL_LOCK_TIMEOUT_MS}`);
        await this.lockSchema(c);
        // A query on a view locks the view, then its tables. Growing a table and then replacing its view took
        // them the other way round, so a reader arriving between the two deadlocked with the batch (seen in
        // the webhook test: the reader was the one Postgres cancelled). The views go first now, as readers take them.
        for (const w of batch.writes) {
          if (w.view && w.rows.length > 0 && missing.has(w.table)) await this.lockView(c, w.view.name);
        }
      }
      const claimed = await c.query(
        `INSERT INTO ${this.fq(BATCHES_TABLE)} (batch_key, table_name, rows) VALUES ($1, $2, 0) ON CONFLICT (batch_key) DO NOTHING RETURNING batch_key`,
        [batch.batchKey, batch.label]);
      if (claimed.rowCount === 0) {
        const { rows } = await c.query<{ rows: number }>(`SELECT rows FROM ${this.fq(BATCHES_TABLE)} WHERE batch_key = $1`, [batch.batchKey]);
        return { rows: rows[0]?.rows ?? 0, replayed: true };
      }
      let written = 0;
      for (const [i, w] of batch.writes.entries()) {
        if (w.rows.length === 0) continue;
        const add = missing.get(w.table) ?? [];
        if (add.length > 0) {
          const existing = await this.columnTypes(c, w.table);
          await this.addColumns(c, w.table, add.filter((col) => !existing.has(col.name)));
          if (w.view) await this.replaceView(c, w.view);
          grown.set(w.table, new Set([...existing.keys(), ...w.columns.map((col) => col.name)]));
        }
        const rows = uniqueBy(w.rows, '_version');
        if (batch.bulk) await this.copyRows(c, w, rows, i);
        else await this.insertRows(c, w, rows);
        written += w.rows.length;
      }
      await c.query(`UPDATE ${this.fq(BATCHES_TABLE)} SET rows = $2, committed_at = now() WHERE batch_key = $1`, [batch.batchKey, written]);
      return { rows: written, replayed: false };
    }, 'write batch');
    // Only what committed is remembered as existing.
    for (const [table, cols] of grown) this.known.set(this.cacheKey(table), cols);
    return result;
  }

  /** Whether a batch key is recorded (committed). */
  async hasBatch(batchKey: string): Promise<boolean> {
    const { rows } = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.fq(BATCHES_TABLE)} WHERE batch_key = $1`, [batchKey]);
    return rows[0]!.n > 0;
  }

  async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<{ rows: R[] }> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw warehouseError(err, this.scrub);
    }
  }

  private async missingColumns(writes: TableWrite[]): Promise<Map<string, ColumnSpec[]>> {
    const out = new Map<string, ColumnSpec[]>();
    for (const w of writes) {
      if (w.rows.length === 0) continue;
      let known = this.known.get(this.cacheKey(w.table));
      if (!known) {
        const { rows } = await this.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [this.schema, w.table]);
        known = new Set(rows.map((r) => r.column_name));
        this.known.set(this.cacheKey(w.table), known);
      }
      const missing = w.columns.filter((col) => !known.has(col.name));
      if (missing.length > 0) out.set(w.table, missing);
    }
    return out;
  }

  /**
   * COPY into a staging table, then one INSERT … SELECT with the same conflict rule as insertRows: COPY
   * itself cannot skip a row that is already there.
   */
  private async copyRows(c: PoolClient, w: TableWrite, rows: Record<string, unknown>[], n: number): Promise<void> {
    const stage = quoteIdent(`_ml_stage_${n}`);
    const cols = w.columns.map((col) => quoteIdent(col.name)).join(', ');
    await c.query(`CREATE TEMP TABLE ${stage} (LIKE ${this.fq(w.table)}) ON COMMIT DROP`);
    const names = w.columns.map((col) => col.name);
    async function* lines(): AsyncGenerator<string> {
      for (let i = 0; i < rows.length; i += COPY_CHUNK_ROWS) {
        yield rows.slice(i, i + COPY_CHUNK_ROWS).map((r) => copyTextLine(names.map((name) => r[name]))).join('');
      }
    }
    await pipeline(Readable.from(lines()), c.query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`)));
    await c.query(`INSERT INTO ${this.fq(w.table)} AS t (${cols}) SELECT ${cols} FROM ${stage} ${onConflict()}`);
  }

  /** Multi-row INSERT … VALUES, as many rows per statement as the bind-parameter limit allows. */
  private async insertRows(c: PoolClient, w: TableWrite, rows: Record<string, unknown>[]): Promise<void> {
    const names = w.columns.map((col) => col.name);
    const cols = names.map(quoteIdent).join(', ');
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / names.length));
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => `(${names.map((name) => { params.push(pgText(r[name])); return `$${params.length}`; }).join(', ')})`);
      await c.query(`INSERT INTO ${this.fq(w.table)} AS t (${cols}) VALUES ${tuples.join(', ')} ${onConflict()}`, params);
    }
  }

  /** ACCESS EXCLUSIVE on a view (and so on the relations it reads), if it exists yet. */
  private async lockView(c: PoolClient, name: string): Promise<void> {
    const view = this.fq(name);
    await c.query(`DO $$ BEGIN IF to_regclass('${view}') IS NOT NULL THEN LOCK TABLE ${view} IN ACCESS EXCLUSIVE MODE; END IF; END $$`);
  }

  private async lockSchema(c: PoolClient): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ml-connector warehouse schema ${this.schema}`]);
  }

  private cacheKey(table: string): string {
    return `${this.schema}.${table}`;
  }

  private async transaction<T>(fn: (c: PoolClient) => Promise<T>, what: string): Promise<T> {
    let c: PoolClient;
    try {
      c = await this.pool.connect();
    } catch (err) {
      throw warehouseError(err, this.scrub, what);
    }
    let broken = false;
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL statement_timeout = ${Math.floor(this.statementTimeoutMs)}`);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => { broken = true; });
      throw warehouseError(err, this.scrub, what);
    } finally {
      // A client whose rollback failed is in an unknown state: it is dropped, not reused.
      c.release(broken);
    }
  }
}

/**
 * A version already present is not a second row. A version seen again later (a record that returned
 * to an earlier state, where the version is its content) moves its sync time forward so the latest
 * view picks it, as BigQuery's view picks the re-appended row.
 */
function onConflict(): string {
  return 'ON CONFLICT ("_version") DO UPDATE SET "_synced_at" = EXCLUDED."_synced_at", "_batch_id" = EXCLUDED."_batch_id" WHERE t."_synced_at" < EXCLUDED."_synced_at"';
}

/** What we leave on a view: which SQL made it, so an unchanged view is not replaced. */
function viewNote(sql: string): string {
  return `ml-connector ${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
}

/** The last row of each key: one statement may not touch a conflicting row twice. */
function uniqueBy(rows: Record<string, unknown>[], key: string): Record<string, unknown>[] {
  const byKey = new Map<unknown, Record<string, unknown>>();
  for (const r of rows) byKey.set(r[key], r);
  return byKey.size === rows.length ? rows : [...byKey.values()];
}
