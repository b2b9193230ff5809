import { Client } from 'pg';
import { quoteIdent } from './column-types';
import { scrubber, warehouseError } from './errors';

/** Which input field a refused check names, and why (scrubbed of the password). */
export interface AccessCheck {
  field: 'url' | 'schema';
  message: string;
}

/**
 * "Ping your real systems" for a warehouse: log in with the URL, then make sure the role can create
 * tables in the schema — creating the schema when it is absent. Returns null when all is well.
 * Anything that stops the login names `url`; a role without the rights names `schema`.
 */
export async function checkWarehouseAccess(url: string, schema: string, opts: { connectTimeoutMs: number }): Promise<AccessCheck | null> {
  const scrub = scrubber(url);
  let client: Client;
  try {
    client = new Client({ connectionString: url, connectionTimeoutMillis: opts.connectTimeoutMs, statement_timeout: opts.connectTimeoutMs, query_timeout: opts.connectTimeoutMs * 2 });
  } catch (err) {
    // pg parses the URL here (and would read files it names): a URL it cannot take names the field.
    return { field: 'url', message: `not usable: ${warehouseError(err, scrub).message}` };
  }
  // An error after connect (the server going away) is reported on the pending query; without a
  // listener it would take down the process.
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (err) {
      return { field: 'url', message: `cannot log in: ${warehouseError(err, scrub).message}` };
    }
    try {
      const { rows } = await client.query<{ can_create: boolean; can_use: boolean; role: string }>(
        `SELECT has_schema_privilege(current_user, n.oid, 'CREATE') AS can_create, has_schema_privilege(current_user, n.oid, 'USAGE') AS can_use, current_user AS role
           FROM pg_namespace n WHERE n.nspname = $1`, [schema]);
      if (rows[0]) {
        if (rows[0].can_create && rows[0].can_use) return null;
        return { field: 'schema', message: `role ${rows[0].role} may not create tables in schema ${schema} (needs USAGE and CREATE on it)` };
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      return null;
    } catch (err) {
      const e = warehouseError(err, scrub);
      if (e.reason === 'permission') return { field: 'schema', message: `schema ${schema} does not exist and the role may not create it (needs CREATE on the database): ${e.message}` };
      return { field: 'url', message: `the check failed: ${e.message}` };
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
