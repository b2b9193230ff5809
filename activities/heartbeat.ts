import { Context, heartbeat } from '@temporalio/activity';

const INTERVAL_MS = 5_000;
/** Beats per heartbeat timeout at least, so one late timer tick under load is not a dead worker. */
const BEATS_PER_TIMEOUT = 3;

/**
 * Heartbeats every few seconds while `fn` runs, so a long wait (a BigQuery load job, a rate-limit
 * pause) is not taken for a dead worker. The SDK throttles what it actually sends.
 */
export async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  // The server does not track a local activity (the SDK keeps its workflow task alive instead): nothing to beat.
  if (Context.current().info.isLocal) return fn();
  heartbeat();
  const { heartbeatTimeoutMs } = Context.current().info;
  const every = heartbeatTimeoutMs ? Math.min(INTERVAL_MS, heartbeatTimeoutMs / BEATS_PER_TIMEOUT) : INTERVAL_MS;
  const timer = setInterval(() => heartbeat(), every);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
