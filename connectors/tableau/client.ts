/**
 * Tableau REST over the project's HTTP layer (destinations.md C1–C5, wave2-hands-on "Tableau REST, as
 * measured"): JSON with `Accept: application/json` everywhere it works, XML only inside the multipart
 * publish payload, `multipart/mixed` for uploads. The client is stateless about sessions: callers pass the
 * token and site LUID (session.ts owns them, one per PAT). Transient answers (5xx, network, 429 within a
 * short wait) are retried here; every retried call is safe to repeat (PATCH carries its RequestID).
 */
import { backoffDelay } from '../../common/backoff';
import { HttpNetworkError, headerValue, parseRetryAfterMs, sendHttp, sleep as realSleep, trimBase, type HttpReply, type HttpRequest } from '../http';
import { TableauApiError, TableauRateLimitedError, TableauVersionError, parseTableauError, tableauErrorFor } from './errors';
import { multipartMixed, xmlAttr } from './multipart';

export interface TableauClientOptions {
  /** `https://<pod>.online.tableau.com`, the Server's origin, or a proxy/simulator standing in for it. */
  origin: string;
  /** REST API version sent in every path, e.g. `3.27`. */
  apiVersion: string;
  timeoutMs?: number;
  /** How long one call may wait on 429s (Retry-After) before giving the wait to the activity retry. */
  maxRateLimitWaitMs?: number;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TableauAuth {
  token: string;
  siteId: string;
}

export interface SignInResult extends TableauAuth {
  userId: string;
  contentUrl: string;
}

export interface TableauPat {
  name: string;
  secret: string;
}

export interface TableauJob {
  id: string;
  progress?: number;
  completedAt?: string;
  /** Final only once completedAt is set (C5). */
  finishCode?: number;
  notes: string[];
}

/** One Update Data action (C4). */
export type TableauCondition =
  | { op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; 'target-col': string; 'source-col': string }
  | { op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; 'target-col': string; const: { type: string; v: unknown } }
  | { op: 'and' | 'or'; args: TableauCondition[] };

export interface TableauAction {
  action: 'insert' | 'update' | 'upsert' | 'replace' | 'delete';
  'target-schema': string;
  'target-table': string;
  'source-schema'?: string;
  'source-table'?: string;
  condition?: TableauCondition;
}

/** Chunk size for PUT fileUploads (TSC: 50 MB); files under SINGLE_REQUEST_MAX go in one publish request. */
export const UPLOAD_CHUNK_BYTES = 50 * 1024 * 1024;
export const SINGLE_REQUEST_MAX_BYTES = 64 * 1024 * 1024;
/** serverinfo is answered by every version from 2.4, so it is asked at that version (TSC does the same). */
const SERVERINFO_VERSION = '2.4';

export class TableauClient {
  readonly origin: string;
  readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: TableauClientOptions) {
    this.origin = trimBase(opts.origin);
    this.apiVersion = opts.apiVersion;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxRateLimitWaitMs = opts.maxRateLimitWaitMs ?? 30_000;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** The server's newest REST version; throws TableauVersionError when ours is newer (C2). */
  async checkVersion(): Promise<string> {
    const reply = await this.json('GET', `${this.origin}/api/${SERVERINFO_VERSION}/serverinfo`, 'serverinfo');
    const info = (reply as { serverInfo?: { restApiVersion?: unknown } }).serverInfo;
    const raw = info?.restApiVersion;
    const serverVersion = typeof raw === 'string' ? raw : typeof raw === 'object' && raw && 'value' in raw ? String((raw as { value: unknown }).value) : undefined;
    if (!serverVersion) throw new TableauApiError(200, 'serverinfo', { summary: 'no restApiVersion in the answer' });
    if (compareVersions(this.apiVersion, serverVersion) > 0) throw new TableauVersionError(this.apiVersion, serverVersion);
    return serverVersion;
  }

  async signIn(pat: TableauPat, contentUrl: string): Promise<SignInResult> {
    const body = JSON.stringify({ credentials: { personalAccessTokenName: pat.name, personalAccessTokenSecret: pat.secret, site: { contentUrl } } });
    const reply = (await this.json('POST', this.url('/auth/signin'), 'sign-in', { body })) as {
      credentials?: { token?: string; site?: { id?: string; contentUrl?: string }; user?: { id?: string } };
    };
    const c = reply.credentials;
    if (!c?.token || !c.site?.id) throw new TableauApiError(200, 'sign-in', { summary: 'answer without token or site id' });
    return { token: c.token, siteId: c.site.id, userId: c.user?.id ?? '', contentUrl: c.site.contentUrl ?? contentUrl };
  }

  async signOut(token: string): Promise<void> {
    await this.json('POST', this.url('/auth/signout'), 'sign-out', { token, body: '' }).catch(() => undefined);
  }

  /** A project by name (a path `Parent/Child` picks the child under that parent); undefined when none. */
  async findProject(auth: TableauAuth, path: string): Promise<{ id: string; name: string } | undefined> {
    const names = path.split('/').map((s) => s.trim()).filter(Boolean);
    const leaf = names[names.length - 1] ?? path;
    const all = await this.pages<{ id: string; name: string; parentProjectId?: string }>(auth, `/projects?filter=name:eq:${encodeURIComponent(leaf)}`, 'projects', 'project');
    if (names.length <= 1) return all.find((p) => !p.parentProjectId) ?? all[0];
    const parent = await this.findProject(auth, names.slice(0, -1).join('/'));
    return parent ? all.find((p) => p.parentProjectId === parent.id) : undefined;
  }

  async findDatasource(auth: TableauAuth, name: string, projectId: string): Promise<{ id: string; name: string } | undefined> {
    const all = await this.pages<{ id: string; name: string; project?: { id?: string } }>(auth, `/datasources?filter=name:eq:${encodeURIComponent(name)}`, 'datasources', 'datasource');
    return all.find((d) => d.name === name && d.project?.id === projectId);
  }

  /** POST fileUploads: a new upload session. */
  async startUpload(auth: TableauAuth): Promise<string> {
    const reply = (await this.json('POST', this.siteUrl(auth, '/fileUploads'), 'file upload', { token: auth.token, body: '' })) as { fileUpload?: { uploadSessionId?: string } };
    const id = reply.fileUpload?.uploadSessionId;
    if (!id) throw new TableauApiError(200, 'file upload', { summary: 'answer without uploadSessionId' });
    return id;
  }

  /** PUT one chunk into an upload session. */
  async appendUpload(auth: TableauAuth, uploadSessionId: string, chunk: Buffer): Promise<void> {
    const mp = multipartMixed([
      { name: 'request_payload', filename: '', contentType: 'text/xml', body: '' },
      { name: 'tableau_file', filename: 'file', contentType: 'application/octet-stream', body: chunk },
    ]);
    await this.json('PUT', this.siteUrl(auth, `/fileUploads/${encodeURIComponent(uploadSessionId)}`), 'file upload append', { token: auth.token, body: mp.body, contentType: mp.contentType });
  }

  /** Uploads a whole file in chunks; returns the session id that a publish or Update Data commits. */
  async upload(auth: TableauAuth, file: Buffer, uploadSessionId?: string): Promise<string> {
    const id = uploadSessionId ?? (await this.startUpload(auth));
    for (let at = 0; at < file.length || at === 0; at += UPLOAD_CHUNK_BYTES) {
      await this.appendUpload(auth, id, file.subarray(at, at + UPLOAD_CHUNK_BYTES));
      if (file.length === 0) break;
    }
    return id;
  }

  /**
   * Publishes a .hyper as a data source, replacing one of the same name (overwrite=true). Files over
   * 64 MB go through an upload session (C3); smaller ones in one request.
   */
  async publishHyper(auth: TableauAuth, o: { name: string; projectId: string; file: Buffer; filename: string }): Promise<{ id: string; name: string }> {
    const payload = `<tsRequest><datasource name="${xmlAttr(o.name)}"><project id="${xmlAttr(o.projectId)}"/></datasource></tsRequest>`;
    let query = 'datasourceType=hyper&overwrite=true';
    const parts: Parameters<typeof multipartMixed>[0] = [{ name: 'request_payload', contentType: 'text/xml', body: payload }];
    if (o.file.length > SINGLE_REQUEST_MAX_BYTES) {
      query = `uploadSessionId=${encodeURIComponent(await this.upload(auth, o.file))}&${query}`;
    } else {
      parts.push({ name: 'tableau_datasource', filename: o.filename, contentType: 'application/octet-stream', body: o.file });
    }
    const mp = multipartMixed(parts);
    const reply = (await this.json('POST', this.siteUrl(auth, `/datasources?${query}`), 'publish', { token: auth.token, body: mp.body, contentType: mp.contentType })) as {
      datasource?: { id?: string; name?: string };
    };
    if (!reply.datasource?.id) throw new TableauApiError(201, 'publish', { summary: 'answer without datasource id' });
    return { id: reply.datasource.id, name: reply.datasource.name ?? o.name };
  }

  /**
   * Update Data (C4): the actions run in order in one job. `requestId` makes Tableau run it once however
   * often it is sent; a retry must send the same id and the same upload session.
   */
  async updateData(auth: TableauAuth, o: { datasourceId: string; requestId: string; uploadSessionId?: string; actions: TableauAction[] }): Promise<string> {
    const query = o.uploadSessionId ? `?uploadSessionId=${encodeURIComponent(o.uploadSessionId)}` : '';
    const reply = (await this.json('PATCH', this.siteUrl(auth, `/datasources/${encodeURIComponent(o.datasourceId)}/data${query}`), 'update data', {
      token: auth.token, body: JSON.stringify({ actions: o.actions }), headers: { RequestID: o.requestId },
    })) as { job?: { id?: string } };
    if (!reply.job?.id) throw new TableauApiError(202, 'update data', { summary: 'answer without job id' });
    return reply.job.id;
  }

  async getJob(auth: TableauAuth, jobId: string): Promise<TableauJob> {
    const reply = (await this.json('GET', this.siteUrl(auth, `/jobs/${encodeURIComponent(jobId)}`), 'job', { token: auth.token })) as { job?: Record<string, unknown> };
    const j = reply.job ?? {};
    const num = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
    const progress = num(j.progress);
    const finishCode = num(j.finishCode);
    return {
      id: String(j.id ?? jobId),
      ...(progress !== undefined ? { progress } : {}),
      ...(typeof j.completedAt === 'string' && j.completedAt ? { completedAt: j.completedAt } : {}),
      ...(finishCode !== undefined ? { finishCode } : {}),
      notes: notesOf(j.notes ?? (j.statusNotes as { statusNote?: unknown } | undefined)?.statusNote),
    };
  }

  // ---- plumbing ------------------------------------------------------------------------------------

  private url(path: string): string {
    return `${this.origin}/api/${this.apiVersion}${path}`;
  }

  private siteUrl(auth: TableauAuth, path: string): string {
    return this.url(`/sites/${encodeURIComponent(auth.siteId)}${path}`);
  }

  /** Every page of a list (pageSize 1000 keeps it to one for anything we look up by name). */
  private async pages<T>(auth: TableauAuth, path: string, outer: string, inner: string): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const reply = (await this.json('GET', this.siteUrl(auth, `${path}${sep}pageSize=1000&pageNumber=${page}`), outer, { token: auth.token })) as Record<string, unknown>;
      const list = (reply[outer] as Record<string, unknown> | undefined)?.[inner];
      const items = Array.isArray(list) ? (list as T[]) : [];
      out.push(...items);
      const total = Number((reply.pagination as { totalAvailable?: unknown } | undefined)?.totalAvailable ?? out.length);
      if (items.length === 0 || out.length >= total) return out;
    }
  }

  private async json(
    method: HttpRequest['method'], url: string, what: string,
    o: { token?: string; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(o.headers ?? {}) };
    if (o.token) headers['X-Tableau-Auth'] = o.token;
    if (o.body !== undefined) headers['Content-Type'] = o.contentType ?? 'application/json';
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      let reply: HttpReply;
      try {
        reply = await sendHttp({ method, url, headers, ...(o.body !== undefined ? { body: o.body } : {}), timeoutMs: this.timeoutMs });
      } catch (err) {
        if (!(err instanceof HttpNetworkError) || attempt >= this.maxAttempts) throw err;
        await this.sleep(backoffDelay(attempt - 1, { baseMs: 500, maxMs: 10_000, jitter: 'equal' }));
        continue;
      }
      if (reply.status >= 200 && reply.status < 300) {
        if (!reply.text.trim()) return {};
        try {
          return JSON.parse(reply.text);
        } catch {
          throw new TableauApiError(reply.status, what, { summary: 'answer is not JSON' });
        }
      }
      const retryAfterMs = parseRetryAfterMs(headerValue(reply.headers, 'retry-after'));
      const err = tableauErrorFor(reply.status, what, parseTableauError(reply.text), retryAfterMs);
      if (err instanceof TableauRateLimitedError) {
        if (waited + err.retryAfterMs > this.maxRateLimitWaitMs) throw err;
        waited += err.retryAfterMs;
        await this.sleep(err.retryAfterMs);
        attempt = 0;
        continue;
      }
      if (!err.retryable || attempt >= this.maxAttempts) throw err;
      await this.sleep(retryAfterMs ?? backoffDelay(attempt - 1, { baseMs: 500, maxMs: 10_000, jitter: 'equal' }));
    }
  }
}

/** Numeric compare of `3.27` vs `3.9`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function notesOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(notesOf);
  if (typeof v === 'string') return v ? [v] : [];
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const text = o.text ?? o.value ?? o.note ?? o.notes;
    return text !== undefined ? notesOf(text) : [JSON.stringify(o)];
  }
  return [String(v)];
}
