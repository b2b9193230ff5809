import type { ConnectionCache } from '../db/connection-changes';
import type { ConnectionStore } from '../db/connections';
import type { VerifiedCallback, WebhookCallbackStore } from '../db/webhook-callbacks';
import { readsFreshBooksWebhooks } from '../db/webhook-connection-kinds';
import { BoundedCache, CONNECTION_CACHE_LIMITS } from './bounded-cache';

interface Entry {
  exists: boolean;
  accountId?: string;
  verifiers: VerifiedCallback[];
}

/** A failed check reloads from Postgres at most this often, so a flood of forged deliveries costs one
 * query per interval per connection, not one each. */
const RELOAD_EVERY_MS = 500;

/**
 * What the FreshBooks webhook route needs per connection (does it exist and read from FreshBooks, which
 * verifiers sign for it), cached so the acknowledgement path usually touches neither Postgres nor the
 * decryption of credentials.
 */
export class WebhookVerifierCache implements ConnectionCache {
  private readonly cache: BoundedCache<Entry>;

  constructor(private readonly connections: ConnectionStore, private readonly callbacks: WebhookCallbackStore) {
    this.cache = new BoundedCache<Entry>({
      load: (id) => this.load(id),
      ...CONNECTION_CACHE_LIMITS,
      minReloadMs: RELOAD_EVERY_MS,
    });
  }

  get(connectionId: string): Promise<Entry> {
    return this.cache.get(connectionId);
  }

  /**
   * A view loaded after this call began, for a delivery whose signature did not check out: FreshBooks
   * may deliver the moment it accepted a verifier, before our confirmation is committed. Callers in the
   * same interval share one reload, which waits out the interval after the previous load.
   */
  refreshed(connectionId: string): Promise<Entry> {
    return this.cache.reload(connectionId);
  }

  forget(connectionId: string): void {
    this.cache.forget(connectionId);
  }

  clear(): void {
    this.cache.clear();
  }

  private async load(connectionId: string): Promise<Entry> {
    const c = await this.connections.get(connectionId);
    // A store connection has a FreshBooks side too, but writes to it: no callbacks, no workflow handler.
    if (!c || !readsFreshBooksWebhooks(c.kind)) return { exists: false, verifiers: [] };
    return { exists: true, accountId: c.freshbooks.accountId, verifiers: await this.callbacks.verified(connectionId) };
  }
}

