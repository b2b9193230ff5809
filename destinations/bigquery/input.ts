import { z } from 'zod';
import { InvalidServiceAccountKeyError, parseServiceAccountKey } from '../../connectors/google';
import type { ServiceAccountSecret } from '../../db/credentials';
import { TABLES, type TableKey } from '../../mapping/freshbooks';
import { checkLookerBlock, lookerBlockInput, sealLookerBlock } from '../looker-block';
import { DestinationInputError, type SealDeps } from '../types';
import type { BigQueryDestinationConfig } from './writes';

const tableKeys = Object.keys(TABLES) as [TableKey, ...TableKey[]];
const bqIdent = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

export const bigQueryDestinationInput = z.object({
  type: z.literal('bigquery'),
  projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  datasetId: z.string().regex(bqIdent, 'must be letters, digits and underscores'),
  location: z.string().min(2).default('US'),
  tables: z.partialRecord(z.enum(tableKeys), z.string().regex(bqIdent, 'must be letters, digits and underscores')).default({}),
  serviceAccountKey: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  looker: lookerBlockInput.optional(),
}).strict();

/**
 * The key is parsed (a malformed one names the field) and sealed; the connection keeps its credential
 * id. A Looker block is checked before anything is sealed, so a refused one leaves nothing stored.
 */
export async function sealBigQuery(input: z.output<typeof bigQueryDestinationInput>, deps: SealDeps): Promise<BigQueryDestinationConfig> {
  const { serviceAccountKey, looker, ...dest } = input;
  let keyJson: string;
  try {
    keyJson = JSON.stringify(parseServiceAccountKey(serviceAccountKey));
  } catch (err) {
    if (err instanceof InvalidServiceAccountKeyError) throw new DestinationInputError('serviceAccountKey', err.message);
    throw err;
  }
  const checkedLooker = await checkLookerBlock(looker);
  const keyMeta = JSON.parse(keyJson) as { client_email: string };
  const credentialId = await deps.sealSecret<ServiceAccountSecret>({ keyJson }, { clientEmail: keyMeta.client_email });
  return { ...dest, credentialId, ...(await sealLookerBlock(checkedLooker, deps)) };
}
