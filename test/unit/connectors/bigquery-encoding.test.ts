/** Pure helpers of connectors/bigquery: row encoding, schema diffing, error classification. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSpec } from '../../../common/warehouse-types';
import { BigQueryApiError, RowEncodingError, SchemaConflictError } from '../../../connectors/bigquery';
import { chunkInsertRows, encodeNdjson, INSERT_ALL_MAX_ROWS } from '../../../connectors/bigquery/row-encoding';
import { toBigQueryApiError, withRetry, DEFAULT_RETRY } from '../../../connectors/bigquery/retry';
import { canonicalType, columnsToAdd } from '../../../connectors/bigquery/schema';
import { retryDelayMs, DEFAULT_BACKOFF, parseRetryAfterMs } from '../../../connectors/google/backoff';
import { redactSecrets } from '../../../connectors/google/redact';

const cols: ColumnSpec[] = [
  { name: 'id', type: 'STRING' },
  { name: 'amount', type: 'NUMERIC' },
  { name: 'issued_on', type: 'DATE' },
  { name: 'at', type: 'TIMESTAMP' },
  { name: 'big', type: 'INT64' },
];

describe('encodeNdjson', () => {
  it('writes one JSON object per line, money as strings, dates as YYYY-MM-DD, bigint as string', () => {
    const out = encodeNdjson('ds.t', [
      { id: 'a', amount: '12.34', issued_on: new Date('2026-02-03T10:00:00Z'), at: new Date('2026-02-03T10:00:00.5Z'), big: 2n ** 62n },
      { id: 'b', amount: null },
    ], cols).toString('utf8');
    const lines = out.split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.deepEqual(JSON.parse(lines[0]!), { id: 'a', amount: '12.34', issued_on: '2026-02-03', at: '2026-02-03T10:00:00.500Z', big: '4611686018427387904' });
    assert.deepEqual(JSON.parse(lines[1]!), { id: 'b', amount: null });
  });

  it('rejects JS numbers and malformed decimals in NUMERIC columns', () => {
    assert.throws(() => encodeNdjson('ds.t', [{ amount: 19.99 }], cols), RowEncodingError);
    for (const bad of ['1,000.00', '$5', '1e3', '0.1234567891', '', ' 1.0']) {
      assert.throws(() => encodeNdjson('ds.t', [{ amount: bad }], cols), /decimal string/, bad);
    }
    for (const good of ['0', '-12.5', '+3.000000001', '99999999999999999999999999999.999999999', '7.']) {
      assert.doesNotThrow(() => encodeNdjson('ds.t', [{ amount: good }], cols), good);
    }
  });

  it('matches column names case-insensitively like BigQuery and rejects unknown keys', () => {
    assert.doesNotThrow(() => encodeNdjson('ds.t', [{ ID: 'x' }], cols));
    assert.throws(() => encodeNdjson('ds.t', [{ nope: 1 }], cols), /field "nope" is not among/);
  });
});

describe('chunkInsertRows', () => {
  it('cuts at 500 rows and keeps the start index of every chunk', () => {
    const rows = Array.from({ length: 1001 }, (_, i) => ({ insertId: `r${i}`, json: { id: `r${i}` } }));
    const chunks = chunkInsertRows('ds.t', rows);
    assert.deepEqual(chunks.map((c) => [c.start, c.rows.length]), [[0, INSERT_ALL_MAX_ROWS], [500, 500], [1000, 1]]);
  });

  it('validates insertIds and rejects a single row above the request limit', () => {
    assert.throws(() => chunkInsertRows('ds.t', [{ insertId: '', json: {} }]), /insertId/);
    assert.throws(() => chunkInsertRows('ds.t', [{ insertId: 'x'.repeat(129), json: {} }]), /insertId/);
    assert.throws(() => chunkInsertRows('ds.t', [{ insertId: 'x', json: { s: 'y'.repeat(10 * 1024 * 1024) } }]), /above the insertAll request limit/);
  });
});

describe('schema evolution', () => {
  it('treats legacy type names as their standard SQL equivalents', () => {
    assert.equal(canonicalType('INTEGER'), 'INT64');
    assert.equal(canonicalType('FLOAT'), 'FLOAT64');
    assert.equal(canonicalType('BOOLEAN'), 'BOOL');
    assert.deepEqual(columnsToAdd('ds.t', [{ name: 'n', type: 'INTEGER' }, { name: 'ok', type: 'BOOLEAN' }], [{ name: 'n', type: 'INT64' }, { name: 'ok', type: 'BOOL' }]), []);
  });

  it('lists only missing columns and refuses retypes', () => {
    assert.deepEqual(columnsToAdd('ds.t', [{ name: 'a', type: 'STRING' }], [{ name: 'A', type: 'STRING' }, { name: 'b', type: 'DATE' }]).map((c) => c.name), ['b']);
    assert.throws(() => columnsToAdd('ds.t', [{ name: 'a', type: 'STRING' }], [{ name: 'a', type: 'INT64' }]), SchemaConflictError);
  });
});

describe('error classification and backoff', () => {
  const apiError = (code: number, reason: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error('boom'), {
      code,
      errors: [{ reason, message: 'boom' }],
      response: { statusCode: code, headers, request: { headers: { Authorization: 'Bearer ya29.SECRET' } } },
    });

  it('classifies retryable failures the way BigQuery signals them', () => {
    assert.equal(toBigQueryApiError(apiError(403, 'rateLimitExceeded'), 'op').retryable, true);
    assert.equal(toBigQueryApiError(apiError(403, 'accessDenied'), 'op').retryable, false);
    assert.equal(toBigQueryApiError(apiError(400, 'backendError'), 'op').retryable, true);
    assert.equal(toBigQueryApiError(apiError(409, 'duplicate'), 'op').retryable, false);
    assert.equal(toBigQueryApiError(apiError(502, ''), 'op').retryable, true);
    assert.equal(toBigQueryApiError(Object.assign(new Error('socket'), { code: 'ECONNRESET' }), 'op').retryable, true);
    assert.equal(toBigQueryApiError(apiError(429, 'rateLimitExceeded', { 'retry-after': '7' }), 'op').retryAfterMs, 7000);
  });

  it('drops the library response (which holds our Authorization header)', () => {
    const err = toBigQueryApiError(apiError(500, 'backendError'), 'op');
    assert.ok(err instanceof BigQueryApiError);
    assert.ok(!JSON.stringify(err).includes('SECRET'));
    assert.equal(redactSecrets('Authorization: Bearer ya29.abc.def and eyJhbGciOi.eyJpc3MiOi.c2ln'), 'Authorization: Bearer [redacted] and [redacted-jwt]');
  });

  it('passes our own errors through withRetry untouched', async () => {
    const own = new RowEncodingError('mine');
    await assert.rejects(withRetry('op', DEFAULT_RETRY, async () => { throw own; }), (e: unknown) => e === own);
  });

  it('parses Retry-After and never waits less than it says', () => {
    assert.equal(parseRetryAfterMs('2'), 2000);
    assert.equal(parseRetryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now()) !== undefined, true);
    assert.equal(parseRetryAfterMs('soon'), undefined);
    assert.equal(retryDelayMs(0, DEFAULT_BACKOFF, 4000, () => 0), 4000);
    assert.equal(retryDelayMs(3, DEFAULT_BACKOFF, undefined, () => 1), 4000);
    assert.equal(retryDelayMs(20, DEFAULT_BACKOFF, undefined, () => 1), DEFAULT_BACKOFF.maxDelayMs);
    assert.equal(retryDelayMs(0, DEFAULT_BACKOFF, 10 * 3600_000), DEFAULT_BACKOFF.maxRetryAfterMs);
  });
});
