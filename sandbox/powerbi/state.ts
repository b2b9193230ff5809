/**
 * All mutable state of the Power BI sandbox: service principals, issued tokens, push datasets and their
 * rows, queued faults, per-dataset throttling windows and counters. Route handlers are thin functions over
 * this object so tests can inspect and steer it directly.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalDataType, parseDatasetDefinition } from './definition';
import { DEFAULT_LIMITS, RollingWindow, type PowerBiLimits } from './limits';
import { FaultQueue } from '../kit/faults';

export type FaultScope = 'token' | 'rows' | 'api';

export interface FaultSpec {
  /** 'rows' = POST rows only, 'api' = any API route (rows included), 'token' = the token endpoint. */
  scope: FaultScope;
  status: number;
  /** Sent as Retry-After on 429/503 when given; omit it to exercise a client's own backoff. */
  retryAfterSec?: number;
  count: number;
  /** With scope 'rows': only posts to this table fail (one table of a batch refusing while the others take theirs). */
  table?: string;
}

export type Retention = 'None' | 'basicFIFO';

export interface PbiColumn {
  name: string;
  /** Canonical spelling (Int64, Double, Boolean, DateTime, String, Decimal) whatever the client sent. */
  dataType: string;
}

export interface PbiTable {
  name: string;
  columns: PbiColumn[];
  measures: unknown[];
  rows: Record<string, unknown>[];
  /** Rows of admitted requests still waiting out rowsLatencyMs; they count against retention caps. */
  pendingRows: number;
}

export interface PbiDataset {
  id: string;
  groupId: string;
  name: string;
  defaultMode: string;
  retention: Retention;
  configuredBy: string;
  createdAt: number;
  tables: Map<string, PbiTable>;
  relationships: unknown[];
  pending: number;
  postsLastMinute: RollingWindow;
  postsLastHour: RollingWindow;
  rowsLastHour: RollingWindow;
}

export interface IssuedToken {
  tenantId: string;
  clientId: string;
  expiresAtMs: number;
}

export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  workspaces: Set<string>;
}

export interface RowsPostedEvent {
  datasetId: string;
  table: string;
  rows: number;
  /** Clock time (the sandbox's `now`) at which the rows became visible. */
  at: number;
}

export interface PowerBiSandboxStats {
  tokensIssued: number;
  tokenRejections: number;
  unauthorizedRequests: number;
  /** Every POST rows request that got past authentication, whatever the outcome. */
  postRowsRequests: number;
  /** POST rows answered 429, by a limit or an injected fault. */
  postRowsRejected429: number;
  postRowsRejected400: number;
  maxPendingSeen: number;
  rowsPosted: number;
  rowsEvicted: number;
  datasetsCreated: number;
  faultsInjected: number;
  requests: Record<string, number>;
}

export interface DatasetSummary {
  id: string;
  groupId: string;
  name: string;
  defaultRetentionPolicy: Retention;
  createdAt: number;
  tables: { name: string; columns: PbiColumn[]; rowCount: number }[];
}

export class PowerBiSandboxState {
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Insertion order = creation order, which is also the order GET datasets lists them in. */
  readonly datasetMap = new Map<string, PbiDataset>();
  private readonly faults = new FaultQueue<FaultSpec>();
  readonly limits: PowerBiLimits;
  readonly stats: PowerBiSandboxStats = {
    tokensIssued: 0,
    tokenRejections: 0,
    unauthorizedRequests: 0,
    postRowsRequests: 0,
    postRowsRejected429: 0,
    postRowsRejected400: 0,
    maxPendingSeen: 0,
    rowsPosted: 0,
    rowsEvicted: 0,
    datasetsCreated: 0,
    faultsInjected: 0,
    requests: {},
  };
  onRowsPosted?: (e: RowsPostedEvent) => void;

