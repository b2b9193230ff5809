/**
 * All mutable state of the Google sandbox: registered service accounts, issued tokens, datasets,
 * tables, rows, jobs, queued faults and counters. Handlers are thin functions over this object so
 * tests can inspect and steer it directly (state.rows(), state.injectFaults(), state.stats).
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { SandboxField } from './value-check';
import { FaultQueue } from '../kit/faults';

export type FaultScope = 'bigquery' | 'token' | 'insertAll' | 'load' | 'jobs.get' | 'tables' | 'datasets';

export interface FaultSpec {
  /** How many matching calls fail. */
  count: number;
  status: 403 | 429 | 500 | 502 | 503 | 504;
  /** errors[].reason; defaults: 429/403 → rateLimitExceeded, 5xx → backendError. */
  reason?: string;
  retryAfterSec?: number;
  /** Which calls the fault applies to; "bigquery" = every BigQuery REST call. Default "bigquery". */
  scope?: FaultScope;
  /**
   * "before" (default): fail without side effects. "after": perform the call, then answer with the
   * fault — a lost response, the case where deterministic jobIds / insertIds earn their keep.
   * "torn" (load uploads only): the upload breaks off after its job was registered and before its
   * data was read, as on a server that commits the job first (the goccy emulator): the job stays,
   * DONE with no rows, and the call answers with the fault.
   */
  when?: 'before' | 'after' | 'torn';
}

export interface SandboxTable {
  projectId: string;
  datasetId: string;
  tableId: string;
  type: 'TABLE' | 'VIEW';
  fields: SandboxField[];
  /** Lower-cased name → field: BigQuery column names are case-insensitive. */
  fieldIndex: Map<string, SandboxField>;
  rows: Record<string, unknown>[];
  /** insertId → time (ms) last accepted, for best-effort dedup within the window. */
  insertIds: Map<string, number>;
  description?: string;
  clustering?: { fields: string[] };
  view?: { query: string; useLegacySql: boolean };
  etagCounter: number;
  creationTime: number;
  lastModifiedTime: number;
}

export interface SandboxDataset {
  projectId: string;
  datasetId: string;
  location: string;
  creationTime: number;
  tables: Map<string, SandboxTable>;
}

export interface SandboxJob {
  projectId: string;
  jobId: string;
  location: string;
  configuration: Record<string, unknown>;
  state: 'PENDING' | 'RUNNING' | 'DONE';
  /** jobs.get calls still answering RUNNING before the job completes. */
  pendingPolls: number;
  /** Applies the job's effect; run once when the job turns DONE. */
  complete?: () => void;
  errorResult?: { reason: string; message: string; location?: string };
  errors?: Array<{ reason: string; message: string; location?: string }>;
  statistics: Record<string, unknown>;
}

export interface IssuedToken {
  clientEmail: string;
  scopes: string[];
  expiresAtMs: number;
}

export interface SandboxStats {
  tokenExchanges: number;
  tokenRejections: number;
  unauthorizedRequests: number;
  requests: Record<string, number>;
  faultsInjected: number;
  duplicateJobInserts: number;
  dedupedInsertIds: number;
  rowsInserted: number;
  rowsLoaded: number;
}

export function fieldIndexOf(fields: SandboxField[]): Map<string, SandboxField> {
  return new Map(fields.map((f) => [f.name.toLowerCase(), f]));
}

export class GoogleSandboxState {
  readonly serviceAccounts = new Map<string, KeyObject[]>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly datasets = new Map<string, SandboxDataset>();
  readonly jobs = new Map<string, SandboxJob>();
  private readonly faults = new FaultQueue<FaultSpec>();
  /** Decoded header and claims of the last assertion presented to /token (for tests asserting JWT contents). */
  lastAssertion: { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined;
  readonly stats: SandboxStats = {
    tokenExchanges: 0,
    tokenRejections: 0,
    unauthorizedRequests: 0,
    requests: {},
    faultsInjected: 0,
    duplicateJobInserts: 0,
    dedupedInsertIds: 0,
    rowsInserted: 0,
    rowsLoaded: 0,
  };

  constructor(
    readonly now: () => number,
    public tokenTtlSec: number,
    public insertIdWindowMs: number,
    /** Every new load job answers RUNNING for this many jobs.get calls (exercises client polling). */
    public jobPendingPolls: number,
    public requireAuth: boolean,
  ) {}

  registerServiceAccount(clientEmail: string, publicKeyPem: string): void {
    const keys = this.serviceAccounts.get(clientEmail) ?? [];
    keys.push(createPublicKey(publicKeyPem));
    this.serviceAccounts.set(clientEmail, keys);
  }

  issueToken(clientEmail: string, scopes: string[]): { token: string; expiresIn: number } {
    const token = `ya29.sandbox-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { clientEmail, scopes, expiresAtMs: this.now() + this.tokenTtlSec * 1000 });
    return { token, expiresIn: this.tokenTtlSec };
  }

  /** Invalidates every issued token (simulates revocation; clients should re-exchange after a 401). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  injectFaults(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Takes the next queued fault matching this call, if any. */
  takeFault(scope: FaultScope, when: NonNullable<FaultSpec['when']>): FaultSpec | undefined {
    const fault = this.faults.take((f) =>
      (f.when ?? 'before') === when && ((f.scope ?? 'bigquery') === scope || ((f.scope ?? 'bigquery') === 'bigquery' && scope !== 'token')));
    if (fault) this.stats.faultsInjected++;
    return fault;
  }

  countRequest(op: string): void {
    this.stats.requests[op] = (this.stats.requests[op] ?? 0) + 1;
  }

  dataset(projectId: string, datasetId: string): SandboxDataset | undefined {
    return this.datasets.get(`${projectId}:${datasetId}`);
  }

  /** Rows that landed in a table (any project when projectId is omitted); [] when the table does not exist. */
  rows(datasetId: string, tableId: string, projectId?: string): readonly Record<string, unknown>[] {
    return this.findTable(datasetId, tableId, projectId)?.rows ?? [];
  }

  findTable(datasetId: string, tableId: string, projectId?: string): SandboxTable | undefined {
    if (projectId) return this.dataset(projectId, datasetId)?.tables.get(tableId);
    for (const ds of this.datasets.values()) {
      if (ds.datasetId === datasetId) {
        const t = ds.tables.get(tableId);
        if (t) return t;
      }
    }
    return undefined;
  }

  job(jobId: string, projectId?: string): SandboxJob | undefined {
    if (projectId) return this.jobs.get(`${projectId}:${jobId}`);
    for (const j of this.jobs.values()) if (j.jobId === jobId) return j;
    return undefined;
  }

  /** Forget insertIds older than the dedup window (called opportunistically, not on every insert). */
  pruneInsertIds(table: SandboxTable): void {
    const cutoff = this.now() - this.insertIdWindowMs;
    for (const [id, at] of table.insertIds) if (at < cutoff) table.insertIds.delete(id);
  }
}
