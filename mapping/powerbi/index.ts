/** FreshBooks -> Power BI push dataset mapping: pure functions, no I/O. */
export {
  POWERBI_TABLES,
  POWERBI_TABLE_KEYS,
  POWERBI_CORE_TABLE_KEYS,
  POWERBI_FACT_ENTITIES,
  POWERBI_DIMENSION_ENTITIES,
  powerBiTablesFor,
  type PowerBiTableKey,
  type PowerBiTableSpec,
  type PowerBiColumn,
  type PowerBiDataType,
} from './tables';
export { mapToPowerBi, tombstoneFor, type PowerBiMapContext, type PowerBiRow } from './map-record';
export { datasetDefinition, compareSchema, expectedTables, describeMismatch, type ActualTable, type PowerBiDatasetDefinition, type SchemaMismatch } from './schema';
export { POWERBI_MAX_STRING_LENGTH, truncateForPowerBi, toPowerBiValue } from './values';
