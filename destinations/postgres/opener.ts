import { Pool } from 'pg';
import { PostgresWarehouse, scrubber } from '../../connectors/postgres-warehouse';
import type { PostgresWarehouseSecret } from '../../db/credentials';
import type { DestinationEnv, DestinationOpener } from '../types';
import { PostgresDestination } from './adapter';
import type { PostgresDestinationConfig } from './config';

/** Pools one worker keeps open; past this the least recently used is closed. */
export const MAX_POOLS = 16;
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;

interface Held {
  pool: Pool;
  scrub: (text: string) => string;
  knownColumns: Map<string, Set<string>>;
}

/**
 * One pg Pool per sealed URL (credential and version) per worker, so activities share connections
 * and each pool's knowledge of which columns exist; a replaced URL gets a new pool and the old one is
 * closed. At most MAX_POOLS are kept.
 */
export function postgresOpener(env: DestinationEnv): DestinationOpener<PostgresDestinationConfig> {
  const pools = new Map<string, Held>();

  function evict(key: string): void {
    const held = pools.get(key);
    if (!held) return;
    pools.delete(key);
    void held.pool.end().catch(() => undefined);
  }

  async function poolFor(credentialId: string): Promise<Held> {
    const cred = await env.credentials.get<PostgresWarehouseSecret>(credentialId);
    if (!cred) throw new Error(`Postgres warehouse credential ${credentialId} not found`);
    const key = `${credentialId}@${cred.version}`;
    const cached = pools.get(key);
    if (cached) {
      // Most recently used goes last: Map keeps insertion order.
      pools.delete(key);
      pools.set(key, cached);
      return cached;
    }
    for (const k of [...pools.keys()]) if (k.startsWith(`${credentialId}@`)) evict(k);
    while (pools.size >= MAX_POOLS) evict(pools.keys().next().value!);
    const pool = new Pool({
      connectionString: cred.secret.url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS, allowExitOnIdle: true,
    });
    // An idle client losing its server emits here; unhandled, it would end the worker.
    pool.on('error', () => undefined);
    const held = { pool, scrub: scrubber(cred.secret.url), knownColumns: new Map<string, Set<string>>() };
    pools.set(key, held);
    return held;
  }

  return async (d) => {
    const held = await poolFor(d.credentialId);
    return new PostgresDestination(new PostgresWarehouse({ pool: held.pool, schema: d.schema, scrub: held.scrub, knownColumns: held.knownColumns }));
  };
}
