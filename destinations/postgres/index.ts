import { ALL_FRESHBOOKS_ENTITIES } from '../../common/freshbooks-entities';
import { lookerAfterDelivery } from '../looker-block';
import type { DestinationModule } from '../types';
import { TABLE_KEYS } from '../../mapping/freshbooks';
import { tableName, type PostgresDestinationConfig } from './config';
import { classifyPostgresError } from './errors';
import { postgresDestinationInput, sealPostgres } from './input';
import { postgresOpener } from './opener';

/** A Postgres warehouse keeps every version (tables plus latest views), as BigQuery does. */
export const postgres: DestinationModule<'postgres', typeof postgresDestinationInput, PostgresDestinationConfig> = {
  type: 'postgres',
  kind: 'freshbooks_postgres',
  credentialKind: 'postgres_warehouse_url',
  input: postgresDestinationInput,
  seal: sealPostgres,
  opener: postgresOpener,
  traits: { appendOnly: false, snapshotEntities: [], defaultEntities: ALL_FRESHBOOKS_ENTITIES },
  classifyError: classifyPostgresError,
  afterDelivery: lookerAfterDelivery,
  sqlWarehouse: (d) => ({ dialect: 'postgres', schema: d.schema, tables: Object.fromEntries(TABLE_KEYS.map((k) => [k, tableName(k)])) }),
};

export { latestViewName, tableName, type PostgresDestinationConfig } from './config';
