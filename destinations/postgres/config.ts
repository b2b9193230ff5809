import { TABLES, type TableKey } from '../../mapping/freshbooks';
import type { LookerBlockConfig } from '../looker-block';

/** What a Postgres-warehouse connection stores: the schema, and the sealed URL's credential id. */
export interface PostgresDestinationConfig {
  type: 'postgres';
  /** The schema every table and view is created in. */
  schema: string;
  /** The connection URL (it holds the password), sealed as a `postgres_warehouse_url` credential. */
  credentialId: string;
  /** Where it points, for people and tools reading the connection; never the password. */
  host: string;
  database: string;
  /** Datagroups told when delivered rows have committed. */
  looker?: LookerBlockConfig;
}

/** The same names as BigQuery's: the catalogue's table names, and `<table>_latest` for the views. */
export const tableName = (key: TableKey): string => TABLES[key].defaultName;
export const latestViewName = (key: TableKey): string => `${tableName(key)}_latest`;
