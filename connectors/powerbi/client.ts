/**
 * Power BI push-dataset REST client (destinations.md B3–B7) with the whole retry policy: 401 → new token,
 * retry once; 429 → honour Retry-After up to a total wait; 5xx/network → jittered backoff; 400/404 →
 * a non-retryable error carrying the server's text and RequestId.
 *
 * Only `/groups/{groupId}/…` routes: a service principal has no My workspace (B2, B7-1).
 */
import { backoffDelay } from '../../common/backoff';
import type { PowerBiColumn } from '../../common/powerbi-columns';
import type { DatasetPacing } from './pacer';
import {
  PowerBiRateLimitedError,
  PowerBiRequestError,
  PowerBiUnavailableError,
  parsePowerBiError,
  redact,
} from './errors';
import { HttpNetworkError, headerValue, parseRetryAfterMs, sendHttp, sleep as realSleep, trimBase, type HttpReply } from '../http';

/** The documented per-request cap (B4); the client never sends more. */
export const MAX_ROWS_PER_REQUEST = 10_000;

export interface PowerBiTokenSource {
  token(): Promise<string>;
  /** Called with the token the API refused; a source that ignores the argument just drops its cache. */
  invalidate(staleToken?: string): void;
}

export type { PowerBiColumn, PowerBiDataType } from '../../common/powerbi-columns';
export type PowerBiRetention = 'None' | 'basicFIFO';

export interface PowerBiMeasure {
  name: string;
  expression: string;
  formatString?: string;
  isHidden?: boolean;
}

export interface PowerBiTableDefinition {
  name: string;
  columns: PowerBiColumn[];
  measures?: PowerBiMeasure[];
}

export interface PowerBiRelationship {
  name: string;
  fromTable: string;
  fromColumn: string;
  toTable: string;
  toColumn: string;
  crossFilteringBehavior?: 'OneDirection' | 'BothDirections' | 'Automatic';
}

export interface PowerBiDatasetDefinition {
  name: string;
  tables: PowerBiTableDefinition[];
  relationships?: PowerBiRelationship[];
}

export interface PowerBiDataset {
  id: string;
  name: string;
  addRowsAPIEnabled?: boolean;
  configuredBy?: string;
  createdDate?: string;
  defaultRetentionPolicy?: string;
  webUrl?: string;
}

export interface PowerBiTableInfo {
  name: string;
  /**
   * Absent when the service lists names only (whether it sends columns is unverified). Types as the
   * service spells them (the docs' sample writes `bool`), so plain text rather than PowerBiDataType.
   */
  columns?: { name: string; dataType: string }[];
}

export interface PowerBiRequestEvent {
  method: string;
  /** Path below apiBase, e.g. /groups/{g}/datasets/{d}/tables/Invoices/rows. */
  path: string;
  /** Undefined when the request failed below HTTP. */
  status?: number;
  attempt: number;
  durationMs: number;
  requestId?: string;
  rows?: number;
}

export interface PowerBiClientOptions {
  /** https://api.powerbi.com/v1.0/myorg, or the sandbox's apiBase. */
  apiBase: string;
  groupId: string;
  tokens: PowerBiTokenSource;
  /** Share one per process; without it only the service's 429s pace POST rows. */
  pacer?: DatasetPacing;
  /** Attempts per call for 5xx/network failures, the first included. */
  maxAttempts?: number;
  /** Total time one call may spend waiting out 429s before giving up with PowerBiRateLimitedError. */
  maxRetryWaitMs?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  /** Chunk size for postRows, at most 10,000. */
  rowsPerRequest?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRequest?: (e: PowerBiRequestEvent) => void;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** POST rows go through the pacer under this dataset id. */
  paceKey?: string;
  /**
   * False for calls whose lost response may still have taken effect and whose repetition does lasting
   * harm (creating a dataset makes a same-name duplicate): 5xx/network then fail at once.
   */
  retryTransient?: boolean;
  rows?: number;
}

export class PowerBiClient {
  private readonly apiBase: string;
  private readonly groupPath: string;
  private readonly tokens: PowerBiTokenSource;
  private readonly pacer: DatasetPacing | undefined;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;
  private readonly rowsPerRequest: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onRequest: ((e: PowerBiRequestEvent) => void) | undefined;

