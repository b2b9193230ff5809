import { randomUUID } from 'node:crypto';
import type { Db } from './pool';
import { inTransaction } from './transaction';

/** How long a PAT lease lasts without renewal: what a holder that died costs the next one, at most. */
const TTL_MS = 30_000;
const RETRY_MS = 100;

export interface PatLeaseTurn {
  signedInElsewhere: boolean;
  noteSignIn(): Promise<void>;
}

/**
 * Cross-process turns on a Tableau PAT (one session per PAT: destinations.md C1). A process holds the
 * row while it makes calls with the PAT, renewed while it does; the others wait. The holder is the
 * process (one per worker), not an activity: inside a process the session already runs calls one at a time.
 */
export class TableauPatLeases {
  readonly processId = `proc_${randomUUID()}`;

  constructor(private readonly db: Db, private readonly ttlMs = TTL_MS) {}

  async hold<T>(patKey: string, fn: (turn: PatLeaseTurn) => Promise<T>, waitMs = 10 * 60_000): Promise<T> {
    const giveUpAt = Date.now() + waitMs;
    let signedInBy: string | null | undefined;
    while ((signedInBy = await this.acquire(patKey)) === undefined) {
      if (Date.now() >= giveUpAt) throw new Error('another worker kept the Tableau PAT busy for too long');
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
    const timer = setInterval(() => void this.acquire(patKey).catch(() => undefined), Math.floor(this.ttlMs / 3));
    try {
      return await fn({
        signedInElsewhere: signedInBy !== null && signedInBy !== this.processId,
        noteSignIn: async () => {
          await this.db.query('UPDATE tableau_pat_leases SET signed_in_by = $2, sign_ins = sign_ins + 1 WHERE pat_key = $1', [patKey, this.processId]);
        },
      });
    } finally {
      clearInterval(timer);
      await this.db.query('UPDATE tableau_pat_leases SET holder = NULL, expires_at = NULL WHERE pat_key = $1 AND holder = $2', [patKey, this.processId]).catch(() => undefined);
    }
  }

  /** The lease's `signed_in_by` when this process now holds it; undefined when another does. */
  private async acquire(patKey: string): Promise<string | null | undefined> {
    const { rows } = await this.db.query<{ signed_in_by: string | null }>(
      `INSERT INTO tableau_pat_leases (pat_key, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (pat_key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE tableau_pat_leases.holder IS NULL OR tableau_pat_leases.holder = EXCLUDED.holder OR tableau_pat_leases.expires_at < now()
       RETURNING signed_in_by`,
      [patKey, this.processId, this.ttlMs]);
    return rows.length === 0 ? undefined : rows[0]!.signed_in_by;
  }

  /** Sign-ins made with a PAT through any process (tests and the audit read it). */
  async signIns(patKey: string): Promise<number> {
    const { rows } = await this.db.query<{ sign_ins: string }>('SELECT sign_ins FROM tableau_pat_leases WHERE pat_key = $1', [patKey]);
    return Number(rows[0]?.sign_ins ?? 0);
  }
}

export interface TableauJobRow {
  requestId: string;
  attempt: number;
  batchKey: string;
  action: 'publish' | 'update';
  uploadSessionId: string | null;
  jobId: string | null;
  finishCode: number | null;
  notes: string | null;
  rowsPerAction: Record<string, number>;
  error: string | null;
  startedAt: string;
  patchedAt: string | null;
  completedAt: string | null;
}

interface DbRow {
  request_id: string; attempt: number; batch_key: string; action: 'publish' | 'update'; upload_session_id: string | null; job_id: string | null;
  finish_code: number | null; notes: string | null; rows_per_action: Record<string, number>; error: string | null;
  started_at: Date; patched_at: Date | null; completed_at: Date | null;
}

/** The audit trail of a connection's Tableau publishes and Update Data jobs, one row per attempt. */
export class TableauJobAudit {
  constructor(private readonly db: Db) {}

  /** The latest attempt of a request, if any: a retry reuses its upload session and, once patched, its job. */
  async latest(connectionId: string, requestId: string): Promise<TableauJobRow | undefined> {
    const { rows } = await this.db.query<DbRow>(
      'SELECT * FROM tableau_jobs WHERE connection_id = $1 AND request_id = $2 ORDER BY attempt DESC LIMIT 1', [connectionId, requestId]);
    return rows[0] && toRow(rows[0]);
  }

