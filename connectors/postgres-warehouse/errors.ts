/**
 * Errors from the warehouse, sorted by what can be done about them and with every copy of the
 * connection URL's password taken out of the message: pg's messages do not normally carry it, but a
 * URL that failed to parse, or a driver message that quotes its settings, could, and these messages
 * reach logs, API answers and Temporal's history.
 */
export type PostgresFailureReason =
  /** Could not reach the server, or it went away mid-work (refused, reset, DNS, timeouts, shutting down). */
  | 'unreachable'
  /** The server refused the role (wrong password, no such role, pg_hba) or the database does not exist. */
  | 'auth'
  /** The role may not do what we asked (CREATE in the schema, INSERT into a table). */
  | 'permission'
  /** A column of ours already exists with another type: schemas only grow, a person must decide. */
  | 'schema_conflict'
  /** The server refused what we sent (a value that does not fit its column). */
  | 'rejected'
  /** Anything else: left to the activity's retry policy. */
  | 'other';

export class PostgresWarehouseError extends Error {
  override name = 'PostgresWarehouseError';
  constructor(readonly reason: PostgresFailureReason, message: string, readonly code?: string) {
    super(message);
  }

  get retryable(): boolean {
    return this.reason === 'unreachable' || this.reason === 'other';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** SQLSTATE classes and codes: https://www.postgresql.org/docs/current/errcodes-appendix.html */
function reasonOf(code: string | undefined, message: string): PostgresFailureReason {
  if (code && NETWORK_CODES.has(code)) return 'unreachable';
  if (code === '28P01' || code === '28000' || code === '3D000') return 'auth';
  if (code === '42501') return 'permission';
  if (code && /^(08|53|57|58|40)/.test(code)) return 'unreachable';
  if (code && /^(22|23)/.test(code) && code !== '23505') return 'rejected';
  // pg's own timeouts and lost connections carry no code.
  if (/timeout|terminated|Connection ended|ECONNRESET|not queryable/i.test(message)) return 'unreachable';
  return 'other';
}

/** Replaces the password (as written in the URL and decoded) and the URL itself by `***`. */
export function scrubber(url: string): (text: string) => string {
  const secrets = new Set<string>([url]);
  try {
    const u = new URL(url);
    if (u.password) {
      secrets.add(u.password);
      secrets.add(decodeURIComponent(u.password));
    }
  } catch {
    // Not a URL: the whole text is all we can take out.
  }
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((t, s) => t.split(s).join('***'), text);
}

/** Any error from pg (or node's sockets) as a PostgresWarehouseError with a scrubbed message. */
export function warehouseError(err: unknown, scrub: (text: string) => string, context?: string): PostgresWarehouseError {
  if (err instanceof PostgresWarehouseError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const raw = typeof e?.message === 'string' && e.message !== '' ? e.message : String(code ?? 'unknown error');
  const message = scrub(context ? `${context}: ${raw}` : raw);
  return new PostgresWarehouseError(reasonOf(code, raw), `Postgres warehouse: ${message}${code ? ` (${code})` : ''}`, code);
}
