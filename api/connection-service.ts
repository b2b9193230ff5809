import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../common/config';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { buildAuthorizeUrl, exchangeCode, fetchIdentity, type FreshBooksIdentity } from '../connectors/freshbooks';
import { StoreAlreadyConnectedError, type ConnectionRecord, type ConnectionStore } from '../db/connections';
import type { CredentialStore, FreshBooksGrantSecret } from '../db/credentials';
import type { AuthorizationStore, OAuthStateStore } from '../db/oauth';
import type { Workflows } from '../temporal/workflow-starts';
import { destinationInput, destinationModule, destinationOfKind, sealDestination, type DestinationConfig, type DestinationInput } from '../destinations/registry';
import { DestinationInputError } from '../destinations/types';
import type { ConnectionKind } from '../db/connections';
import { BigCommerceApiError, BigCommerceClient } from '../connectors/bigcommerce';
import type { BigCommerceStoreSecret } from '../db/credentials';
import type { BigCommerceStoreConfig } from '../activities/connection-runtime';
import { randomBytes } from 'node:crypto';
import { HttpError } from './http-errors';

/** Why a route for FreshBooks-fed connections does not apply to a store, and what to use instead. */
const STORE_REFUSALS: Record<string, string> = {
  redeliver: 'it has no FreshBooks records to redeliver; retry an order with POST /api/connections/:id/orders/:orderId/retry',
  webhooks: 'its BigCommerce hooks are checked at every sweep; POST /api/connections/:id/sync sweeps now',
};

export const connectionSettingsInput = z.object({
  pollIntervalSec: z.number().int().min(30).max(7 * 86_400).default(900),
  entities: z.array(z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]])).min(1).optional(),
  reconcileEveryHours: z.number().min(1).max(24 * 30).default(24),
  webhooks: z.boolean().default(true),
}).strict();

export const createConnectionsInput = z.object({
  authorizationId: z.string().min(1),
  businessIds: z.array(z.number().int().positive()).min(1),
  destination: destinationInput,
  settings: connectionSettingsInput.default({ pollIntervalSec: 900, reconcileEveryHours: 24, webhooks: true }),
}).strict();

/** A BigCommerce store feeding one FreshBooks business (reference/bigcommerce.md §1: a store-level API account). */
export const createStoreConnectionInput = z.object({
  authorizationId: z.string().min(1),
  businessId: z.number().int().positive(),
  store: z.object({
    type: z.literal('bigcommerce'),
    storeHash: z.string().regex(/^[a-z0-9]{1,32}$/i, 'must be the store hash from the API path (stores/{store_hash}/)'),
    /** Sent as X-Auth-Token; shown once by BigCommerce when the account is created. */
    accessToken: z.string().min(1),
    /** Optional: lets deliveries signed with Standard Webhooks be checked against it. */
    clientSecret: z.string().min(1).optional(),
  }).strict(),
  settings: z.object({
    pollIntervalSec: z.number().int().min(30).max(86_400).default(300),
    /** How far back the first sweep reads modified orders. */
    backfillDays: z.number().int().min(0).max(3650).default(30),
  }).strict().default({ pollIntervalSec: 300, backfillDays: 30 }),
}).strict();

export interface ConnectionServiceDeps {
  config: AppConfig;
  connections: ConnectionStore;
  credentials: CredentialStore;
  states: OAuthStateStore;
  authorizations: AuthorizationStore;
  workflows: Workflows;
  /** Told after a connection is deleted (caches keyed by connection drop it). */
  removed?: (connectionId: string) => void;
  /** Told after a store connection is paused or resumed (caches keyed by connection reload it). */
  statusChanged?: (connectionId: string) => void;
}

/** Connecting FreshBooks (OAuth), choosing businesses and a destination, and managing connections. */
export class ConnectionService {
  constructor(private readonly d: ConnectionServiceDeps) {}

  async startFreshBooksAuthorization(request: { reauthorizeGrantId?: string }): Promise<{ authorizeUrl: string; state: string }> {
    if (request.reauthorizeGrantId && !(await this.d.credentials.get(request.reauthorizeGrantId))) {
      throw new HttpError(404, `unknown grant ${request.reauthorizeGrantId}`);
    }
    const state = await this.d.states.issue('freshbooks', request);
    const fb = this.d.config.freshbooks;
    return { authorizeUrl: buildAuthorizeUrl({ authBase: fb.authBase, clientId: fb.clientId, redirectUri: fb.redirectUri, state }), state };
  }

