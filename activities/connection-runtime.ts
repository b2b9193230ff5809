import { getClient } from '@temporalio/activity';
import { BigCommerceClient } from '../connectors/bigcommerce';
import { FreshBooksCallbacks, FreshBooksClient, FreshBooksWriter, type TokenSource } from '../connectors/freshbooks';
import { isStoreConnection, type ConnectionRecord, type FreshBooksConnection, type StoreConnection } from '../db/connections';
import type { BigCommerceStoreSecret, FreshBooksGrantSecret } from '../db/credentials';
import { destinationOpeners, type DestinationConfig } from '../destinations/registry';
import type { Destination, DestinationContext } from '../destinations/types';
import { Workflows } from '../temporal/workflow-starts';
import type { ActivityDeps } from './deps';
import { failure, needsReauth } from './failure-casting';

export type { DestinationConfig, StoreConnection };
/** A connection fed by FreshBooks, its destination's config typed by its kind. */
export type Connection = FreshBooksConnection<DestinationConfig>;

/**
 * Builds the API clients an activity needs for a connection. Tokens are read from the encrypted
 * store on use; a 401 is handed to the grant's credential workflow, never refreshed here.
 */
export class ConnectionRuntime {
  private readonly openDestination: (config: DestinationConfig, ctx: DestinationContext) => Promise<Destination>;

  constructor(private readonly deps: ActivityDeps) {
    this.openDestination = destinationOpeners(deps);
  }

  async connection(connectionId: string): Promise<Connection> {
    const c = await this.deps.connections.get<DestinationConfig>(connectionId);
    if (!c || isStoreConnection(c)) throw failure('ConnectionNotFound', `connection ${connectionId} not found`);
    return c;
  }

  freshbooks(c: Connection): FreshBooksClient {
    return new FreshBooksClient({
      apiBase: this.deps.config.freshbooks.apiBase, accountId: c.freshbooks.accountId, businessId: c.freshbooks.businessId,
      tokens: this.grantTokens(c.freshbooks.grantId), budget: this.deps.freshbooksBudget, budgetKey: c.freshbooks.accountId,
    });
  }

  /** Writes into the connection's FreshBooks business (BigCommerce orders → invoices). */
  freshbooksWriter(c: ConnectionRecord): FreshBooksWriter {
    return new FreshBooksWriter({
      apiBase: this.deps.config.freshbooks.apiBase, accountId: c.freshbooks.accountId, tokens: this.grantTokens(c.freshbooks.grantId),
      budget: this.deps.freshbooksBudget, budgetKey: c.freshbooks.accountId,
    });
  }

  async storeConnection(connectionId: string): Promise<StoreConnection> {
    const c = await this.deps.connections.get(connectionId);
    if (!c || !isStoreConnection(c)) throw failure('ConnectionNotFound', `store connection ${connectionId} not found`);
    return c;
  }

  /** The store's API client; every client of one store shares the process's view of its quota. */
  async bigcommerce(c: StoreConnection): Promise<BigCommerceClient> {
    const secret = await this.storeSecret(c);
    return new BigCommerceClient({ apiBase: this.deps.config.bigcommerce.apiBase, storeHash: c.destination.storeHash, token: secret.accessToken, throttle: this.deps.storeThrottle });
  }

  async storeSecret(c: StoreConnection): Promise<BigCommerceStoreSecret> {
    const cred = await this.deps.credentials.get<BigCommerceStoreSecret>(c.destination.credentialId);
    if (!cred) throw failure('ConnectionNotFound', `BigCommerce credential of ${c.id} is missing`);
    return cred.secret;
  }

  callbacks(c: ConnectionRecord): FreshBooksCallbacks {
    return new FreshBooksCallbacks({
      apiBase: this.deps.config.freshbooks.apiBase, accountId: c.freshbooks.accountId, tokens: this.grantTokens(c.freshbooks.grantId),
      budget: this.deps.freshbooksBudget,
    });
  }

  /** The connection's destination adapter, opened by its type's module (which keeps that type's caches). */
  async destination(c: Connection): Promise<Destination> {
    return this.openDestination(c.destination, { connectionId: c.id });
  }

  /** Read once per client (an activity), not per page; a 401 asks the grant's workflow for a newer
   * token and the next read picks it up. */
  private grantTokens(grantId: string): TokenSource {
    const { credentials, config } = this.deps;
    let cached: { token: string; version: number } | undefined;
    return {
      async accessToken() {
        if (cached) return cached;
        const grant = await credentials.get<FreshBooksGrantSecret>(grantId);
        if (!grant) throw needsReauth(`FreshBooks grant ${grantId} is missing`);
        if (grant.status !== 'active') throw needsReauth('FreshBooks authorization needs to be renewed by the user');
        cached = { token: grant.secret.accessToken, version: grant.version };
        return cached;
      },
      async refreshAfterUnauthorized(staleVersion) {
        cached = undefined;
        const result = await new Workflows(getClient(), config.temporal.taskQueue).requestGrantRefresh(grantId, staleVersion);
        if (result.needsReauth) throw needsReauth('FreshBooks rejected the refresh token; the connection must be re-authorized');
      },
    };
  }
}
