import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionRecord } from '../../../db/connections';
import { ago, badgeOf, webhookWords } from '../../../api/console/present';

const connection = (status: ConnectionRecord['status']) => ({ status }) as ConnectionRecord;

test('the stored status (what a person must do) outranks what the workflow is doing', () => {
  assert.equal(badgeOf(connection('needs_reauth'), 'backing_off').label, 'needs_reauth');
  assert.equal(badgeOf(connection('destination_auth'), 'syncing').label, 'destination_auth');
  assert.equal(badgeOf(connection('paused'), 'waiting').label, 'paused');
});

test('each workflow phase has its badge and tone', () => {
  const seen = Object.fromEntries((['waiting', 'syncing', 'paused', 'backing_off', 'schema_mismatch', 'needs_reauth', 'destination_auth'] as const)
    .map((p) => [p, badgeOf(connection('active'), p)]));
  assert.deepEqual(Object.fromEntries(Object.entries(seen).map(([p, b]) => [p, `${b.label}/${b.tone}`])), {
    waiting: 'active/ok', syncing: 'syncing/busy', paused: 'paused/muted', backing_off: 'backing off/warn',
    schema_mismatch: 'schema_mismatch/bad', needs_reauth: 'needs_reauth/bad', destination_auth: 'destination_auth/bad',
  });
  for (const b of Object.values(seen)) assert.ok(b.explain.length > 0, `${b.label} is explained`);
  assert.equal(badgeOf(connection('active'), undefined).label, 'active', 'no answer from the workflow yet');
});

test('ages read as people say them, in both directions', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  assert.equal(ago('2026-12-06T11:59:30Z', now), '30 s ago');
  assert.equal(ago('2026-12-06T11:55:00Z', now), '5 min ago');
  assert.equal(ago('2026-12-06T09:00:00Z', now), '3 h ago');
  assert.equal(ago('2026-12-04T12:00:00Z', now), '2 d ago');
  assert.equal(ago('2026-12-06T13:00:00Z', now), 'in 1 h');
  assert.equal(ago(null, now), '—');
});

test('webhook health in words: the workflow\'s last error first, else callbacks verified and changes waiting in the inbox', () => {
  const on = { status: 'active', settings: { webhooks: true } } as unknown as ConnectionRecord;
  const off = { status: 'active', settings: { webhooks: false } } as unknown as ConnectionRecord;
  const listed = { phase: 'waiting' as const, nextPollAt: null, webhookError: null };
  assert.equal(webhookWords(on, { ...listed, webhookError: 'FreshBooks answered 500' }, { callbacks: 2, verified: 2, waiting: 0 }), 'error: FreshBooks answered 500');
  assert.equal(webhookWords(on, listed, { callbacks: 2, verified: 1, waiting: 3 }), '1/2 callbacks verified, 3 waiting');
  assert.equal(webhookWords(on, listed, undefined), 'no callbacks yet');
  assert.equal(webhookWords(off, listed, undefined), 'off');
  assert.equal(webhookWords(on, null, undefined), '—', 'nothing known of the workflow');
});
