import { CORE_FRESHBOOKS_ENTITIES } from '../../common/freshbooks-entities';
import { lookerAfterDelivery } from '../looker-block';
import type { DestinationModule } from '../types';
import { classifyBigQueryError } from './errors';
import { bigQueryDestinationInput, sealBigQuery } from './input';
import { bigQueryOpener } from './opener';
import { TABLE_KEYS } from '../../mapping/freshbooks';
import { tableName, type BigQueryDestinationConfig } from './writes';

/**
 * BigQuery keeps every version (tables plus latest views): every entity is a change stream, and nothing needs a
 * rebuild. New connections get the nine core entities; the ledger and time tracking are opt-in (`settings.entities`).
 */
export const bigQuery: DestinationModule<'bigquery', typeof bigQueryDestinationInput, BigQueryDestinationConfig> = {
  type: 'bigquery',
  kind: 'freshbooks_bigquery',
  credentialKind: 'google_service_account',
  input: bigQueryDestinationInput,
  seal: sealBigQuery,
  opener: bigQueryOpener,
  traits: { appendOnly: false, snapshotEntities: [], defaultEntities: CORE_FRESHBOOKS_ENTITIES },
  afterDelivery: lookerAfterDelivery,
  classifyError: classifyBigQueryError,
  sqlWarehouse: (d) => ({ dialect: 'bigquery', projectId: d.projectId, datasetId: d.datasetId, tables: Object.fromEntries(TABLE_KEYS.map((k) => [k, tableName(d, k)])) }),
};
