import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { PowerBiClient, PowerBiRequestError, PowerBiTokenProvider, type DatasetPacing } from '../../connectors/powerbi';
import type { CredentialStore, PowerBiServicePrincipalSecret } from '../../db/credentials';
import type { PowerBiPartialPosts } from '../../db/powerbi-partial-posts';
import { untilPostgresAnswers } from '../../db/unreachable';
import {
  POWERBI_CORE_TABLE_KEYS, POWERBI_TABLES, compareSchema, datasetDefinition, describeMismatch, expectedTables, mapToPowerBi, powerBiTablesFor, tombstoneFor,
  type PowerBiRow, type PowerBiTableKey,
} from '../../mapping/powerbi';
import { SchemaMismatchError } from '../errors';
import type { Destination, RecordBatch } from '../types';

export interface PowerBiDestinationConfig {
  type: 'powerbi';
  tenantId: string;
  clientId: string;
  /** The workspace (group) id: a service principal has no My workspace, so every route is /groups/{id}/…. */
  workspaceId: string;
  datasetName: string;
  retentionPolicy: 'None' | 'basicFIFO';
  /** The service principal's client secret, sealed in `credentials`. */
  credentialId: string;
}

export interface PowerBiEnvironment {
  authorityUrl: string;
  apiBase: string;
  credentials: CredentialStore;
  /** One per process, drawing on limits every worker shares: Power BI's are per dataset, whoever posts. */
  pacer: DatasetPacing;
}

/**
 * Clients and dataset ids that outlive one activity: a token lasts an hour and a dataset id never
 * changes, so neither is fetched per call.
 */
export class PowerBiSessions {
  private readonly tokens = new Map<string, { version: number; provider: PowerBiTokenProvider }>();
  private readonly datasetIds = new Map<string, string>();

  constructor(private readonly env: PowerBiEnvironment) {}

  async client(d: PowerBiDestinationConfig): Promise<PowerBiClient> {
    const cred = await this.env.credentials.get<PowerBiServicePrincipalSecret>(d.credentialId);
    if (!cred) throw new Error(`Power BI credential ${d.credentialId} not found`);
    let entry = this.tokens.get(d.credentialId);
    if (!entry || entry.version !== cred.version) {
      entry = {
        version: cred.version,
        provider: new PowerBiTokenProvider({ authorityUrl: this.env.authorityUrl, tenantId: d.tenantId, clientId: d.clientId, clientSecret: cred.secret.clientSecret }),
      };
      this.tokens.set(d.credentialId, entry);
    }
    return new PowerBiClient({ apiBase: this.env.apiBase, groupId: d.workspaceId, tokens: entry.provider, pacer: this.env.pacer });
  }

  datasetId(d: PowerBiDestinationConfig): string | undefined {
    return this.datasetIds.get(datasetKey(d));
  }

  rememberDataset(d: PowerBiDestinationConfig, id: string | undefined): void {
    if (id) this.datasetIds.set(datasetKey(d), id);
    else this.datasetIds.delete(datasetKey(d));
  }
}

const datasetKey = (d: PowerBiDestinationConfig) => `${d.workspaceId}/${d.datasetName}`;

/**
 * Power BI push dataset. Rows are appended, never updated (push datasets have no upsert or delete by
 * key), so fact tables receive one row per record version, each with TransactionId and Version, and
 * reports keep the latest; clients and the chart of accounts are replaced whole as dimension tables.
 */
export class PowerBiDestination implements Destination {
  constructor(
    private readonly d: PowerBiDestinationConfig, private readonly api: PowerBiClient, private readonly sessions: PowerBiSessions,
    private readonly partial: PowerBiPartialPosts,
  ) {}

  static async create(d: PowerBiDestinationConfig, sessions: PowerBiSessions, partial: PowerBiPartialPosts): Promise<PowerBiDestination> {
    return new PowerBiDestination(d, await sessions.client(d), sessions, partial);
  }

  /** Looks the dataset up by name (creating one only when none exists) and checks its tables. */
  async prepare(): Promise<void> {
    const datasetId = await this.datasetId();
    const mismatches = compareSchema(undefined, await this.api.getTables(datasetId));
    if (mismatches.length > 0) throw new SchemaMismatchError(`Power BI dataset "${this.d.datasetName}" does not match: ${describeMismatch(mismatches)}`, mismatches);
  }

  async deliver(batch: RecordBatch): Promise<number> {
    await this.ensureOptInTables(batch.entity);
    const ctx = { ...batch.source, syncedAt: new Date().toISOString(), batchId: batch.batchKey };
    const rows: PowerBiRow[] = [
      ...batch.records.flatMap((r) => mapToPowerBi(batch.entity, r, ctx)),
      ...batch.tombstones.flatMap((t) => tombstoneFor(batch.entity, t.recordId, { ...ctx, deletedAt: t.deletedAt })),
    ];
    return this.post(rows, batch.batchKey);
  }

