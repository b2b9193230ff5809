/**
 * Row versions, used both as BigQuery insertId (streaming dedup) and as the `_version` column (the
 * latest-state views match lines to their parent's version with it).
 *
 * A version names a FreshBooks record *as of one update*: re-reading an unchanged record yields the same
 * id, so retries and overlapping sync windows dedupe, while a real edit yields a new one.
 */
import { createHash } from 'node:crypto';

/** BigQuery's insertId limit. */
export const MAX_INSERT_ID_LENGTH = 128;
const TAIL_HASH_LENGTH = 32;

/**
 * The version part for a record: its `updated` text as FreshBooks sent it plus a short hash of the
 * content. The hash matters because FreshBooks is not known to bump `updated` on every change (a
 * soft delete, a balance recomputed): any change of content must give a new version, or the delivery
 * ledger would take the changed record for one already sent. Records without `updated` (chart of
 * accounts) get the hash alone.
 */
export function versionToken(updatedRaw: string | null, record: unknown): string {
  const hash = recordContentHash(record);
  return updatedRaw !== null && updatedRaw !== '' ? `${updatedRaw}#${hash}` : `#${hash}`;
}

/** `${accountId}:${table}:${id}:${version}` */
export function recordInsertId(accountId: string, table: string, id: string, version: string): string {
  return boundInsertId([accountId, table, id, version].join(':'));
}

/** `${accountId}:${table}:${parentId}:${lineKey}:${parentVersion}` */
export function lineInsertId(accountId: string, table: string, parentId: string, lineKey: string, parentVersion: string): string {
  return boundInsertId([accountId, table, parentId, lineKey, parentVersion].join(':'));
}

/**
 * Ids over 128 characters (or with non-ASCII text, whose byte length could exceed the limit) keep a
 * readable prefix and replace the tail by a hash of the whole id: still unique, still deterministic.
 */
export function boundInsertId(id: string): string {
  if (id.length <= MAX_INSERT_ID_LENGTH && /^[\x20-\x7e]*$/.test(id)) return id;
  const keep = MAX_INSERT_ID_LENGTH - TAIL_HASH_LENGTH - 1;
  const prefix = id.replace(/[^\x20-\x7e]/g, '?').slice(0, keep);
  return `${prefix}~${sha256Hex(id).slice(0, TAIL_HASH_LENGTH)}`;
}

/** 16 hex chars of SHA-256 over canonical JSON (keys sorted), so key order in the reply does not matter. */
/**
 * A fetched record's hash, once per record object: the ledger (recordVersion) and the mapping (mapRecord)
 * both ask for it, and canonical JSON plus SHA-256 of every record was ~0.25 CPU-s of a 5,714-record
 * backfill each time. Records are never modified once read from FreshBooks, so the object stands for its content.
 */
const recordHashes = new WeakMap<object, string>();
function recordContentHash(record: unknown): string {
  if (typeof record !== 'object' || record === null) return contentHash(record);
  let hash = recordHashes.get(record);
  if (hash === undefined) recordHashes.set(record, (hash = contentHash(record)));
  return hash;
}

export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const entries = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
