import { BigQueryWarehouse } from '../../connectors/bigquery';
import { ServiceAccountTokenProvider, parseServiceAccountKey } from '../../connectors/google';
import type { ServiceAccountSecret } from '../../db/credentials';
import type { DestinationEnv, DestinationOpener } from '../types';
import { BigQueryDestination } from './adapter';
import type { BigQueryDestinationConfig } from './writes';

/**
 * One token provider per key version, so its cached token is reused across activities; and the
 * columns already added per table, so a known extra field does not cost a tables.get per batch.
 */
export function bigQueryOpener(env: DestinationEnv): DestinationOpener<BigQueryDestinationConfig> {
  const tokenProviders = new Map<string, { version: number; provider: ServiceAccountTokenProvider }>();
  const knownColumns = new Map<string, Set<string>>();

  async function serviceAccountTokens(credentialId: string): Promise<ServiceAccountTokenProvider> {
    const cred = await env.credentials.get<ServiceAccountSecret>(credentialId);
    if (!cred) throw new Error(`service account credential ${credentialId} not found`);
    const cached = tokenProviders.get(credentialId);
    if (cached && cached.version === cred.version) return cached.provider;
    const provider = new ServiceAccountTokenProvider({ key: parseServiceAccountKey(cred.secret.keyJson), tokenUrl: env.config.google.tokenUrl });
    tokenProviders.set(credentialId, { version: cred.version, provider });
    return provider;
  }

  return async (d) => {
    const warehouse = new BigQueryWarehouse({
      target: { projectId: d.projectId, datasetId: d.datasetId, location: d.location },
      apiEndpoint: env.config.google.bigqueryEndpoint,
      tokens: await serviceAccountTokens(d.credentialId),
    });
    return new BigQueryDestination(warehouse, d, knownColumns);
  };
}