  constructor(opts: PowerBiClientOptions) {
    this.apiBase = trimBase(opts.apiBase);
    this.groupPath = `/groups/${encodeURIComponent(opts.groupId)}`;
    this.tokens = opts.tokens;
    this.pacer = opts.pacer;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 120_000;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.rowsPerRequest = Math.min(MAX_ROWS_PER_REQUEST, Math.max(1, opts.rowsPerRequest ?? MAX_ROWS_PER_REQUEST));
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.onRequest = opts.onRequest;
  }

  // ── datasets ──────────────────────────────────────────────────────────────

  async listDatasets(): Promise<PowerBiDataset[]> {
    const reply = await this.call({ method: 'GET', path: `${this.groupPath}/datasets` });
    return valueArray<PowerBiDataset>(reply);
  }

  /**
   * The dataset a sync should write to, by exact name. Creating twice makes same-name duplicates (B7-2);
   * when that has happened the oldest push dataset wins and `duplicates` says how many others exist, so
   * the caller can report them for a person to clean up.
   */
  async findDatasetByName(name: string): Promise<(PowerBiDataset & { duplicates: number }) | undefined> {
    const matches = (await this.listDatasets()).filter((d) => d.name === name);
    if (matches.length === 0) return undefined;
    const push = matches.filter((d) => d.addRowsAPIEnabled !== false);
    const pick = oldest(push.length > 0 ? push : matches);
    return { ...pick, duplicates: matches.length - 1 };
  }

  async createDataset(definition: PowerBiDatasetDefinition, retention: PowerBiRetention): Promise<PowerBiDataset> {
    const reply = await this.call({
      method: 'POST',
      path: `${this.groupPath}/datasets?defaultRetentionPolicy=${retention}`,
      body: {
        name: definition.name,
        defaultMode: 'Push',
        tables: definition.tables.map(tableBody),
        ...(definition.relationships ? { relationships: definition.relationships } : {}),
      },
      retryTransient: false,
    });
    const created = parseJson(reply) as Partial<PowerBiDataset> | undefined;
    if (!created || typeof created.id !== 'string') {
      throw new PowerBiUnavailableError(`Power BI created dataset "${definition.name}" but sent no id${requestIdSuffix(reply)}`, reply.status, requestIdOf(reply));
    }
    return { addRowsAPIEnabled: true, ...created, id: created.id, name: created.name ?? definition.name };
  }

  /**
   * Find by name, else create. A create whose reply was lost may still have happened, so transient
   * failures lead back to the lookup rather than to a blind second create. Two workers racing here can
   * both create; each then sees both, keeps the oldest and deletes its own newer copy.
   */
  async ensureDataset(
    definition: PowerBiDatasetDefinition,
    retention: PowerBiRetention,
  ): Promise<{ dataset: PowerBiDataset; created: boolean; duplicates: number }> {
    for (let attempt = 1; ; attempt++) {
      const found = await this.findDatasetByName(definition.name);
      if (found) {
        const { duplicates, ...dataset } = found;
        if (dataset.addRowsAPIEnabled === false) {
          throw new PowerBiRequestError({
            status: 409,
            code: 'NotPushDataset',
            message: `Power BI workspace already has a dataset named "${definition.name}" (${dataset.id}) that is not a push dataset; rename one of them`,
          });
        }
        return { dataset, created: false, duplicates };
      }
      let created: PowerBiDataset;
      try {
        created = await this.createDataset(definition, retention);
      } catch (err) {
        if (!(err instanceof PowerBiUnavailableError) || attempt >= this.maxAttempts) throw err;
        await this.sleep(backoffDelay(attempt - 1, { baseMs: this.retryBaseMs, maxMs: 30_000, jitter: 'equal' }, this.random));
        continue;
      }
      const winner = await this.findDatasetByName(definition.name);
      if (winner && winner.id !== created.id && winner.addRowsAPIEnabled !== false) {
        await this.deleteDataset(created.id).catch(() => undefined);
        const { duplicates, ...dataset } = winner;
        return { dataset, created: false, duplicates: Math.max(0, duplicates - 1) };
      }
      return { dataset: created, created: true, duplicates: winner ? winner.duplicates : 0 };
    }
  }

  async deleteDataset(datasetId: string): Promise<void> {
    await this.call({ method: 'DELETE', path: this.datasetPath(datasetId) });
  }

  // ── tables ────────────────────────────────────────────────────────────────

