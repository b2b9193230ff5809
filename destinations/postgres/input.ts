import { z } from 'zod';
import { checkWarehouseAccess } from '../../connectors/postgres-warehouse';
import type { PostgresWarehouseSecret } from '../../db/credentials';
import { checkLookerBlock, lookerBlockInput, sealLookerBlock } from '../looker-block';
import { DestinationInputError, type SealDeps } from '../types';
import type { PostgresDestinationConfig } from './config';

const CHECK_TIMEOUT_MS = 10_000;

/** pg reads these as file paths on the worker's host: API input must not choose files the service opens. */
const FILE_PARAMS = ['sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'passfile', 'service'];

function postgresUrl(text: string): URL | null {
  try {
    const u = new URL(text);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' && u.pathname.length > 1 ? u : null;
  } catch {
    return null;
  }
}

export const postgresDestinationInput = z.object({
  type: z.literal('postgres'),
  // Messages never quote the value: it holds a password.
  url: z.string().max(4096)
    .refine((u) => postgresUrl(u) !== null, 'must be a postgres://user:password@host:port/database URL')
    .refine((u) => !FILE_PARAMS.some((p) => postgresUrl(u)?.searchParams.has(p)), `must not name files (${FILE_PARAMS.join(', ')})`),
  /** Lowercase, so it needs no quoting in the SQL people write against it. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lowercase letters, digits and underscores (at most 63)').default('freshbooks'),
  looker: lookerBlockInput.optional(),
}).strict();

/**
 * Logs in with the URL and makes sure the role can create in the schema (creating it if absent)
 * before anything is stored; then seals the URL. The connection keeps only the credential id.
 */
export async function sealPostgres(input: z.output<typeof postgresDestinationInput>, deps: SealDeps): Promise<PostgresDestinationConfig> {
  const refused = await checkWarehouseAccess(input.url, input.schema, { connectTimeoutMs: CHECK_TIMEOUT_MS });
  if (refused) throw new DestinationInputError(refused.field, refused.message);
  // Checked before anything is sealed, so a refused Looker block leaves nothing stored.
  const looker = await checkLookerBlock(input.looker);
  const u = postgresUrl(input.url)!;
  const target = { host: u.port ? `${u.hostname}:${u.port}` : u.hostname, database: decoded(u.pathname.slice(1)) };
  const credentialId = await deps.sealSecret<PostgresWarehouseSecret>({ url: input.url }, { ...target, user: decoded(u.username) });
  return { type: 'postgres', schema: input.schema, credentialId, ...target, ...(await sealLookerBlock(looker, deps)) };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
