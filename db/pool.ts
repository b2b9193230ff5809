import { Pool } from 'pg';

export type Db = Pool;

export interface PoolOptions {
  /** Give up waiting for a connection after this long (default: wait as long as it takes). */
  connectTimeoutMs?: number;
  /** Idle connections do not keep the process alive (a pool nobody ends). */
  exitOnIdle?: boolean;
}

export function createPool(databaseUrl: string, max = 10, opts: PoolOptions = {}): Db {
  const pool = new Pool({
    connectionString: databaseUrl, max,
    ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
    ...(opts.exitOnIdle ? { allowExitOnIdle: true, idleTimeoutMillis: 5_000 } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}
