import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../../common/config';
import { generateKeySpec } from '../../../common/crypto';

const valid = {
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  CREDENTIAL_KEYS: generateKeySpec('k1'),
  PAYLOAD_KEYS: generateKeySpec('p1'),
  ADMIN_TOKEN: 'a'.repeat(32),
  FRESHBOOKS_CLIENT_ID: 'id',
  FRESHBOOKS_CLIENT_SECRET: 'secret',
};

test('a valid environment loads with defaults', () => {
  const c = loadConfig(valid);
  assert.equal(c.freshbooks.apiBase, 'https://api.freshbooks.com');
  assert.equal(c.freshbooks.redirectUri, 'http://127.0.0.1:8080/oauth/freshbooks/callback');
  assert.equal(c.temporal.address, '127.0.0.1:7233');
});

test('invalid configuration fails naming every bad field, without echoing secrets', () => {
  const env = { ...valid, DATABASE_URL: 'mysql://x', ADMIN_TOKEN: 'short', CREDENTIAL_KEYS: 'k1:AAAA', FRESHBOOKS_CLIENT_ID: undefined };
  assert.throws(() => loadConfig(env), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    for (const field of ['DATABASE_URL', 'ADMIN_TOKEN', 'CREDENTIAL_KEYS', 'FRESHBOOKS_CLIENT_ID']) assert.match(err.message, new RegExp(field));
    assert.doesNotMatch(err.message, /short/);
    return true;
  });
});

test('the codec token is optional, at least 24 characters, and never the admin token', () => {
  assert.equal(loadConfig(valid).codec.token, undefined);
  assert.equal(loadConfig({ ...valid, CODEC_TOKEN: '' }).codec.token, undefined, 'empty is unset, as docker compose passes it');
  assert.equal(loadConfig({ ...valid, CODEC_TOKEN: 'c'.repeat(32) }).codec.token, 'c'.repeat(32));
  for (const CODEC_TOKEN of [valid.ADMIN_TOKEN, 'short']) {
    assert.throws(() => loadConfig({ ...valid, CODEC_TOKEN }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /CODEC_TOKEN/);
      assert.ok(!err.message.includes(valid.ADMIN_TOKEN), 'the token is not echoed');
      return true;
    });
  }
});

test('Temporal UI origins are exact http(s) origins', () => {
  assert.deepEqual(loadConfig(valid).codec.allowedOrigins, []);
  assert.deepEqual(loadConfig({ ...valid, TEMPORAL_UI_ORIGINS: 'http://127.0.0.1:8233, https://temporal.example.com' }).codec.allowedOrigins,
    ['http://127.0.0.1:8233', 'https://temporal.example.com']);
  for (const TEMPORAL_UI_ORIGINS of ['*', 'http://127.0.0.1:8233/', 'https://temporal.example.com/ui', 'file:///tmp']) {
    assert.throws(() => loadConfig({ ...valid, TEMPORAL_UI_ORIGINS }), /TEMPORAL_UI_ORIGINS/, TEMPORAL_UI_ORIGINS);
  }
});

test('the console: an 8 h session by default, CONSOLE_SESSION_TTL_SEC in whole seconds, and an optional Temporal UI link', () => {
  assert.deepEqual(loadConfig(valid).console, { sessionTtlSec: 28_800 });
  assert.deepEqual(loadConfig({ ...valid, CONSOLE_SESSION_TTL_SEC: '4', TEMPORAL_UI_URL: 'http://localhost:8233/' }).console, { sessionTtlSec: 4, temporalUiUrl: 'http://localhost:8233' });
  for (const bad of ['0', '-1', '1.5', 'soon']) assert.throws(() => loadConfig({ ...valid, CONSOLE_SESSION_TTL_SEC: bad }), /CONSOLE_SESSION_TTL_SEC/, bad);
  assert.throws(() => loadConfig({ ...valid, TEMPORAL_UI_URL: 'javascript:alert(1)' }), /TEMPORAL_UI_URL/);
});

