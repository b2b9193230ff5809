/**
 * Whether an error from the service's own database means Postgres is out of reach (refused, gone
 * mid-query, shutting down or starting up) rather than that a statement was wrong: the former is the
 * caller's cue to answer 503 and be retried, the latter a bug or a refusal.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

export function isPostgresUnreachable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P)/.test(code))) return true;
  // Several addresses tried (localhost as ::1 and 127.0.0.1): Node reports them together.
  if (err instanceof AggregateError) return err.errors.some(isPostgresUnreachable);
  // pg's own lost connections and connect timeouts carry no code.
  return typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(message);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `write` until it succeeds, waiting out a Postgres outage (backoff 250 ms → 5 s, up to `forMs`);
 * any other error, or an outage longer than that, is thrown. For a write that must follow something
 * already done outside Postgres, where failing would make the retry do that again.
 */
export async function untilPostgresAnswers<T>(write: () => Promise<T>, forMs = 5 * 60_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5_000)) {
    try {
      return await write();
    } catch (err) {
      if (!isPostgresUnreachable(err) || Date.now() + waitMs > deadline) throw err;
      await sleep(waitMs);
    }
  }
}
