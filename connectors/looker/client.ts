/**
 * The three Looker API 4.0 calls a warehouse loader needs to say "new data landed" (destinations.md
 * D1–D2, D4): login, list datagroups, trigger one. Over the project's own HTTP layer rather than
 * `@looker/sdk-node`, whose timeout and abort signal are never applied and whose `verify_ssl: false`
 * turns TLS checks off for the whole process (wave2-hands-on.md, Looker).
 *
 * Tokens last an hour and come with no usable refresh token: the client logs in again when its token
 * is 10 s from expiry, or when a call answers 401 (revoked, or Looker restarted).
 */
import { HttpNetworkError, headerValue, parseRetryAfterMs, sendHttp, trimBase, type HttpReply, type HttpRequest } from '../http';
import {
  LookerLoginRefusedError, LookerRateLimitedError, LookerRequestError, LookerUnavailableError, LookerUnknownDatagroupError,
} from './errors';

export interface LookerDatagroup {
  id: string;
  model_name: string | null;
  name: string | null;
  triggered_at?: number | null;
}

export interface ResolvedDatagroup {
  /** `model::datagroup`, as the user wrote it. */
  name: string;
  id: string;
}

export interface LookerClientOptions {
  /** The instance, e.g. https://example.cloud.looker.com (legacy hosts: `:19999`); without `/api/4.0`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /**
   * Seconds taken off "now" in `triggered_at`: Looker refuses a time in its future, and its clock may
   * run behind ours (D4-3).
   */
  skewAllowanceSec?: number;
  /** When a 429 carries no Retry-After. */
  defaultRetryAfterMs?: number;
  now?: () => number;
}

/** Tokens are treated as expired this long before Looker says, so a call never starts with a dying one. */
const EXPIRY_MARGIN_MS = 10_000;

export class LookerClient {
  private readonly api: string;
  private readonly timeoutMs: number;
  private readonly skewAllowanceSec: number;
  private readonly defaultRetryAfterMs: number;
  private readonly now: () => number;
  private token: { value: string; usableUntil: number } | undefined;
  private loggingIn: Promise<string> | undefined;
  /** Logins made, for tests and the status line. */
  logins = 0;