  async replaceSnapshot(entity: FreshBooksEntity, records: Record<string, unknown>[], batch: Omit<RecordBatch, 'entity' | 'records' | 'tombstones'>): Promise<number> {
    const ctx = { ...batch.source, syncedAt: new Date().toISOString(), batchId: batch.batchKey };
    await this.ensureOptInTables(entity);
    const rows = records.flatMap((r) => mapToPowerBi(entity, r, ctx));
    const datasetId = await this.datasetId();
    // Delete-all then re-post: readers briefly see a partial table, the price of one row per key.
    for (const table of powerBiTablesFor(entity)) await this.api.deleteRows(datasetId, table.name);
    return this.post(rows);
  }

  async reset(): Promise<void> {
    const datasetId = await this.datasetId();
    for (const table of expectedTables(await this.api.getTables(datasetId))) await this.api.deleteRows(datasetId, table.name);
    // Every batch is sent again after a reset, the tables that had one's rows included.
    await this.partial.forgetDataset(datasetId);
  }

  async updateSchema(): Promise<string[]> {
    const datasetId = await this.datasetId();
    const mismatches = compareSchema(undefined, await this.api.getTables(datasetId));
    for (const m of mismatches) {
      const spec = POWERBI_TABLES[m.table as PowerBiTableKey];
      await this.api.putTable(datasetId, { name: spec.name, columns: spec.columns.map((c) => ({ name: c.name, dataType: c.dataType })) });
    }
    return mismatches.map((m) => m.table);
  }

  /**
   * An opt-in entity's tables (ledger, time tracking) are added to a dataset that predates them, on its first
   * delivery: adding a table leaves the others' rows alone. One that exists is left to the schema check.
   * Datasets created since these tables exist have them from the start. [unverified] that PutTable adds a
   * table missing from a push dataset (the docs say it "updates" one; the Power BI sandbox answers 404), so a
   * refusal here surfaces as the entity's delivery error rather than a silent skip.
   */
  private async ensureOptInTables(entity: FreshBooksEntity): Promise<void> {
    const wanted = powerBiTablesFor(entity).filter((t) => !POWERBI_CORE_TABLE_KEYS.includes(t.name));
    if (wanted.length === 0) return;
    const datasetId = await this.datasetId();
    const present = new Set((await this.api.getTables(datasetId)).map((t) => t.name));
    for (const spec of wanted) {
      if (!present.has(spec.name)) await this.api.putTable(datasetId, { name: spec.name, columns: spec.columns.map((c) => ({ name: c.name, dataType: c.dataType })) });
    }
  }

  /**
   * `batchKey` names a batch the ledger tracks: if some of its tables took their rows and another refused them,
   * the retry (same records, same key) posts only to the rest, since Power BI would keep the rows twice.
   */
  private async post(rows: PowerBiRow[], batchKey?: string): Promise<number> {
    const byTable = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) {
      const list = byTable.get(r.table);
      if (list) list.push(r.row);
      else byTable.set(r.table, [r.row]);
    }
    const datasetId = await this.datasetId();
    const tracked = batchKey !== undefined && byTable.size > 1 ? batchKey : undefined;
    const done = tracked ? await this.partial.posted(datasetId, tracked) : new Set<string>();
    const todo = [...byTable].filter(([table]) => !done.has(table));
    // Tables are independent (order matters only within one), so they go out together: a webhook's
    // invoice and its lines arrive in one round trip, and the pacer still caps what is pending.
    const results = await Promise.allSettled(todo.map(([table, tableRows]) => this.api.postRows(datasetId, table, tableRows)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) {
      if (tracked) {
        const posted = todo.filter((_, i) => results[i]!.status === 'fulfilled').map(([table]) => table);
        await untilPostgresAnswers(() => this.partial.note(datasetId, tracked, posted));
      }
      // A rejected post is usually someone having changed the table since we checked it: say so
      // (Power BI stores nothing of a rejected request), rather than retrying the same rejection.
      const err: unknown = rejected.reason;
      if (err instanceof PowerBiRequestError && (err.status === 400 || err.status === 404)) {
        this.sessions.rememberDataset(this.d, undefined);
        await this.prepare();
      }
      throw err;
    }
    if (tracked && done.size > 0) await this.partial.forget(datasetId, tracked);
    return rows.length;
  }

  private async datasetId(): Promise<string> {
    const known = this.sessions.datasetId(this.d);
    if (known) return known;
    // Look-up-before-create (and the client's own check for a racing creator): a second push dataset of
    // the same name is never made, since Power BI happily allows duplicates.
    const { dataset } = await this.api.ensureDataset(datasetDefinition(this.d.datasetName), this.d.retentionPolicy);
    this.sessions.rememberDataset(this.d, dataset.id);
    return dataset.id;
  }
}
