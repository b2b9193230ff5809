import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { writeHyperFile, type HyperCsvTable } from '../../connectors/hyper';
import { sleep } from '../../connectors/http';
import {
  TableauApiError, TableauJobFailedError, TableauJobTimeoutError, TableauNotFoundError, TableauSignInError,
  type TableauAuth, type TableauJob, type TableauSession,
} from '../../connectors/tableau';
import type { ConnectionStore } from '../../db/connections';
import type { TableauJobRow } from '../../db/tableau';
import {
  TABLEAU_TABLE_NAMES, emptyDataSourceTables, payloadTables, rowsPerAction, tableauChanges, updateActions, type PayloadTable, type TableChanges, type TableauTableName,
} from '../../mapping/tableau';
import type { Destination, DestinationContext, RecordBatch } from '../types';
import { TableauCredentialStoppedError } from './errors';
import type { TableauDestinationConfig } from './input';
import type { TableauSessions } from './sessions';
import { stagedCsvLine } from './staged';

/**
 * Job polling (destinations.md C5; TSC polls 0.5 s ×1.4 up to 30 s): quicker, since a webhook waits on it.
 * At most 1 s apart for a job's first minute (up to 5 s apart it saw a 3 s job 1.2 s late), then 5 s.
 */
const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 5_000;
const POLL_MAX_EARLY_MS = 1_000;
const POLL_EARLY_FOR_MS = 60_000;
/** Past this the activity fails retryably; its retry polls the same job (the job id is in the audit row). */
const POLL_BUDGET_MS = 8 * 60_000;

/** `RequestID` of a batch: the same (connection, batch key) always gives the same id, so Tableau runs it once. */
export function requestIdOf(connectionId: string, batchKey: string, generation = 0): string {
  const base = `mlc-${createHash('sha256').update(`${connectionId}\n${batchKey}`).digest('hex').slice(0, 40)}`;
  return generation === 0 ? base : `${base}-r${generation}`;
}

/**
 * A Tableau published data source, live-to-Hyper, upserted in place. A connection's first sync is one
 * whole-file publish: until its first full run ends, every batch (backfill pages and webhook changes alike)
 * is staged in Postgres (db/tableau TableauStaging), and `finishFullRun` writes the nine tables into one
 * .hyper and publishes it with overwrite=true — a retry after a crash publishes the same staged rows again,
 * which repairs a half-done publish. After that every batch is one Update Data job: a payload .hyper of the
 * changed rows, uploaded, then PATCHed with a RequestID derived from the batch. The audit row of each
 * attempt keeps the upload session and job id, so a retry after a crash reuses both instead of running the
 * batch a second time. A job that finishes with finishCode 1 or 2 applied nothing (a job's actions are one
 * transaction), so only then is a new RequestID (`-r<n>`) minted.
 */
export class TableauDestination implements Destination {
  constructor(
    private readonly d: TableauDestinationConfig,
    private readonly ctx: DestinationContext,
    private readonly sessions: TableauSessions,
    private readonly session: TableauSession,
    private readonly connections: ConnectionStore,
  ) {}

  static async create(d: TableauDestinationConfig, ctx: DestinationContext, sessions: TableauSessions, connections: ConnectionStore): Promise<TableauDestination> {
    const c = await connections.get(ctx.connectionId);
    // No retry loop on a dead PAT: nothing is sent to Tableau until the user enters a new one.
    if (c?.status === 'destination_auth') throw new TableauCredentialStoppedError(`connection ${ctx.connectionId} waits for a new Tableau personal access token`);
    return new TableauDestination(d, ctx, sessions, await sessions.session(d), connections);
  }

  async prepare(): Promise<void> {
    if ((await this.target()).staging) this.sessions.env.mapping.warm();
  }

  async deliver(batch: RecordBatch): Promise<number> {
    const ctx = { ...batch.source, syncedAt: new Date().toISOString(), batchId: batch.batchKey };
    const target = await this.target();
    if (target.staging) {
      // The first sync's batches are mapped on the mapping thread, beside this thread's other work.
      const staged = await this.sessions.env.mapping.stage({ entity: batch.entity, records: batch.records, tombstones: batch.tombstones, ctx, ...(batch.versionTokens ? { versionTokens: batch.versionTokens } : {}) });
      if (staged.tables > 0) await this.sessions.env.staging.applySerialized(this.ctx.connectionId, staged.json);
      return staged.rows;
    }
    const changes = tableauChanges(batch.entity, batch.records, batch.tombstones, ctx, batch.versionTokens);
    if (changes.length === 0) return 0;
    return this.apply(batch.batchKey, changes, target.datasourceId);
  }

