import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SyncFirstPagesInput, SyncPagesInput, SyncPagesResult } from '../../../contracts/sync';
import { readFirstPages } from '../../../activities/first-pages';

const input: SyncFirstPagesInput = {
  connectionId: 'c1', runKey: 'r1', mode: 'full', maxPages: 1,
  entities: [{ entity: 'invoices' }, { entity: 'payments' }, { entity: 'clients', since: '2026-01-01 00:00:00' }],
};
const onePage = (over: Partial<SyncPagesResult> = {}): SyncPagesResult => ({ nextPage: null, pagesRead: 1, records: 1, delivered: 1, rows: 1, ...over });

test('the entities are read side by side: every first read starts before any ends; results keep the plan order', { timeout: 5_000 }, async () => {
  const started: string[] = [];
  let allStarted!: () => void;
  const gate = new Promise<void>((r) => { allStarted = r; });
  const out = await readFirstPages(input, async (batch: SyncPagesInput) => {
    started.push(`${batch.entity}:${batch.pass}`);
    if (batch.pass === 'changes') {
      // Read one after another, the first read would wait here for the others forever (the test's timeout).
      if (started.filter((s) => s.endsWith(':changes')).length === input.entities.length) allStarted();
      await gate;
    }
    return onePage(batch.entity === 'payments' ? { nextPage: 2 } : {});
  });
  assert.deepEqual(out.map((r) => r.entity), ['invoices', 'payments', 'clients']);
  // A pass that ended on its first page is followed by that entity's deleted pass; one with more pages is not.
  assert.deepEqual(out.map((r) => r.batches.length), [2, 1, 2]);
  assert.deepEqual(started.filter((s) => s.endsWith(':deleted')).sort(), ['clients:deleted', 'invoices:deleted']);
});

test('a failed entity fails the activity only after the other entities have finished', async () => {
  const finished: string[] = [];
  await assert.rejects(readFirstPages(input, async (batch) => {
    if (batch.entity === 'invoices') throw new Error('FreshBooks 503');
    await new Promise((r) => setTimeout(r, 30));
    finished.push(`${batch.entity}:${batch.pass}`);
    return onePage();
  }), /FreshBooks 503/);
  assert.deepEqual(finished.sort(), ['clients:changes', 'clients:deleted', 'payments:changes', 'payments:deleted']);
});
