import type { ConnectionCache } from '../db/connection-changes';
import { isStoreConnection, type ConnectionStore } from '../db/connections';
import type { BigCommerceStoreSecret, CredentialStore } from '../db/credentials';
import { BoundedCache, CONNECTION_CACHE_LIMITS } from './bounded-cache';

export interface StoreHookEntry {
  exists: boolean;
  storeHash?: string;
  hookSecret?: string;
  clientSecret?: string;
  /** Paused by the admin API: order events are acknowledged and left to the sweep after resuming. */
  paused?: boolean;
}

/**
 * Per store connection, what a BigCommerce delivery is checked against, cached so acknowledging a
 * webhook usually needs neither Postgres nor a decryption. A mismatch reloads once (the secret may
 * have just been replaced), coalesced so a flood of forged deliveries costs one query per connection.
 */
export class StoreHookSecrets implements ConnectionCache {
  private readonly cache: BoundedCache<StoreHookEntry>;

  constructor(private readonly connections: ConnectionStore, private readonly credentials: CredentialStore) {
    this.cache = new BoundedCache<StoreHookEntry>({ load: (id) => this.load(id), ...CONNECTION_CACHE_LIMITS });
  }

  get(connectionId: string): Promise<StoreHookEntry> {
    return this.cache.get(connectionId);
  }

  forget(connectionId: string): void {
    this.cache.forget(connectionId);
  }

  clear(): void {
    this.cache.clear();
  }

  reload(connectionId: string): Promise<StoreHookEntry> {
    return this.cache.reload(connectionId);
  }

  private async load(connectionId: string): Promise<StoreHookEntry> {
    const c = await this.connections.get(connectionId);
    if (!c || !isStoreConnection(c)) return { exists: false };
    const cred = await this.credentials.get<BigCommerceStoreSecret>(c.destination.credentialId);
    return {
      exists: true, storeHash: c.destination.storeHash, ...(c.status === 'paused' ? { paused: true } : {}),
      ...(cred ? { hookSecret: cred.secret.hookSecret } : {}),
      ...(cred?.secret.clientSecret ? { clientSecret: cred.secret.clientSecret } : {}),
    };
  }
}
