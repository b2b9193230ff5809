import { Pool } from 'pg';

export type Db = Pool;

export function createPool(databaseUrl: string, max = 10): Db {
  const pool = new Pool({ connectionString: databaseUrl, max });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}
