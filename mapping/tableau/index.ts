/** FreshBooks -> Tableau published data source (Hyper) mapping: pure functions, no I/O. */
export {
  TABLEAU_TABLES,
  TABLEAU_TABLE_NAMES,
  TABLEAU_ENTITIES,
  EXTRACT_SCHEMA,
  tableauTableFor,
  type TableauTableName,
  type TableauTableSpec,
  type TableauColumn,
  type HyperColumn,
} from './tables';
export { tableauChanges, tableauRow, type TableChanges, type HyperValue, type HyperRow, type TombstoneIn } from './changes';
export { emptyDataSourceTables, payloadTables, updateActions, rowsPerAction, type PayloadTable, type UpdateAction } from './payload';
