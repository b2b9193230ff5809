import type { ConnectionRecord, ConnectionStore } from '../db/connections';
import type { VerifiedCallback, WebhookCallbackStore } from '../db/webhook-callbacks';

interface Entry {
  loadedAt: number;
  exists: boolean;
  accountId?: string;
  verifiers: VerifiedCallback[];
}

const TTL_MS = 60_000;
const MISSING_TTL_MS = 5_000;
/** A failed check reloads from Postgres at most this often, so a flood of forged deliveries costs one
 * query per interval per connection, not one each. */
const RELOAD_EVERY_MS = 500;

/**
 * What the webhook route needs per connection (does it exist, which verifiers sign for it), cached so
 * the acknowledgement path usually touches neither Postgres nor the decryption of credentials.
 */
export class WebhookVerifierCache {
  private readonly entries = new Map<string, Entry>();
  private readonly reloads = new Map<string, Promise<Entry>>();

  constructor(private readonly connections: ConnectionStore, private readonly callbacks: WebhookCallbackStore) {}

  async get(connectionId: string): Promise<Entry> {
    const e = this.entries.get(connectionId);
    const ttl = e?.exists ? TTL_MS : MISSING_TTL_MS;
    if (e && Date.now() - e.loadedAt < ttl) return e;
    return this.load(connectionId);
  }

  /**
   * A view loaded after this call began, for a delivery whose signature did not check out: FreshBooks
   * may deliver the moment it accepted a verifier, before our confirmation is committed. Callers in the
   * same interval share one reload, which waits out the interval after the previous load.
   */
  refreshed(connectionId: string): Promise<Entry> {
    const pending = this.reloads.get(connectionId);
    if (pending) return pending;
    const since = Date.now() - (this.entries.get(connectionId)?.loadedAt ?? 0);
    const reload = new Promise<void>((r) => setTimeout(r, Math.max(0, RELOAD_EVERY_MS - since)))
      .then(() => this.load(connectionId))
      .finally(() => this.reloads.delete(connectionId));
    this.reloads.set(connectionId, reload);
    return reload;
  }

  private async load(connectionId: string): Promise<Entry> {
    const c = await this.connections.get(connectionId);
    const entry: Entry = c && receivesFreshBooksWebhooks(c)
      ? { loadedAt: Date.now(), exists: true, accountId: c.source.accountId, verifiers: await this.callbacks.verified(connectionId) }
      : { loadedAt: Date.now(), exists: false, verifiers: [] };
    this.entries.set(connectionId, entry);
    return entry;
  }
}

/** FreshBooks callbacks exist for FreshBooks-fed connections only; to a store connection's id they are unknown. */
function receivesFreshBooksWebhooks(c: ConnectionRecord): boolean {
  return c.kind !== 'bigcommerce_freshbooks';
}
