/** A Postgres database as a warehouse (pg, no Temporal): tables that only grow, views, exactly-once batches. */
export { PostgresWarehouse, BATCHES_TABLE, type BatchWrite, type BatchResult, type TableWrite, type TableSpecPg, type ViewSpec, type PostgresWarehouseOptions } from './warehouse';
export { PostgresWarehouseError, scrubber, warehouseError, type PostgresFailureReason } from './errors';
export { PG_TYPES, PG_DATA_TYPES, pgType, quoteIdent } from './column-types';
export { copyField, copyTextLine, pgText } from './copy-text';
export { checkWarehouseAccess, type AccessCheck } from './access-check';
