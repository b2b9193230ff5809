/**
 * The optional `looker` block every warehouse destination accepts (BigQuery, Postgres): the Looker
 * instance, an API key, and the datagroups to trigger once delivered rows have committed, so Looker's
 * PDTs and caches built on them refresh (destinations.md D2, D4-8: Looker holds no data).
 *
 * A warehouse adds it in three lines: `looker: lookerBlockInput.optional()` in its input schema,
 * `checkLookerBlock` before it seals anything and `sealLookerBlock` after, and
 * `afterDelivery: lookerAfterDelivery` in its module.
 */
import { z } from 'zod';
import {
  LookerClient, LookerLoginRefusedError, LookerRateLimitedError, LookerUnavailableError, LookerUnknownDatagroupError, type ResolvedDatagroup,
} from '../connectors/looker';
import type { LookerApiKeySecret } from '../db/credentials';
import { DestinationInputError, type AfterDeliveryHook, type AnnounceOutcome, type DestinationEnv, type SealDeps } from './types';

export const DEFAULT_LOOKER_WINDOW_SEC = 60;

export const lookerBlockInput = z.object({
  /** The instance URL (legacy hosts: with `:19999`), without `/api/4.0`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(500),
  datagroups: z.array(z.string().regex(/^[^:\s]+::[^:\s]+$/, 'write it as model::datagroup')).min(1).max(50),
  /** At most one trigger per datagroup per window; a change inside it is announced at the window's end. */
  windowSec: z.number().int().min(1).max(86_400).default(DEFAULT_LOOKER_WINDOW_SEC),
}).strict();

export type LookerBlockInput = z.output<typeof lookerBlockInput>;

/** What a connection stores: the secret only as a credential id; datagroups by name and by the id Looker gave. */
export interface LookerBlockConfig {
  baseUrl: string;
  clientId: string;
  credentialId: string;
  datagroups: ResolvedDatagroup[];
  windowSec: number;
}

/** The block after its on-entry check: logged in and names resolved. Holds the secret until sealed. */
export interface CheckedLookerBlock {
  input: LookerBlockInput;
  datagroups: ResolvedDatagroup[];
}

/**
 * "Ping your real systems": logs in and resolves every name. A refused key names
 * `looker.clientSecret`, an unknown datagroup `looker.datagroups[i]`, an unreachable instance
 * `looker.baseUrl` (each a 400 from the API, with nothing stored).
 */
export async function checkLookerBlock(input: LookerBlockInput | undefined): Promise<CheckedLookerBlock | undefined> {
  if (!input) return undefined;
  const client = new LookerClient({ baseUrl: input.baseUrl, clientId: input.clientId, clientSecret: input.clientSecret, timeoutMs: 10_000 });
  try {
    const datagroups = await client.resolveDatagroups(input.datagroups);
    await client.logout();
    return { input, datagroups };
  } catch (err) {
    if (err instanceof LookerLoginRefusedError) throw new DestinationInputError('looker.clientSecret', `${err.message}; check the API key (Admin → Users → API keys)`);
    if (err instanceof LookerUnknownDatagroupError) {
      throw new DestinationInputError(`looker.datagroups[${err.index ?? 0}]`, `${err.message}; names are model::datagroup as in the model's LookML`);
    }
    if (err instanceof LookerUnavailableError || err instanceof LookerRateLimitedError) {
      throw new DestinationInputError('looker.baseUrl', `could not check the Looker instance: ${err.message}`);
    }
    throw err;
  }
}

export async function sealLookerBlock(checked: CheckedLookerBlock | undefined, deps: SealDeps): Promise<{ looker?: LookerBlockConfig }> {
  if (!checked) return {};
  const { baseUrl, clientId, clientSecret, windowSec } = checked.input;
  const credentialId = await deps.sealAs<LookerApiKeySecret>('looker_api_key', { clientSecret }, { baseUrl, clientId });
  return { looker: { baseUrl, clientId, credentialId, datagroups: checked.datagroups, windowSec } };
}

/** Triggers every configured datagroup; one client per API key per worker, so its token is reused. */
export const lookerAfterDelivery: AfterDeliveryHook<{ looker?: LookerBlockConfig }> = {
  windowSec: (config) => config.looker?.windowSec,
  announcer(env: DestinationEnv) {
    const clients = new Map<string, { version: number; client: LookerClient }>();
    async function clientFor(block: LookerBlockConfig): Promise<LookerClient | undefined> {
      const cred = await env.credentials.get<LookerApiKeySecret>(block.credentialId);
      if (!cred) return undefined;
      const key = `${block.credentialId}|${block.baseUrl}|${block.clientId}`;
      const cached = clients.get(key);
      if (cached && cached.version === cred.version) return cached.client;
      const client = new LookerClient({ baseUrl: block.baseUrl, clientId: block.clientId, clientSecret: cred.secret.clientSecret });
      clients.set(key, { version: cred.version, client });
      return client;
    }
    return async (config): Promise<AnnounceOutcome> => {
      const block = config.looker;
      if (!block) return { ok: true, announced: 0 };
      try {
        const client = await clientFor(block);
        if (!client) return { ok: false, error: `the Looker API key (credential ${block.credentialId}) is missing` };
        // In order, stopping at the first failure: a retry re-triggers the earlier ones, which is harmless.
        for (const g of block.datagroups) await client.triggerDatagroup(g.id);
        return { ok: true, announced: block.datagroups.length };
      } catch (err) {
        if (err instanceof LookerRateLimitedError) return { ok: false, error: err.message, retryAfterMs: err.retryAfterMs };
        if (err instanceof Error && err.name.startsWith('Looker')) return { ok: false, error: err.message };
        throw err;
      }
    };
  },
};