  /** The first sync's staged rows, published as one file (overwrite=true); nothing once it is published. */
  async finishFullRun(): Promise<void> {
    if (!(await this.target()).staging) return;
    const staging = this.sessions.env.staging;
    const staged = await staging.tables(this.ctx.connectionId);
    const tables: (HyperCsvTable & { rows: number })[] = emptyDataSourceTables().map((t) => {
      const rows = staged.get(t.name) ?? [];
      return { name: t.name, columns: t.columns, rows: rows.length, csvLines: rows.map((r) => stagedCsvLine(t.name as TableauTableName, r)) };
    });
    const ds = await this.publish(await this.projectId(), 'first-sync', tables);
    // A crash before this line publishes the same rows again on the retry; after it, Update Data takes over.
    await staging.markPublished(this.ctx.connectionId, ds.id);
    this.sessions.resolved(this.ctx.connectionId, this.d).datasourceId = ds.id;
  }

  /** Dimension snapshots are not used for Tableau (every table upserts by key); a call upserts the records. */
  async replaceSnapshot(entity: FreshBooksEntity, records: Record<string, unknown>[], batch: Omit<RecordBatch, 'entity' | 'records' | 'tombstones'>): Promise<number> {
    return this.deliver({ ...batch, entity, records, tombstones: [] });
  }

  /** Publishes the empty tables over the data source (overwrite=true); the full run that follows fills them. */
  async reset(): Promise<void> {
    const r = this.sessions.resolved(this.ctx.connectionId, this.d);
    r.datasourceId = (await this.publish(await this.projectId(), `reset:${randomUUID()}`, emptyDataSourceTables())).id;
    await this.sessions.env.staging.markPublished(this.ctx.connectionId, r.datasourceId);
  }

  /** The schema is ours and travels in the file: publishing the empty tables is the update. */
  async updateSchema(): Promise<string[]> {
    await this.reset();
    return [...TABLEAU_TABLE_NAMES];
  }

  // ---- Update Data -------------------------------------------------------------------------------

