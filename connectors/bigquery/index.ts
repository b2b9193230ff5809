export {
  BigQueryWarehouse,
  BIGQUERY_PRODUCTION_ENDPOINT,
  type BigQueryTarget,
  type BigQueryWarehouseOptions,
  type JobPollingOptions,
  type LoadRowsOptions,
  type LoadRowsResult,
} from './warehouse';
export {
  BigQueryApiError,
  SchemaConflictError,
  InvalidSchemaError,
  LoadJobFailedError,
  LoadJobTimeoutError,
  LoadJobUnverifiedError,
  JobIdCollisionError,
  InsertRowsError,
  DatasetLocationMismatchError,
  RowEncodingError,
  type BigQueryErrorDetail,
  type InsertRowFailure,
} from './errors';
export type { RetryOptions } from './retry';
