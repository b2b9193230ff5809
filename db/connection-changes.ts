import { Client } from 'pg';

/** The channel migration 009's triggers announce changed connection ids on. */
const CHANNEL = 'connection_changed';

/** A per-connection cache that can drop one entry, or all of them when announcements may have been missed. */
export interface ConnectionCache {
  forget(connectionId: string): void;
  clear(): void;
}

/**
 * Listens for committed changes to connections and their callbacks (whoever made them: any API instance,
 * any worker) and makes the caches it serves forget what changed, so N API instances agree within the
 * time a NOTIFY takes instead of a cache TTL. While the listening connection is down, announcements are
 * lost: every reconnect clears the caches whole, so nothing stale outlives the gap.
 */
export class ConnectionChangeFeed {
  private readonly caches: ConnectionCache[] = [];
  /** The client connecting or listening; a client that is not this one is already written off. */
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly databaseUrl: string, private readonly retryMs = 500) {}

  serve(cache: ConnectionCache): void {
    this.caches.push(cache);
  }

  /** Resolves once listening; a first connection that fails is retried in the background like a lost one. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.databaseUrl });
    this.client = client;
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) for (const c of this.caches) c.forget(n.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client) return; // closed, or lost meanwhile
    // Whatever changed before LISTEN took effect was not heard: start from nothing cached.
    for (const c of this.caches) c.clear();
  }

  private lost(client: Client): void {
    client.end().catch(() => undefined);
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    for (const c of this.caches) c.clear();
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.retryMs);
  }
}