  constructor(private readonly opts: LookerClientOptions) {
    // The SDK's base_url excludes /api/…; accept a URL that includes it rather than doubling it (D4-7).
    this.api = `${trimBase(opts.baseUrl).replace(/\/api\/4\.0$/, '')}/api/4.0`;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.skewAllowanceSec = opts.skewAllowanceSec ?? 5;
    this.defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /** Logs in now (the on-entry check); later calls reuse the token. */
  async login(): Promise<void> {
    this.token = undefined;
    await this.accessToken();
  }

  async datagroups(): Promise<LookerDatagroup[]> {
    const reply = await this.authed('GET', '/datagroups');
    const body = parseJson(reply.text);
    if (!Array.isArray(body)) throw new LookerUnavailableError('Looker answered GET /datagroups with something other than a list', reply.status);
    return body as LookerDatagroup[];
  }

  /** `model::datagroup` names to ids, in order; the first unknown name throws with its index. */
  async resolveDatagroups(names: readonly string[]): Promise<ResolvedDatagroup[]> {
    const all = await this.datagroups();
    return names.map((name, index) => {
      const [model, group] = splitDatagroupName(name);
      const found = all.find((g) => g.model_name === model && g.name === group);
      if (!found) throw new LookerUnknownDatagroupError(name, index);
      return { name, id: String(found.id) };
    });
  }

  /**
   * Marks the datagroup triggered now: PDTs built on it rebuild and its schedules run. `triggered_at`
   * is whole seconds (Looker takes seconds, not ms) minus the skew allowance, so it is never in
   * Looker's future. Returns the value sent.
   */
  async triggerDatagroup(id: string): Promise<number> {
    const triggeredAt = Math.floor(this.now() / 1000) - this.skewAllowanceSec;
    await this.authed('PATCH', `/datagroups/${encodeURIComponent(id)}`, JSON.stringify({ triggered_at: triggeredAt }), id);
    return triggeredAt;
  }

  /** Revokes the token; best effort (a token Looker already forgot is as good as revoked). */
  async logout(): Promise<void> {
    const token = this.token?.value;
    this.token = undefined;
    if (!token) return;
    await this.send({ method: 'DELETE', url: `${this.api}/logout`, headers: { authorization: `token ${token}` }, timeoutMs: this.timeoutMs }).catch(() => undefined);
  }

  private async authed(method: HttpRequest['method'], path: string, body?: string, datagroupId?: string): Promise<HttpReply> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const reply = await this.send({
        method, url: `${this.api}${path}`, timeoutMs: this.timeoutMs,
        // The spec's scheme is the literal word `token` (D1; the official SDK sends Bearer, which Looker also takes).
        headers: { authorization: `token ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      if (reply.status === 401 && attempt === 0) {
        // No refresh token exists: a fresh login is the only way back (revoked session, restarted instance).
        if (this.token?.value === token) this.token = undefined;
        continue;
      }
      if (reply.status >= 200 && reply.status < 300) return reply;
      if (reply.status === 404 && datagroupId !== undefined) throw new LookerUnknownDatagroupError(`id ${datagroupId}`);
      throw this.failure(reply, datagroupId === undefined ? `${method} ${path}` : `${method} /datagroups/{id}`);
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.usableUntil) return this.token.value;
    // Concurrent callers share one login instead of each spending one.
    this.loggingIn ??= this.doLogin().finally(() => { this.loggingIn = undefined; });
    return this.loggingIn;
  }

  private async doLogin(): Promise<string> {
    const form = new URLSearchParams({ client_id: this.opts.clientId, client_secret: this.opts.clientSecret }).toString();
    const reply = await this.send({
      method: 'POST', url: `${this.api}/login`, body: form, timeoutMs: this.timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    if (reply.status === 401 || reply.status === 403 || reply.status === 404) throw new LookerLoginRefusedError(reply.status);
    if (reply.status !== 200) throw this.failure(reply, 'POST /login');
    const body = parseJson(reply.text) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string') throw new LookerUnavailableError('Looker answered the login without an access token', reply.status);
    const ttlMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
    this.logins++;
    this.token = { value: body.access_token, usableUntil: this.now() + ttlMs - EXPIRY_MARGIN_MS };
    return body.access_token;
  }

  private async send(req: HttpRequest): Promise<HttpReply> {
    try {
      return await sendHttp(req);
    } catch (err) {
      if (err instanceof HttpNetworkError) throw new LookerUnavailableError(`Looker did not answer (${err.code})`);
      throw err;
    }
  }

  private failure(reply: HttpReply, what: string): Error {
    const text = lookerMessage(reply.text, [this.opts.clientSecret, this.token?.value]);
    if (reply.status === 429) {
      return new LookerRateLimitedError(parseRetryAfterMs(headerValue(reply.headers, 'retry-after'), this.now()) ?? this.defaultRetryAfterMs);
    }
    if (reply.status >= 500) return new LookerUnavailableError(`Looker answered ${what} with HTTP ${reply.status}${text}`, reply.status);
    return new LookerRequestError(`Looker refused ${what} (HTTP ${reply.status})${text}`, reply.status);
  }
}

/** `model::datagroup` → [model, datagroup]; throws for anything else. */
export function splitDatagroupName(name: string): [string, string] {
  const m = /^([^:\s]+)::([^:\s]+)$/.exec(name);
  if (!m) throw new LookerUnknownDatagroupError(`${name} (write it as model::datagroup)`);
  return [m[1]!, m[2]!];
}

/** Looker's `message`, plus each ValidationError detail, with anything secret taken out. */
function lookerMessage(text: string, secrets: (string | undefined)[]): string {
  const body = parseJson(text) as { message?: unknown; errors?: { field?: unknown; message?: unknown }[] } | undefined;
  if (!body || typeof body.message !== 'string') return '';
  const details = Array.isArray(body.errors) ? body.errors.map((e) => `${String(e.field)}: ${String(e.message)}`).join('; ') : '';
  let out = `: ${body.message}${details ? ` (${details})` : ''}`.slice(0, 500);
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
