import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../common/config';
import { ALL_FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { BigCommerceApiError, BigCommerceClient } from '../connectors/bigcommerce';
import type { SyncMode } from '../contracts/sync';
import { STORE_KIND, StoreAlreadyConnectedError, type ConnectionRecord, type ConnectionStore, type FreshBooksConnection, type FreshBooksSide, type StoreConnection } from '../db/connections';
import type { BigCommerceStoreSecret, CredentialStore } from '../db/credentials';
import { destinationInput, destinationModule, sealDestination, type DestinationInput } from '../destinations/registry';
import { DestinationInputError } from '../destinations/types';
import type { Workflows } from '../temporal/workflow-starts';
import type { AuthorizationService, Business } from './authorizations';
import { behaviourOf, type ConnectionBehaviour, type ConnectionKindDeps } from './connection-kinds';
import { HttpError } from './http-error';

export const connectionSettingsInput = z.object({
  pollIntervalSec: z.number().int().min(30).max(7 * 86_400).default(900),
  entities: z.array(z.enum(ALL_FRESHBOOKS_ENTITIES as [FreshBooksEntity, ...FreshBooksEntity[]])).min(1).optional(),
  reconcileEveryHours: z.number().min(1).max(24 * 30).default(24),
  webhooks: z.boolean().default(true),
  /** How long webhook changes gather before one delivery; default the destination's (Tableau 2,000, others 0). */
  deliveryWindowMs: z.number().int().min(0).max(60_000).optional(),
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
    /** Sent as X-Auth-Token; shown once by BigCommerce when the account is created. Printable ASCII: a value
     * that cannot be a header would fail in the HTTP client, not at BigCommerce. */
    accessToken: z.string().regex(/^[\x21-\x7e]{1,512}$/, 'must be the API account\'s access token (printable ASCII, no spaces)'),
    /** Optional: lets deliveries signed with Standard Webhooks be checked against it. */
    clientSecret: z.string().min(1).optional(),
  }).strict(),
  settings: z.object({
    pollIntervalSec: z.number().int().min(30).max(86_400).default(300),
    /** How far back the first sweep reads modified orders. */
    backfillDays: z.number().int().min(0).max(3650).default(30),
  }).strict().default({ pollIntervalSec: 300, backfillDays: 30 }),
}).strict();

export interface ConnectionServiceDeps extends ConnectionKindDeps {
  config: AppConfig;
  credentials: CredentialStore;
  authorizations: AuthorizationService;
  workflows: Workflows;
  /** Told after a connection is deleted (caches keyed by connection drop it). */
  removed?: (connectionId: string) => void;
}

const freshBooksSide = (grantId: string, b: Business): FreshBooksSide =>
  ({ grantId, accountId: b.accountId, businessId: b.businessId, businessUuid: b.businessUuid, businessName: b.name });

/** Creating and managing connections; what differs by kind is asked of `connection-kinds.ts`. */
export class ConnectionService {
  constructor(private readonly d: ConnectionServiceDeps) {}