  /** A new attempt row; returns its attempt number. */
  async begin(connectionId: string, r: { requestId: string; batchKey: string; action: 'publish' | 'update'; uploadSessionId: string | null; jobId: string | null; rowsPerAction: Record<string, number> }): Promise<number> {
    const { rows } = await this.db.query<{ attempt: number }>(
      `INSERT INTO tableau_jobs (connection_id, request_id, attempt, batch_key, action, upload_session_id, job_id, rows_per_action)
       SELECT $1, $2, COALESCE(MAX(attempt), 0) + 1, $3, $4, $5, $6, $7 FROM tableau_jobs WHERE connection_id = $1 AND request_id = $2
       RETURNING attempt`,
      [connectionId, r.requestId, r.batchKey, r.action, r.uploadSessionId, r.jobId, JSON.stringify(r.rowsPerAction)]);
    return rows[0]!.attempt;
  }

  /** Every attempt for a batch, newest first (a batch retried after a failed job has several request ids). */
  async forBatch(connectionId: string, batchKey: string): Promise<TableauJobRow[]> {
    const { rows } = await this.db.query<DbRow>(
      'SELECT * FROM tableau_jobs WHERE connection_id = $1 AND batch_key = $2 ORDER BY started_at DESC, attempt DESC', [connectionId, batchKey]);
    return rows.map(toRow);
  }