  async getTables(datasetId: string): Promise<PowerBiTableInfo[]> {
    const reply = await this.call({ method: 'GET', path: `${this.datasetPath(datasetId)}/tables` });
    return valueArray<PowerBiTableInfo>(reply).map((t) =>
      Array.isArray(t.columns) ? { name: t.name, columns: t.columns.map((c) => ({ name: c.name, dataType: c.dataType })) } : { name: t.name },
    );
  }

  /** Replaces a table's schema. What happens to existing rows is undocumented (B3): plan deleteRows + a full re-push. */
  async putTable(datasetId: string, table: PowerBiTableDefinition): Promise<void> {
    await this.call({ method: 'PUT', path: this.tablePath(datasetId, table.name), body: tableBody(table) });
  }

  // ── rows ──────────────────────────────────────────────────────────────────

  /**
   * Appends rows in chunks of at most 10,000, one after another so they land in order, each through the
   * pacer. Push datasets have no idempotency key (B6): a 5xx or network failure after the service stored
   * a chunk makes the retry a duplicate, which only a later full replace (deleteRows + re-push) repairs.
   */
  async postRows(datasetId: string, table: string, rows: readonly Record<string, unknown>[]): Promise<{ requests: number }> {
    let requests = 0;
    for (let start = 0; start < rows.length; start += this.rowsPerRequest) {
      const chunk = rows.slice(start, start + this.rowsPerRequest);
      await this.call({ method: 'POST', path: `${this.tablePath(datasetId, table)}/rows`, body: { rows: chunk }, paceKey: datasetId, rows: chunk.length });
      requests++;
    }
    return { requests };
  }

  /** Deletes every row of the table; the API has no filter (B3). */
  async deleteRows(datasetId: string, table: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `${this.tablePath(datasetId, table)}/rows` });
  }

  // ── transport ─────────────────────────────────────────────────────────────

  private datasetPath(datasetId: string): string {
    return `${this.groupPath}/datasets/${encodeURIComponent(datasetId)}`;
  }

  private tablePath(datasetId: string, table: string): string {
    return `${this.datasetPath(datasetId)}/tables/${encodeURIComponent(table)}`;
  }

  private async call(c: Call): Promise<HttpReply> {
    const body = c.body === undefined ? undefined : JSON.stringify(c.body);
    const label = `${c.method} ${c.path.split('?')[0]}`;
    let renewedToken = false;
    let failures = 0;
    let rateLimitWaitedMs = 0;
    let rateLimitHits = 0;

    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.token();
      const release = c.paceKey !== undefined && this.pacer ? await this.pacer.acquire(c.paceKey, c.rows) : undefined;
      const startedAt = Date.now();
      let reply: HttpReply;
      try {
        reply = await sendHttp({
          method: c.method,
          url: `${this.apiBase}${c.path}`,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          },
          ...(body !== undefined ? { body } : {}),
          timeoutMs: this.timeoutMs,
        });
      } catch (err) {
        if (!(err instanceof HttpNetworkError)) throw err;
        this.report(c, attempt, startedAt);
        failures++;
        if (c.retryTransient === false || failures >= this.maxAttempts) {
          throw new PowerBiUnavailableError(`Power BI ${label} failed after ${failures} attempt(s): ${err.message}`);
        }
        await this.sleep(backoffDelay(failures - 1, { baseMs: this.retryBaseMs, maxMs: 30_000, jitter: 'equal' }, this.random));
        continue;
      } finally {
        release?.();
      }
      this.report(c, attempt, startedAt, reply);

      if (reply.status >= 200 && reply.status < 300) return reply;

      if (reply.status === 401 && !renewedToken) {
        renewedToken = true;
        this.tokens.invalidate(token);
        continue;
      }

      if (reply.status === 429) {
        const asked = parseRetryAfterMs(headerValue(reply.headers, 'retry-after'));
        // Retry-After is whole seconds; 0 or garbage must not turn into a hot loop.
        const base = asked !== undefined ? Math.max(1000, asked) : backoffDelay(rateLimitHits, { baseMs: Math.max(this.retryBaseMs, 1000), maxMs: 60_000, jitter: 'equal' }, this.random);
        // A little extra on top spreads workers that were all told the same second.
        const waitMs = Math.round(base + this.random() * Math.min(1000, base * 0.1));
        rateLimitHits++;
        if (rateLimitWaitedMs + waitMs > this.maxRetryWaitMs) {
          throw new PowerBiRateLimitedError(
            `Power BI ${label} still rate limited after waiting ${Math.round(rateLimitWaitedMs / 1000)} s (next Retry-After ${Math.round(waitMs / 1000)} s)${requestIdSuffix(reply)}`,
            waitMs,
            requestIdOf(reply),
          );
        }
        if (c.paceKey !== undefined) this.pacer?.pause(c.paceKey, waitMs);
        rateLimitWaitedMs += waitMs;
        await this.sleep(waitMs);
        continue;
      }

      if (reply.status >= 500 || reply.status === 408) {
        failures++;
        if (c.retryTransient === false || failures >= this.maxAttempts) {
          const parsed = parsePowerBiError(reply.text);
          throw new PowerBiUnavailableError(
            `Power BI ${label} failed after ${failures} attempt(s): HTTP ${reply.status}${parsed.code ? ` ${parsed.code}` : ''}${requestIdSuffix(reply)}`,
            reply.status,
            requestIdOf(reply),
          );
        }
        await this.sleep(backoffDelay(failures - 1, { baseMs: this.retryBaseMs, maxMs: 30_000, jitter: 'equal' }, this.random));
        continue;
      }

      throw this.requestError(reply, label, token);
    }
  }

  private requestError(reply: HttpReply, label: string, token: string): PowerBiRequestError {
    const parsed = parsePowerBiError(reply.text);
    const parts = [parsed.message, ...parsed.details.slice(0, 5).map((d) => (d.target ? `${d.message} (target ${d.target})` : d.message))].filter(
      (p): p is string => !!p,
    );
    let hint = '';
    if (reply.status === 401 || reply.status === 403) {
      hint =
        ' — check that the service principal (or its security group) is a Member/Admin of the workspace and that the tenant setting "Service principals can call Fabric public APIs" covers it';
    } else if (parsed.code === 'ItemNotFound') {
      hint = ' — the dataset or table does not exist (or is not a push dataset)';
    }
    const message = `Power BI ${label} failed: HTTP ${reply.status}${parsed.code ? ` ${parsed.code}` : ''}${parts.length ? `: ${parts.join('; ')}` : ''}${hint}${requestIdSuffix(reply)}`;
    const requestId = requestIdOf(reply);
    return new PowerBiRequestError({
      status: reply.status,
      message: redact(message, [token]),
      ...(parsed.code !== undefined ? { code: parsed.code } : {}),
      ...(parsed.message !== undefined ? { serverMessage: parsed.message } : {}),
      details: parsed.details,
      ...(requestId !== undefined ? { requestId } : {}),
    });
  }

  private report(c: Call, attempt: number, startedAt: number, reply?: HttpReply): void {
    if (!this.onRequest) return;
    const requestId = reply ? requestIdOf(reply) : undefined;
    this.onRequest({
      method: c.method,
      path: c.path,
      ...(reply ? { status: reply.status } : {}),
      attempt,
      durationMs: Date.now() - startedAt,
      ...(requestId !== undefined ? { requestId } : {}),
      ...(c.rows !== undefined ? { rows: c.rows } : {}),
    });
  }
}

