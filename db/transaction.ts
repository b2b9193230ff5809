import type { PoolClient } from 'pg';
import type { Db } from './pool';

/** Runs `fn` in one transaction on one client: everything it writes commits together or not at all. */
export async function inTransaction<R>(db: Db, fn: (tx: PoolClient) => Promise<R>): Promise<R> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
