import { Context, heartbeat } from '@temporalio/activity';

const INTERVAL_MS = 5_000;

/**
 * Heartbeats every few seconds while `fn` runs, so a long wait (a BigQuery load job, a rate-limit
 * pause) is not taken for a dead worker. The SDK throttles what it actually sends.
 */
export async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  // The server does not track a local activity (the SDK keeps its workflow task alive instead): nothing to beat.
  if (Context.current().info.isLocal) return fn();
  heartbeat();
  const timer = setInterval(() => heartbeat(), INTERVAL_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
