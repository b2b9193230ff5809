/** Hyper (.hyper files for Tableau) from Node: hyperd over the PostgreSQL wire protocol, no Python at run time. */
export { HyperProcess, HYPER_USER, hyperdBinFromEnv, sharedHyperProcess, type HyperEndpoint, type HyperProcessOptions } from './process';
export { writeHyperFile, copyRows, copyCsvLines, type HyperCsvTable, type WriteHyperOptions, type WrittenHyperFile } from './writer';
export { readHyperTable, describeHyperTable, listHyperTables, typeName, type HyperColumnInfo, type ReadHyperOptions } from './reader';
export { csvField, csvLine, HyperValueError } from './csv';
export { DEFAULT_NUMERIC, EXTRACT_SCHEMA, createTableSql, numericSpec, quoteIdent, quoteLiteral, quotePath, sqlType, tableName, type HyperColumn, type HyperTable } from './sql';
