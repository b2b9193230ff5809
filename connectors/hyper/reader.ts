/** Reading .hyper files back (tests, the Tableau sandbox): tables, column types and rows. */
import { resolve } from 'node:path';
import type pg from 'pg';
import { sharedHyperProcess, type HyperProcess } from './process';
import { EXTRACT_SCHEMA, quoteIdent, quoteLiteral, quotePath, tableName } from './sql';

export interface ReadHyperOptions {
  hyper?: HyperProcess;
  schema?: string;
  /** Column names to sort by; default the first column. */
  orderBy?: string[];
  /** Column names to read; default all. */
  columns?: string[];
}

export interface HyperColumnInfo {
  name: string;
  /** Hyper's SQL spelling: TEXT, BIGINT, NUMERIC(18,2), TIMESTAMP, … */
  sqlType: string;
}

/**
 * Rows as objects. BIGINT and NUMERIC come back as strings (no precision lost), DATE as `YYYY-MM-DD`,
 * TIMESTAMP/TIMESTAMPTZ as ISO-8601 UTC (`…Z`), BOOLEAN and DOUBLE PRECISION as JS values.
 */
export async function readHyperTable(path: string, table: string, opts: ReadHyperOptions = {}): Promise<Record<string, unknown>[]> {
  return withAttached(path, opts.hyper, async (client) => {
    const qualified = tableName(opts.schema ?? EXTRACT_SCHEMA, table, 'src');
    const probe = await client.query(`SELECT * FROM ${qualified} LIMIT 0`);
    const order = opts.orderBy ?? (probe.fields[0] ? [probe.fields[0].name] : []);
    const select = opts.columns?.length ? opts.columns.map(quoteIdent).join(', ') : '*';
    const sql = `SELECT ${select} FROM ${qualified}${order.length ? ` ORDER BY ${order.map(quoteIdent).join(', ')}` : ''}`;
    return (await client.query(sql)).rows;
  });
}

export async function describeHyperTable(path: string, table: string, opts: Omit<ReadHyperOptions, 'orderBy'> = {}): Promise<HyperColumnInfo[]> {
  return withAttached(path, opts.hyper, async (client) => {
    const probe = await client.query(`SELECT * FROM ${tableName(opts.schema ?? EXTRACT_SCHEMA, table, 'src')} LIMIT 0`);
    return probe.fields.map((f) => ({ name: f.name, sqlType: typeName(f.dataTypeID, f.dataTypeModifier) }));
  });
}

/** Every table of a .hyper file as schema and name. */
export async function listHyperTables(path: string, opts: { hyper?: HyperProcess } = {}): Promise<{ schema: string; name: string }[]> {
  return withAttached(path, opts.hyper, async (client) => {
    const r = await client.query(`SELECT schemaname, tablename FROM "src".pg_catalog.pg_tables WHERE schemaname <> ${quoteLiteral('pg_catalog')} ORDER BY 1, 2`);
    return r.rows.map((row: { schemaname: string; tablename: string }) => ({ schema: row.schemaname, name: row.tablename }));
  });
}

async function withAttached<T>(path: string, hyper: HyperProcess | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await (hyper ?? sharedHyperProcess()).connect();
  try {
    await client.query(`ATTACH DATABASE ${quotePath(resolve(path))} AS "src"`);
    try {
      return await fn(client);
    } finally {
      // Explicitly: hyperd releases a file only some time after the connection closes, and the next
      // writer of the same file would find it locked ("locked by another process").
      await client.query(`DETACH DATABASE "src"`).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

const TYPE_NAMES: Record<number, string> = {
  16: 'BOOLEAN',
  20: 'BIGINT',
  21: 'SMALLINT',
  23: 'INTEGER',
  25: 'TEXT',
  700: 'REAL',
  701: 'DOUBLE PRECISION',
  1042: 'CHAR',
  1043: 'VARCHAR',
  1082: 'DATE',
  1083: 'TIME',
  1114: 'TIMESTAMP',
  1184: 'TIMESTAMPTZ',
  1186: 'INTERVAL',
  2950: 'UUID',
};

export function typeName(oid: number, typmod: number): string {
  if (oid === 1700) return typmod >= 4 ? `NUMERIC(${(typmod - 4) >> 16},${(typmod - 4) & 0xffff})` : 'NUMERIC';
  return TYPE_NAMES[oid] ?? `OID ${oid}`;
}