  async update(connectionId: string, requestId: string, attempt: number, patch: { uploadSessionId?: string; jobId?: string; patched?: boolean; finishCode?: number; notes?: string; error?: string; completed?: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE tableau_jobs SET
         upload_session_id = COALESCE($4, upload_session_id), job_id = COALESCE($5, job_id),
         patched_at = CASE WHEN $6 THEN now() ELSE patched_at END, finish_code = COALESCE($7, finish_code),
         notes = COALESCE($8, notes), error = COALESCE($9, error), completed_at = CASE WHEN $10 THEN now() ELSE completed_at END
       WHERE connection_id = $1 AND request_id = $2 AND attempt = $3`,
      [connectionId, requestId, attempt, patch.uploadSessionId ?? null, patch.jobId ?? null, patch.patched ?? false, patch.finishCode ?? null,
        patch.notes ?? null, patch.error ?? null, patch.completed ?? false]);
  }

  async list(connectionId: string, limit = 200): Promise<TableauJobRow[]> {
    const { rows } = await this.db.query<DbRow>('SELECT * FROM tableau_jobs WHERE connection_id = $1 ORDER BY started_at DESC, attempt DESC LIMIT $2', [connectionId, limit]);
    return rows.map(toRow);
  }
}

function toRow(r: DbRow): TableauJobRow {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    requestId: r.request_id, attempt: r.attempt, batchKey: r.batch_key, action: r.action, uploadSessionId: r.upload_session_id, jobId: r.job_id,
    finishCode: r.finish_code, notes: r.notes, rowsPerAction: r.rows_per_action, error: r.error,
    startedAt: r.started_at.toISOString(), patchedAt: iso(r.patched_at), completedAt: iso(r.completed_at),
  };
}

/**
 * A staged row: the row as an object (what workers before CSV staging wrote), or already as the CSV line
 * the publish's COPY reads, so the publish only replays keys and concatenates.
 */
export type StagedRow = Record<string, unknown> | string;

/** One table's part of a staged batch: rows by key, and what goes first (keys, and groups replaced whole). */
export interface StagedTableChanges {
  table: string;
  rows: { key: string; group: string | null; row: StagedRow }[];
  deleteKeys: string[];
  deleteGroups: string[];
}

/**
 * The first sync of a Tableau connection, staged in Postgres until it is published as one file. Each
 * batch is one row (its table changes as JSON text), appended under the publication row's lock, so the
 * batches' order is their commit order; the publish replays them in that order as Update Data would apply
 * them (groups, keys, then rows), so a retried batch leaves the same rows, and whatever the ledger records
 * as delivered is staged. One insert per batch instead of one jsonb upsert per row: the lock is held for
 * milliseconds, not the ~0.4 s a 1,000-invoice batch's ~4,000 upserts took while the other lanes waited.
 */
export class TableauStaging {
  constructor(private readonly db: Db) {}

  async state(connectionId: string): Promise<'staging' | 'published' | undefined> {
    const { rows } = await this.db.query<{ state: 'staging' | 'published' }>('SELECT state FROM tableau_publications WHERE connection_id = $1', [connectionId]);
    return rows[0]?.state;
  }

  async startStaging(connectionId: string): Promise<void> {
    await this.db.query("INSERT INTO tableau_publications (connection_id, state) VALUES ($1, 'staging') ON CONFLICT (connection_id) DO NOTHING", [connectionId]);
  }

  async apply(connectionId: string, tables: StagedTableChanges[]): Promise<void> {
    await this.applySerialized(connectionId, JSON.stringify(tables));
  }

  /** `apply` with the batch already serialized (JSON of StagedTableChanges[]), e.g. by a mapping thread. */
  async applySerialized(connectionId: string, changes: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      // Locked against markPublished (a batch staged after the publish would be counted delivered and never
      // sent), and against the other lanes' batches, so `seq` order is commit order.
      const { rows } = await tx.query<{ state: string }>('SELECT state FROM tableau_publications WHERE connection_id = $1 FOR UPDATE', [connectionId]);
      if (rows[0]?.state !== 'staging') throw new Error('the first publish is already done; the batch goes out as Update Data on retry');
      await tx.query('INSERT INTO tableau_staged_batches (connection_id, changes) VALUES ($1, $2)', [connectionId, changes]);
    });
  }

  /**
   * Every staged table's rows, in key order: rows an older worker staged one by one (tableau_staged_rows),
   * then each staged batch replayed in the order it was staged.
   */
  async tables(connectionId: string): Promise<Map<string, StagedRow[]>> {
    const byTable = new Map<string, StagedTable>();
    const table = (name: string) => {
      let t = byTable.get(name);
      if (!t) byTable.set(name, (t = new StagedTable()));
      return t;
    };
    const legacy = await this.db.query<{ table_name: string; row_key: string; group_key: string | null; row: Record<string, unknown> }>(
      'SELECT table_name, row_key, group_key, row FROM tableau_staged_rows WHERE connection_id = $1', [connectionId]);
    for (const r of legacy.rows) table(r.table_name).upsert({ key: r.row_key, group: r.group_key, row: r.row });
    const batches = await this.db.query<{ changes: string }>('SELECT changes FROM tableau_staged_batches WHERE connection_id = $1 ORDER BY seq', [connectionId]);
    for (const b of batches.rows) {
      for (const t of JSON.parse(b.changes) as StagedTableChanges[]) table(t.table).apply(t);
    }
    return new Map([...byTable].map(([name, t]) => [name, t.sorted()]));
  }

  /** After the publish: Update Data from now on, and the staged batches are dropped with the same commit. */
  async markPublished(connectionId: string, datasourceId: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await tx.query(
        `INSERT INTO tableau_publications (connection_id, state, datasource_id) VALUES ($1, 'published', $2)
         ON CONFLICT (connection_id) DO UPDATE SET state = 'published', datasource_id = $2, updated_at = now()`, [connectionId, datasourceId]);
      await tx.query('DELETE FROM tableau_staged_batches WHERE connection_id = $1', [connectionId]);
      await tx.query('DELETE FROM tableau_staged_rows WHERE connection_id = $1', [connectionId]);
    });
  }
}

/** One table's staged rows by key, with the keys of each group, replayed as Update Data would apply a batch. */
class StagedTable {
  private readonly rows = new Map<string, { group: string | null; row: StagedRow }>();
  private readonly groups = new Map<string, Set<string>>();

  apply(t: StagedTableChanges): void {
    for (const g of t.deleteGroups) {
      for (const k of this.groups.get(g) ?? []) this.rows.delete(k);
      this.groups.delete(g);
    }
    for (const k of t.deleteKeys) this.remove(k);
    for (const r of t.rows) this.upsert(r);
  }

  upsert(r: { key: string; group: string | null; row: StagedRow }): void {
    this.remove(r.key);
    this.rows.set(r.key, { group: r.group, row: r.row });
    if (r.group !== null) {
      let keys = this.groups.get(r.group);
      if (!keys) this.groups.set(r.group, (keys = new Set()));
      keys.add(r.key);
    }
  }

  sorted(): StagedRow[] {
    return [...this.rows.keys()].sort().map((k) => this.rows.get(k)!.row);
  }

  private remove(key: string): void {
    const had = this.rows.get(key);
    if (!had) return;
    this.rows.delete(key);
    if (had.group !== null) this.groups.get(had.group)?.delete(key);
  }
}