  private async apply(batchKey: string, changes: TableChanges[], datasourceId: string): Promise<number> {
    const rows = changes.reduce((n, c) => n + c.rows.length + c.deletes.length, 0);
    const audit = this.sessions.env.audit;
    const history = await audit.forBatch(this.ctx.connectionId, batchKey);
    if (history.some((h) => h.finishCode === 0)) return rows; // applied; the crash came before the ledger write
    const failed = new Set(history.filter((h) => h.finishCode !== null).map((h) => h.requestId)).size;
    const requestId = requestIdOf(this.ctx.connectionId, batchKey, failed);
    const earlier: TableauJobRow | undefined = history.find((h) => h.requestId === requestId);
    const attempt = await audit.begin(this.ctx.connectionId, {
      requestId, batchKey, action: 'update', uploadSessionId: earlier?.uploadSessionId ?? null, jobId: earlier?.jobId ?? null, rowsPerAction: rowsPerAction(changes),
    });
    const note = (patch: Parameters<typeof audit.update>[3]) => audit.update(this.ctx.connectionId, requestId, attempt, patch);
    try {
      let jobId = earlier?.jobId ?? undefined;
      if (!jobId) {
        let uploadSessionId = earlier?.uploadSessionId ?? undefined;
        if (!uploadSessionId) {
          const file = await this.writeFile(payloadTables(changes));
          uploadSessionId = await this.call((auth) => this.session.client.upload(auth, file));
          // Recorded only once every chunk is in: a retry never appends to a half-sent session.
          await note({ uploadSessionId });
        }
        const actions = updateActions(changes);
        const sessionId = uploadSessionId;
        jobId = await this.call((auth) => this.session.client.updateData(auth, { datasourceId, requestId, uploadSessionId: sessionId, actions }));
        await note({ jobId, patched: true });
      }
      const job = await this.waitForJob(jobId);
      await note({ finishCode: job.finishCode ?? 0, completed: true, ...(job.notes.length ? { notes: job.notes.join('; ') } : {}) });
      if ((job.finishCode ?? 0) !== 0) throw new TableauJobFailedError(jobId, job.finishCode ?? 1, job.notes);
      return rows;
    } catch (err) {
      await note({ error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
      throw err;
    }
  }

  private async waitForJob(jobId: string): Promise<TableauJob> {
    const began = Date.now();
    const giveUpAt = began + POLL_BUDGET_MS;
    let delay = POLL_FIRST_MS;
    for (;;) {
      const job = await this.call((auth) => this.session.client.getJob(auth, jobId));
      // finishCode is only final once completedAt is set (C5).
      if (job.completedAt) return job;
      if (Date.now() >= giveUpAt) throw new TableauJobTimeoutError(jobId);
      await sleep(delay);
      delay = Math.min(Date.now() - began < POLL_EARLY_FOR_MS ? POLL_MAX_EARLY_MS : POLL_MAX_MS, Math.round(delay * 1.5));
    }
  }

  // ---- resolution and publishing -----------------------------------------------------------------

  /**
   * Where this connection's batches go: staged for the first publish, or the published data source. Only
   * the latter is cached: a worker must not keep staging after another one published.
   */
  private async target(): Promise<{ staging: true } | { staging: false; datasourceId: string }> {
    const r = this.sessions.resolved(this.ctx.connectionId, this.d);
    if (r.datasourceId) return { staging: false, datasourceId: r.datasourceId };
    const staging = this.sessions.env.staging;
    const state = await staging.state(this.ctx.connectionId);
    if (state === 'staging') return { staging: true };
    const projectId = await this.projectId();
    const found = await this.call((auth) => this.session.client.findDatasource(auth, this.d.dataSourceName, projectId));
    if (found) {
      r.datasourceId = found.id;
      return { staging: false, datasourceId: found.id };
    }
    if (state === 'published') {
      // Deleted in Tableau since its first publish: the tables come back empty; a rebuild refills them.
      r.datasourceId = (await this.publish(projectId, 'prepare', emptyDataSourceTables())).id;
      return { staging: false, datasourceId: r.datasourceId };
    }
    await staging.startStaging(this.ctx.connectionId);
    return { staging: true };
  }

  private async projectId(): Promise<string> {
    const r = this.sessions.resolved(this.ctx.connectionId, this.d);
    if (r.projectId) return r.projectId;
    const found = await this.call((auth) => this.session.client.findProject(auth, this.d.project));
    // A project renamed or deleted since the connection was made: only a person can say where to publish.
    if (!found) throw new TableauApiError(409, 'project lookup', { summary: `project "${this.d.project}" no longer exists on the site` });
    r.projectId = found.id;
    return found.id;
  }

  /** The whole data source replaced by these tables (overwrite=true); the audit row counts rows per table. */
  private async publish(projectId: string, batchKey: string, tables: (PayloadTable | (HyperCsvTable & { rows: number }))[]): Promise<{ id: string }> {
    const audit = this.sessions.env.audit;
    const requestId = `publish-${randomUUID()}`;
    const count = (t: (typeof tables)[number]) => (typeof t.rows === 'number' ? t.rows : t.rows.length);
    const rowsPerTable = Object.fromEntries(tables.filter((t) => count(t) > 0).map((t) => [`publish ${t.name}`, count(t)]));
    const attempt = await audit.begin(this.ctx.connectionId, { requestId, batchKey, action: 'publish', uploadSessionId: null, jobId: null, rowsPerAction: rowsPerTable });
    try {
      const file = await this.writeFile(tables);
      const ds = await this.call((auth) => this.session.client.publishHyper(auth, { name: this.d.dataSourceName, projectId, file, filename: 'freshbooks.hyper' }));
      await audit.update(this.ctx.connectionId, requestId, attempt, { completed: true, finishCode: 0 });
      return ds;
    } catch (err) {
      await audit.update(this.ctx.connectionId, requestId, attempt, { error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
      throw err;
    }
  }

  private async writeFile(tables: (PayloadTable | HyperCsvTable)[]): Promise<Buffer> {
    const path = join(this.sessions.env.workDir, `tableau-${randomUUID()}.hyper`);
    try {
      await writeHyperFile(path, tables);
      return await readFile(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** One call (or a few) through the PAT's session; a dead PAT stops the connection, a 404 forgets the ids. */
  private async call<T>(fn: (auth: TableauAuth) => Promise<T>): Promise<T> {
    try {
      return await this.session.run(fn);
    } catch (err) {
      if (err instanceof TableauSignInError) {
        await this.connections.setStatus(this.ctx.connectionId, 'destination_auth', {
          destinationAuth: { detectedAt: new Date().toISOString(), message: err.message, fix: 'PUT /api/connections/:id/tableau-pat with a new patName and patSecret' },
        });
      }
      if (err instanceof TableauNotFoundError) this.sessions.forget(this.ctx.connectionId);
      throw err;
    }
  }
}