  constructor(
    readonly now: () => number,
    public tokenTtlSec: number,
    public rowsLatencyMs: number,
    limits: Partial<PowerBiLimits>,
    /** When false, only the throttles (pending, per-minute, per-hour) are off; shape and retention rules stay. */
    public enforceLimits: boolean,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  registerServicePrincipal(sp: { tenantId: string; clientId: string; clientSecret: string; workspaces: string[] }): void {
    // Workspace ids are GUIDs, which Power BI compares case-insensitively; the sandbox keeps them lower-case.
    const workspaces = new Set(sp.workspaces.map((w) => w.toLowerCase()));
    this.servicePrincipals.set(spKey(sp.tenantId, sp.clientId), { ...sp, workspaces });
  }

  servicePrincipal(tenantId: string, clientId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(spKey(tenantId, clientId));
  }

  knowsTenant(tenantId: string): boolean {
    for (const sp of this.servicePrincipals.values()) if (sp.tenantId === tenantId) return true;
    return false;
  }

  /** A JWT-looking opaque token: clients must treat it as opaque, but it should look like the real thing in logs. */
  issueToken(tenantId: string, clientId: string): { token: string; expiresIn: number } {
    const iat = Math.floor(this.now() / 1000);
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'none' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({ aud: 'https://analysis.windows.net/powerbi/api', tid: tenantId, appid: clientId, iat, exp: iat + this.tokenTtlSec }),
    ).toString('base64url');
    const token = `${header}.${claims}.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { tenantId, clientId, expiresAtMs: this.now() + this.tokenTtlSec * 1000 });
    this.stats.tokensIssued++;
    return { token, expiresIn: this.tokenTtlSec };
  }

  /** Every token issued so far is now expired (kept, so the API answers TokenExpired rather than "unknown"). */
  expireTokens(): void {
    const past = this.now() - 1;
    for (const t of this.tokens.values()) t.expiresAtMs = Math.min(t.expiresAtMs, past);
  }

  injectFaults(faults: FaultSpec[]): void {
    this.faults.add(...faults);
  }

  /** Drops every queued fault: an outage made of a very large count ends here. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Takes the first queued fault among `scopes`, in that order of preference; `table` is the table a rows post is for. */
  takeFault(scopes: FaultScope[], table?: string): FaultSpec | undefined {
    for (const scope of scopes) {
      const fault = this.faults.take((f) => f.scope === scope && (f.table === undefined || f.table === table));
      if (!fault) continue;
      this.stats.faultsInjected++;
      return fault;
    }
    return undefined;
  }

  countRequest(op: string): void {
    this.stats.requests[op] = (this.stats.requests[op] ?? 0) + 1;
  }

  createDataset(init: {
    groupId: string;
    name: string;
    defaultMode: string;
    retention: Retention;
    configuredBy: string;
    tables: { name: string; columns: PbiColumn[]; measures: unknown[] }[];
    relationships: unknown[];
  }): PbiDataset {
    const ds: PbiDataset = {
      id: randomUUID(),
      groupId: init.groupId,
      name: init.name,
      defaultMode: init.defaultMode,
      retention: init.retention,
      configuredBy: init.configuredBy,
      createdAt: this.now(),
      tables: new Map(init.tables.map((t) => [t.name, { ...t, rows: [], pendingRows: 0 }])),
      relationships: init.relationships,
      pending: 0,
      postsLastMinute: new RollingWindow(60_000),
      postsLastHour: new RollingWindow(3_600_000),
      rowsLastHour: new RollingWindow(3_600_000),
    };
    this.datasetMap.set(ds.id, ds);
    this.stats.datasetsCreated++;
    return ds;
  }

  /**
   * Creates a dataset without going through HTTP, as if someone had made it by hand or with another tool
   * (schema-mismatch tests). The definition is validated like a POST would be; problems throw.
   */
  createDatasetDirect(
    groupId: string,
    definition: { name: string; defaultMode?: string; tables: unknown[]; relationships?: unknown[] },
    retention: Retention = 'None',
  ): { id: string; name: string } {
    const parsed = parseDatasetDefinition(definition, this.limits);
    if ('details' in parsed) throw new Error(`sandbox: invalid dataset definition: ${parsed.details.map((d) => d.message).join('; ')}`);
    const ds = this.createDataset({
      groupId: groupId.toLowerCase(),
      name: parsed.ok.name,
      defaultMode: parsed.ok.defaultMode,
      retention,
      configuredBy: 'someone@example.com',
      tables: parsed.ok.tables,
      relationships: parsed.ok.relationships,
    });
    return { id: ds.id, name: ds.name };
  }

  dataset(groupId: string, datasetId: string): PbiDataset | undefined {
    const ds = this.datasetMap.get(datasetId);
    return ds && ds.groupId === groupId ? ds : undefined;
  }

  datasets(groupId?: string): DatasetSummary[] {
    return [...this.datasetMap.values()]
      .filter((d) => groupId === undefined || d.groupId === groupId.toLowerCase())
      .map((d) => ({
        id: d.id,
        groupId: d.groupId,
        name: d.name,
        defaultRetentionPolicy: d.retention,
        createdAt: d.createdAt,
        tables: [...d.tables.values()].map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ ...c })), rowCount: t.rows.length })),
      }));
  }

  /** Rows stored in a table, oldest first; [] when the dataset or table does not exist. */
  rows(datasetId: string, table: string): Record<string, unknown>[] {
    return this.datasetMap.get(datasetId)?.tables.get(table)?.rows.slice() ?? [];
  }

  /** Like rows(), addressing the oldest dataset of that name, the one a find-by-name client should use. */
  rowsByName(groupId: string, datasetName: string, table: string): Record<string, unknown>[] {
    const ds = [...this.datasetMap.values()].find((d) => d.groupId === groupId.toLowerCase() && d.name === datasetName);
    return ds ? this.rows(ds.id, table) : [];
  }

  /** Edits a table's schema behind the client's back, as a person in the Power BI portal or another tool might. */
  alterTable(datasetId: string, tableName: string, columns: PbiColumn[]): void {
    const table = this.datasetMap.get(datasetId)?.tables.get(tableName);
    if (!table) throw new Error(`sandbox: no table ${tableName} in dataset ${datasetId}`);
    replaceColumns(table, columns.map((c) => ({ name: c.name, dataType: canonicalDataType(c.dataType) ?? c.dataType })));
  }

  /** Appends rows, applying the retention policy. Returns how many old rows were evicted. */
  appendRows(ds: PbiDataset, table: PbiTable, rows: Record<string, unknown>[]): number {
    for (const r of rows) table.rows.push(r);
    this.stats.rowsPosted += rows.length;
    let evicted = 0;
    if (ds.retention === 'basicFIFO' && table.rows.length > this.limits.fifoRows) {
      evicted = table.rows.length - this.limits.fifoRows;
      table.rows.splice(0, evicted);
      this.stats.rowsEvicted += evicted;
    }
    this.onRowsPosted?.({ datasetId: ds.id, table: table.name, rows: rows.length, at: this.now() });
    return evicted;
  }
}

/**
 * How the real service treats existing rows on a destructive schema change is undocumented (B3). The
 * sandbox keeps values of columns that survive with the same type and drops the rest, so a client that
 * relies on PutTable migrating data sees holes rather than silently correct results.
 */
export function replaceColumns(table: PbiTable, columns: PbiColumn[], measures?: unknown[]): void {
  const before = new Map(table.columns.map((c) => [c.name, c.dataType]));
  const kept = new Set(columns.filter((c) => before.get(c.name) === c.dataType).map((c) => c.name));
  table.columns = columns.map((c) => ({ ...c }));
  if (measures) table.measures = measures;
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (kept.has(k)) next[k] = v;
    table.rows[i] = next;
  }
}

function spKey(tenantId: string, clientId: string): string {
  return `${tenantId.toLowerCase()}/${clientId.toLowerCase()}`;
}