  /** One connection per chosen business; the key is checked before anything is stored. */
  async createConnections(input: z.infer<typeof createConnectionsInput>): Promise<string[]> {
    const { grantId, chosen } = await this.d.authorizations.chooseBusinesses(input.authorizationId, input.businessIds, 'businessIds');
    const { kind, destination } = await this.sealDestination(input.destination);
    const settings = { ...input.settings, entities: input.settings.entities ?? [...destinationModule(input.destination.type).traits.defaultEntities] };
    const ids: string[] = [];
    for (const b of chosen) {
      const id = `conn_${randomUUID()}`;
      await this.d.connections.create({ id, kind, freshbooks: freshBooksSide(grantId, b), destination, settings });
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
    const { grantId, chosen: [b] } = await this.d.authorizations.chooseBusinesses(input.authorizationId, [input.businessId], 'businessId');
    const { storeHash, accessToken, clientSecret } = input.store;
    if (await this.d.connections.findByStore(storeHash)) throw new HttpError(409, `store ${storeHash} is already connected`);
    await this.checkStoreToken(storeHash, accessToken);
    const secret: BigCommerceStoreSecret = { accessToken, hookSecret: randomBytes(32).toString('base64url'), ...(clientSecret ? { clientSecret } : {}) };
    const credentialId = await this.d.credentials.create<BigCommerceStoreSecret>('bigcommerce_store', secret, { storeHash });
    const id = `conn_${randomUUID()}`;
    try {
      await this.d.connections.create({
        id, kind: STORE_KIND, freshbooks: freshBooksSide(grantId, b!),
        destination: { type: 'bigcommerce', storeHash, credentialId },
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

  /** Checks the destination's secret against the real system, then seals it; only its id is kept in the connection. */
  private async sealDestination(input: DestinationInput) {
    try {
      return await sealDestination(input, this.d);
    } catch (err) {
      if (err instanceof DestinationInputError) throw new HttpError(400, 'invalid request', [{ field: `destination.${err.field}`, message: err.message }]);
      throw err;
    }
  }

  list(): Promise<ConnectionRecord[]> {
    return this.d.connections.list();
  }

  async get(id: string): Promise<ConnectionRecord> {
    const c = await this.d.connections.get(id);
    if (!c) throw new HttpError(404, `unknown connection ${id}`);
    return c;
  }

  /** The connection and its live state: its workflow's view, and for FreshBooks-fed ones runs, deliveries and callbacks. */
  async inspect(id: string): Promise<{ connection: ConnectionRecord; details: Record<string, unknown> }> {
    const connection = await this.get(id);
    // Asked alongside: a workflow view missing because Temporal is down says so, not just `null`.
    const [details, temporalUp] = await Promise.all([this.behaviour(connection).details(), this.d.workflows.temporalReachable()]);
    return { connection, details: temporalUp ? details : { ...details, down: ['temporal'] } };
  }

  /** What the delivery ledger holds for one record of a connection, or 404; `entity` is read once the connection is known. */
  async deliveredRecord(id: string, entity: () => FreshBooksEntity, recordId: string) {
    const c = await this.get(id);
    const e = entity();
    const entry = await this.d.ledger.get(c.id, e, recordId);
    if (!entry) throw new HttpError(404, 'record not delivered by this connection');
    return { connectionId: c.id, entity: e, entry };
  }

  /** Sync now; returns the mode it runs in (`sweep` for a store). */
  async sync(id: string, mode: () => SyncMode): Promise<SyncMode | 'sweep'> {
    return this.behaviour(await this.get(id)).sync(mode);
  }

  /** Re-sends records to the destination; `request` is read only once the connection is known to be FreshBooks-fed. */
  async redeliver<R extends Parameters<Workflows['redeliver']>[1]>(id: string, request: () => R): Promise<R> {
    const c = await this.freshBooksFed(id, 'redeliver');
    const body = request();
    await this.d.workflows.redeliver(c.id, body);
    return body;
  }

  /** Checks the FreshBooks callbacks now: registers missing ones, re-registers unverified ones. */
  async checkWebhooks(id: string): Promise<void> {
    const c = await this.freshBooksFed(id, 'webhooks');
    await this.d.workflows.checkWebhooks(c.id);
  }

  /** Append-only destinations (Power BI): `rebuild` empties and re-sends; `update_schema` first makes the tables match ours. */
  async maintain(id: string, action: 'rebuild' | 'update_schema'): Promise<void> {
    const c = this.behaviour(await this.get(id)).appendOnly();
    await this.d.workflows.maintain(c.id, { action });
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    await this.behaviour(await this.get(id)).setPaused(paused);
  }

  async remove(id: string): Promise<void> {
    const c = await this.get(id);
    await this.d.connections.setStatus(id, 'deleted', { deletedAt: new Date().toISOString() });
    this.d.removed?.(id);
    await this.behaviour(c).stop();
  }

  /** Each connection on a grant authorized again resumes the way its kind does. */
  async reauthorized(ids: string[]): Promise<void> {
    for (const id of ids) await this.behaviour(await this.get(id)).reauthorized();
  }

  /** A store connection, or 404 (order routes exist only for these). */
  async store(id: string): Promise<StoreConnection> {
    return this.behaviour(await this.get(id)).store();
  }

  /** Where a warehouse connection's tables are; 404 for unknown ids, 400 for destinations that are not warehouses. */
  async warehouse(id: string) {
    return this.behaviour(await this.get(id)).warehouse();
  }

  private async freshBooksFed(id: string, action: string): Promise<FreshBooksConnection> {
    return this.behaviour(await this.get(id)).freshBooksFed(action);
  }

  private behaviour(c: ConnectionRecord): ConnectionBehaviour {
    return behaviourOf(c, this.d);
  }
}