  /** The OAuth callback: the state must be one we issued, unused and unexpired, or nothing happens. */
  async completeFreshBooksAuthorization(code: string, state: string): Promise<{ authorizationId: string; grantId: string; businesses: FreshBooksIdentity['businesses']; reauthorized: string[] }> {
    const request = await this.d.states.consume('freshbooks', state);
    if (!request) throw new HttpError(400, 'unknown, used or expired OAuth state');
    const fb = this.d.config.freshbooks;
    const tokens = await exchangeCode({ apiBase: fb.apiBase, clientId: fb.clientId, clientSecret: fb.clientSecret, code, redirectUri: fb.redirectUri });
    const identity = await fetchIdentity({ apiBase: fb.apiBase, accessToken: tokens.accessToken });
    const secret: FreshBooksGrantSecret = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, scope: tokens.scope };
    const metadata = { identityId: identity.identityId, expiresAt: new Date(tokens.expiresAt).toISOString() };
    let grantId = request.reauthorizeGrantId as string | undefined;
    let reauthorized: string[] = [];
    if (grantId) {
      await this.d.credentials.replace(grantId, secret, metadata);
      reauthorized = await this.d.connections.setStatusByGrant(grantId, 'active', { reauthorizedAt: new Date().toISOString() });
      await this.d.workflows.grantReauthorized(grantId);
      for (const id of reauthorized) await this.d.workflows.requestSync(id, { mode: 'incremental', reason: 'manual' });
    } else {
      grantId = await this.d.credentials.create('freshbooks_oauth', secret, metadata);
      await this.d.workflows.ensureCredential(grantId);
    }
    const authorizationId = await this.d.authorizations.create(grantId, identity as unknown as Record<string, unknown>, request);
    return { authorizationId, grantId, businesses: identity.businesses, reauthorized };
  }

  async getAuthorization(id: string) {
    const a = await this.d.authorizations.get(id);
    if (!a) throw new HttpError(404, `unknown authorization ${id}`);
    return { authorizationId: a.id, grantId: a.credentialId, businesses: (a.identity as unknown as FreshBooksIdentity).businesses };
  }

  /** One connection per chosen business; the key is checked before anything is stored. */
  async createConnections(input: z.infer<typeof createConnectionsInput>): Promise<string[]> {
    const auth = await this.d.authorizations.get(input.authorizationId);
    if (!auth) throw new HttpError(404, `unknown authorization ${input.authorizationId}`);
    const businesses = (auth.identity as unknown as FreshBooksIdentity).businesses;
    const chosen = input.businessIds.map((id) => {
      const b = businesses.find((x) => x.businessId === id);
      if (!b) throw new HttpError(400, 'invalid request', [{ field: 'businessIds', message: `business ${id} is not visible to this authorization` }]);
      return b;
    });
    const { kind, destination } = await this.sealDestination(input.destination);
    const settings = { ...input.settings, entities: input.settings.entities ?? [...destinationModule(input.destination.type).traits.defaultEntities] };
    const ids: string[] = [];
    for (const b of chosen) {
      const id = `conn_${randomUUID()}`;
      await this.d.connections.create({
        id, kind,
        freshbooks: { grantId: auth.credentialId, accountId: b.accountId, businessId: b.businessId, businessUuid: b.businessUuid, businessName: b.name },
        destination: destination as unknown as Record<string, unknown>,
        settings,
      });
      await this.d.workflows.startConnection(id);
      ids.push(id);
    }
    return ids;
  }

  /**
   * Connects a store to a FreshBooks business. The token is tried against the store first ("ping your
   * real systems"); one store feeds one business, since its order numbers become that business's
   * invoice numbers.
   */
  async createStoreConnection(input: z.infer<typeof createStoreConnectionInput>): Promise<string> {
    const auth = await this.d.authorizations.get(input.authorizationId);
    if (!auth) throw new HttpError(404, `unknown authorization ${input.authorizationId}`);
    const b = (auth.identity as unknown as FreshBooksIdentity).businesses.find((x) => x.businessId === input.businessId);
    if (!b) throw new HttpError(400, 'invalid request', [{ field: 'businessId', message: `business ${input.businessId} is not visible to this authorization` }]);
    const { storeHash, accessToken, clientSecret } = input.store;
    if (await this.d.connections.findByStore(storeHash)) throw new HttpError(409, `store ${storeHash} is already connected`);
    await this.checkStoreToken(storeHash, accessToken);
    const secret: BigCommerceStoreSecret = { accessToken, hookSecret: randomBytes(32).toString('base64url'), ...(clientSecret ? { clientSecret } : {}) };
    const credentialId = await this.d.credentials.create<BigCommerceStoreSecret>('bigcommerce_store', secret, { storeHash });
    const id = `conn_${randomUUID()}`;
    const store: BigCommerceStoreConfig = { type: 'bigcommerce', storeHash, credentialId };
    try {
      await this.d.connections.create({
        id, kind: 'bigcommerce_freshbooks',
        freshbooks: { grantId: auth.credentialId, accountId: b.accountId, businessId: b.businessId, businessUuid: b.businessUuid, businessName: b.name },
        destination: store as unknown as Record<string, unknown>,
        settings: {
          pollIntervalSec: input.settings.pollIntervalSec, entities: [], reconcileEveryHours: 24,
          backfillSince: new Date(Date.now() - input.settings.backfillDays * 86_400_000).toISOString(),
        },
      });
    } catch (err) {
      // The look-up above is only a fast path: concurrent requests all pass it, and the database's
      // one-live-connection-per-store index decides. The loser's sealed secret goes with it.
      await this.d.credentials.remove(credentialId);
      if (err instanceof StoreAlreadyConnectedError) throw new HttpError(409, `store ${storeHash} is already connected`);
      throw err;
    }
    await this.d.workflows.storeSync(id);
    return id;
  }

  private async checkStoreToken(storeHash: string, accessToken: string): Promise<void> {
    try {
      await new BigCommerceClient({ apiBase: this.d.config.bigcommerce.apiBase, storeHash, token: accessToken, maxAttempts: 2 }).hooks();
    } catch (err) {
      if (!(err instanceof BigCommerceApiError)) throw err;
      const field = err.status === 404 ? 'store.storeHash' : 'store.accessToken';
      if (err.status === 401 || err.status === 403 || err.status === 404) throw new HttpError(400, 'invalid request', [{ field, message: `BigCommerce refused it (HTTP ${err.status})` }]);
      throw new HttpError(502, `BigCommerce did not answer the check (HTTP ${err.status})`);
    }
  }

  /** A store connection, or 404 (order routes exist only for these). */
  async store(id: string): Promise<ConnectionRecord<BigCommerceStoreConfig>> {
    const c = await this.get(id);
    if (c.kind !== 'bigcommerce_freshbooks') throw new HttpError(404, `connection ${id} has no BigCommerce store`);
    return c as unknown as ConnectionRecord<BigCommerceStoreConfig>;
  }

  /** Checks the destination's secret against the real system, then seals it; only its id is kept in the connection. */
  private async sealDestination(input: DestinationInput): Promise<{ kind: ConnectionKind; destination: DestinationConfig }> {
    try {
      return await sealDestination(input, this.d);
    } catch (err) {
      if (err instanceof DestinationInputError) throw new HttpError(400, 'invalid request', [{ field: `destination.${err.field}`, message: err.message }]);
      throw err;
    }
  }

  /** A connection whose destination cannot update rows: the only kind that needs rebuild / update-schema. */
  async appendOnly(id: string): Promise<ConnectionRecord> {
    const c = await this.get(id);
    if (!destinationOfKind(c.kind)?.traits.appendOnly) throw new HttpError(400, `connection ${id} writes to a destination that keeps every version; use /redeliver instead`);
    return c;
  }

  /** A connection fed by FreshBooks, or 409 with the reason: a store has no FreshBooks records to redeliver or callbacks to check. */
  async freshBooksFed(id: string, action: string): Promise<ConnectionRecord> {
    const c = await this.get(id);
    if (c.kind === 'bigcommerce_freshbooks') throw new HttpError(409, `connection ${id} is a BigCommerce store: ${STORE_REFUSALS[action] ?? `${action} applies to FreshBooks connections only`}`);
    return c;
  }

  /**
   * FreshBooks connections pause in their workflow (requests and webhook changes queue there). A store
   * pauses in Postgres, where its workflow (no sweep, no client updates) and the order webhook route
   * (order events are acknowledged but start nothing; the sweep after resuming reads them from the
   * cursor, which stood still) both look.
   */
  async setPaused(id: string, paused: boolean): Promise<void> {
    const c = await this.get(id);
    if (c.kind !== 'bigcommerce_freshbooks') {
      await this.d.workflows.pauseConnection(c.id, paused);
      return;
    }
    const [from, to] = paused ? ['active', 'paused'] as const : ['paused', 'active'] as const;
    if (c.status !== from && c.status !== to) throw new HttpError(409, `connection ${id} is ${c.status}; only an active store pauses and only a paused one resumes`);
    const { pausedAt: _, ...detail } = c.statusDetail;
    await this.d.connections.setStatus(id, to, paused ? { ...detail, pausedAt: new Date().toISOString() } : detail);
    this.d.statusChanged?.(id);
    await this.d.workflows.storePlanChanged(id);
    // What changed while paused is found by the sweep, from where the cursor stood.
    if (!paused) await this.d.workflows.storeSync(id);
  }

  list(): Promise<ConnectionRecord[]> {
    return this.d.connections.list();
  }

  async get(id: string): Promise<ConnectionRecord> {
    const c = await this.d.connections.get(id);
    if (!c) throw new HttpError(404, `unknown connection ${id}`);
    return c;
  }

  async remove(id: string): Promise<void> {
    const c = await this.get(id);
    await this.d.connections.setStatus(id, 'deleted', { deletedAt: new Date().toISOString() });
    this.d.removed?.(id);
    if (c.kind === 'bigcommerce_freshbooks') await this.d.workflows.stopStore(id);
    else await this.d.workflows.stopConnection(id);
  }
}
