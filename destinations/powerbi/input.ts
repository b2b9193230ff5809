import { z } from 'zod';
import { PowerBiAuthError, PowerBiTokenProvider } from '../../connectors/powerbi';
import type { PowerBiServicePrincipalSecret } from '../../db/credentials';
import { DestinationInputError, type SealDeps } from '../types';
import type { PowerBiDestinationConfig } from './adapter';

const uuid = z.uuid('must be a GUID');

export const powerBiDestinationInput = z.object({
  type: z.literal('powerbi'),
  tenantId: z.union([uuid, z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a tenant GUID or domain')]),
  clientId: uuid,
  clientSecret: z.string().min(1),
  /** Workspace (group) id; the service principal must be a Member or Admin of it. */
  workspaceId: uuid,
  datasetName: z.string().min(1).max(100).default('FreshBooks'),
  /** basicFIFO silently drops the oldest rows past 200,000 per table; None keeps up to 5,000,000. */
  retentionPolicy: z.enum(['None', 'basicFIFO']).default('None'),
}).strict();

/** The service principal must get a token before its secret is sealed; the connection keeps only the credential id. */
export async function sealPowerBi(input: z.output<typeof powerBiDestinationInput>, deps: SealDeps): Promise<PowerBiDestinationConfig> {
  const { clientSecret, ...rest } = input;
  await checkServicePrincipal(input, deps.config.powerbi.authorityUrl);
  const credentialId = await deps.sealSecret<PowerBiServicePrincipalSecret>({ clientSecret }, { tenantId: input.tenantId, clientId: input.clientId });
  return { ...rest, credentialId };
}

/** "Add your credentials, ping your real systems": a token request names the wrong field before anything is stored. */
async function checkServicePrincipal(input: { tenantId: string; clientId: string; clientSecret: string }, authorityUrl: string): Promise<void> {
  try {
    await new PowerBiTokenProvider({ authorityUrl, tenantId: input.tenantId, clientId: input.clientId, clientSecret: input.clientSecret }).token();
  } catch (err) {
    if (!(err instanceof PowerBiAuthError)) throw err;
    throw new DestinationInputError(err.credentialField, err.message);
  }
}