function tableBody(t: PowerBiTableDefinition): Record<string, unknown> {
  return {
    name: t.name,
    columns: t.columns.map((c) => ({ name: c.name, dataType: c.dataType })),
    ...(t.measures ? { measures: t.measures } : {}),
  };
}

/** The oldest by createdDate when every candidate has one; otherwise the service's list order. */
function oldest(datasets: PowerBiDataset[]): PowerBiDataset {
  const times = datasets.map((d) => (d.createdDate ? Date.parse(d.createdDate) : NaN));
  if (times.some(Number.isNaN)) return datasets[0]!;
  let best = 0;
  for (let i = 1; i < datasets.length; i++) if (times[i]! < times[best]!) best = i;
  return datasets[best]!;
}

function parseJson(reply: HttpReply): unknown {
  try {
    return JSON.parse(reply.text);
  } catch {
    return undefined;
  }
}

function valueArray<T>(reply: HttpReply): T[] {
  const body = parseJson(reply) as { value?: unknown } | undefined;
  if (!body || !Array.isArray(body.value)) {
    throw new PowerBiUnavailableError(`Power BI sent an unexpected reply (no "value" array)${requestIdSuffix(reply)}`, reply.status, requestIdOf(reply));
  }
  return body.value as T[];
}

function requestIdOf(reply: HttpReply): string | undefined {
  return headerValue(reply.headers, 'requestid');
}

function requestIdSuffix(reply: HttpReply): string {
  const id = requestIdOf(reply);
  return id ? ` [RequestId ${id}]` : '';
}
