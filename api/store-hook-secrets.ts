import type { ConnectionStore } from '../db/connections';
import type { BigCommerceStoreSecret, CredentialStore } from '../db/credentials';

export interface StoreHookEntry {
  loadedAt: number;
  exists: boolean;
  storeHash?: string;
  hookSecret?: string;
  clientSecret?: string;
  /** Paused by the admin API: order events are acknowledged and left to the sweep after resuming. */
  paused?: boolean;
}

const TTL_MS = 60_000;
const MISSING_TTL_MS = 5_000;

/**
 * Per store connection, what a BigCommerce delivery is checked against, cached so acknowledging a
 * webhook usually needs neither Postgres nor a decryption. A mismatch reloads once (the secret may
 * have just been replaced), coalesced so a flood of forged deliveries costs one query per connection.
 */
export class StoreHookSecrets {
  private readonly entries = new Map<string, StoreHookEntry>();
  private readonly loads = new Map<string, Promise<StoreHookEntry>>();

  constructor(private readonly connections: ConnectionStore, private readonly credentials: CredentialStore) {}

  async get(connectionId: string): Promise<StoreHookEntry> {
    const e = this.entries.get(connectionId);
    if (e && Date.now() - e.loadedAt < (e.exists ? TTL_MS : MISSING_TTL_MS)) return e;
    return this.reload(connectionId);
  }

  forget(connectionId: string): void {
    this.entries.delete(connectionId);
  }

  reload(connectionId: string): Promise<StoreHookEntry> {
    const pending = this.loads.get(connectionId);
    if (pending) return pending;
    const load = this.load(connectionId).finally(() => this.loads.delete(connectionId));
    this.loads.set(connectionId, load);
    return load;
  }

  private async load(connectionId: string): Promise<StoreHookEntry> {
    const c = await this.connections.get<{ storeHash: string; credentialId: string }>(connectionId);
    let entry: StoreHookEntry = { loadedAt: Date.now(), exists: false };
    if (c && c.kind === 'bigcommerce_freshbooks') {
      const cred = await this.credentials.get<BigCommerceStoreSecret>(c.destination.credentialId);
      entry = {
        loadedAt: Date.now(), exists: true, storeHash: c.destination.storeHash, ...(c.status === 'paused' ? { paused: true } : {}),
        ...(cred ? { hookSecret: cred.secret.hookSecret } : {}),
        ...(cred?.secret.clientSecret ? { clientSecret: cred.secret.clientSecret } : {}),
      };
    }
    this.entries.set(connectionId, entry);
    return entry;
  }
}
