/** FreshBooks -> warehouse mapping: pure functions, no I/O. */
export { easternWallToUtcIso, toUtcIso, type SourceZone } from './time';
export { normaliseDecimal } from './decimal';
export { EXPENSE_STATUS, INVOICE_STATUS } from './status';
export type { FieldSpec } from './fields';
export {
  TABLES,
  TABLE_KEYS,
  entityTableFor,
  lineTablesFor,
  tablesOfEntities,
  type TableKey,
  type TableSpec,
  type ParentLink,
  type JoinColumn,
  type CarriedParentColumns,
} from './tables';
export { mapRecord, mapTombstone, reconciledFigures, recordVersion, type MapContext, type MappedRow, type RecordMoney, type RecordVersion } from './map-record';
export { inferExtraColumns, sanitiseColumnName } from './extra-columns';
export { MAX_INSERT_ID_LENGTH } from './insert-id';
export { latestViewSql, latestViewSqlPostgres } from './latest-view';
export { RECONCILED_MONEY, listedRowsCondition, reconciledMoney, moneyOfRow } from './reconciled-money';