test('history export: Postgres every 5 min by default; dir: an absolute path; gcs://bucket[/prefix] with its key; off; anything else refused naming the field', () => {
  const gcsDefaults = { apiEndpoint: 'https://storage.googleapis.com' };
  assert.deepEqual(loadConfig(valid).historyExport, { target: { kind: 'postgres' }, everySec: 300, gcs: gcsDefaults });
  assert.deepEqual(loadConfig({ ...valid, HISTORY_EXPORT: 'dir:/var/lib/histories', HISTORY_EXPORT_EVERY_SEC: '60' }).historyExport,
    { target: { kind: 'dir', path: '/var/lib/histories' }, everySec: 60, gcs: gcsDefaults });
  assert.deepEqual(loadConfig({ ...valid, HISTORY_EXPORT: 'off' }).historyExport.target, { kind: 'off' });
  const withKey = { ...valid, HISTORY_EXPORT_GCS_KEY: '{"type":"service_account"}' };
  assert.deepEqual(loadConfig({ ...withKey, HISTORY_EXPORT: 'gcs://acme-histories' }).historyExport.target, { kind: 'gcs', bucket: 'acme-histories', prefix: '' });
  assert.deepEqual(loadConfig({ ...withKey, HISTORY_EXPORT: 'gcs://acme.example.com/ml/connector/' }).historyExport.target, { kind: 'gcs', bucket: 'acme.example.com', prefix: 'ml/connector/' });
  assert.deepEqual(loadConfig({ ...withKey, HISTORY_EXPORT: 'gcs://b12/runs', GCS_API_ENDPOINT: 'http://127.0.0.1:4443' }).historyExport.gcs,
    { keyText: '{"type":"service_account"}', apiEndpoint: 'http://127.0.0.1:4443' });
  for (const [spec, says] of [['dir:relative/path', /absolute path/], ['gcs://', /bucket name/], ['gcs://Upper', /bucket name/], ['gcs://ab', /bucket name/], ['gcs://bucket/../x', /bucket name/],
    ['s3://bucket', /postgres, dir:\/absolute\/path, gcs:\/\/bucket\[\/prefix\] or off/]] as const) {
    assert.throws(() => loadConfig({ ...withKey, HISTORY_EXPORT: spec }), (err: unknown) => err instanceof ConfigError && /HISTORY_EXPORT: /.test(err.message) && says.test(err.message), spec);
  }
  assert.throws(() => loadConfig({ ...valid, HISTORY_EXPORT: 'gcs://acme-histories' }), (err: unknown) => err instanceof ConfigError && /HISTORY_EXPORT_GCS_KEY: is required/.test(err.message));
  assert.throws(() => loadConfig({ ...valid, HISTORY_EXPORT_EVERY_SEC: '0' }), /HISTORY_EXPORT_EVERY_SEC/);
});

test('timings: the connection activities\' heartbeat timeout is 30 s and an order lingers 60 s unless set, in whole seconds', () => {
  assert.deepEqual(loadConfig(valid).activities, { heartbeatTimeoutSec: 30 });
  assert.deepEqual(loadConfig(valid).workflows, { idleHistoryEvents: 200, maxCached: 200, maxConcurrentTasks: 40 });
  assert.deepEqual(
    loadConfig({ ...valid, WORKFLOW_IDLE_HISTORY_EVENTS: '0', WORKER_MAX_CACHED_WORKFLOWS: '1200', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '200' }).workflows,
    { idleHistoryEvents: 0, maxCached: 1200, maxConcurrentTasks: 200 },
  );
  assert.throws(() => loadConfig({ ...valid, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '300' }), /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS.*must not exceed WORKER_MAX_CACHED_WORKFLOWS/);
  assert.throws(() => loadConfig({ ...valid, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }), /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/);
  assert.throws(() => loadConfig({ ...valid, WORKFLOW_IDLE_HISTORY_EVENTS: '-1' }), /WORKFLOW_IDLE_HISTORY_EVENTS/);
  assert.throws(() => loadConfig({ ...valid, WORKER_MAX_CACHED_WORKFLOWS: '0' }), /WORKER_MAX_CACHED_WORKFLOWS/);
  assert.deepEqual(loadConfig(valid).orders, { lingerSec: 60 });
  assert.deepEqual(loadConfig({ ...valid, ACTIVITY_HEARTBEAT_TIMEOUT_SEC: '5' }).activities, { heartbeatTimeoutSec: 5 });
  assert.deepEqual(loadConfig({ ...valid, ORDER_LINGER_SEC: '5' }).orders, { lingerSec: 5 });
  for (const bad of ['0', '1', '1.5', 'soon']) assert.throws(() => loadConfig({ ...valid, ACTIVITY_HEARTBEAT_TIMEOUT_SEC: bad }), /ACTIVITY_HEARTBEAT_TIMEOUT_SEC/, bad);
  for (const bad of ['0', '-1', '2.5']) assert.throws(() => loadConfig({ ...valid, ORDER_LINGER_SEC: bad }), /ORDER_LINGER_SEC/, bad);
});
