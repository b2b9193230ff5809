import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createLogger } from '../../../common/logger';
import type { WebhookChange } from '../../../contracts/sync';
import type { InboxEntry, WebhookInbox } from '../../../db/webhook-inbox';
import { WebhookForwarder } from '../../../services/webhook-forwarder';

const change = (recordId: string): WebhookChange => ({ entity: 'invoices', recordId, deleted: false, receivedAt: new Date(0).toISOString() });
const tick = () => new Promise((r) => setImmediate(r));

/** An inbox holding one waiting change per connection, recording every statement the forwarder asks of it. */
function fakeInbox(connectionIds: string[]) {
  const waiting = new Map<string, InboxEntry[]>(connectionIds.map((id, i) => [id, [{ seq: String(i + 1), change: change(String(i + 1)) }]]));
  const takes: string[][] = [];
  const dones: string[][] = [];
  const inbox = {
    async take(ids: string[]) {
      takes.push(ids);
      return new Map(ids.map((id) => [id, waiting.get(id) ?? []]));
    },
    async done(signalled: { connectionId: string; entries: InboxEntry[] }[]) {
      dones.push(signalled.map((s) => s.connectionId));
      for (const s of signalled) waiting.delete(s.connectionId);
    },
    async waiting() { return []; },
  };
  return { inbox: inbox as unknown as WebhookInbox, takes, dones, waiting };
}

describe('WebhookForwarder', () => {
  test('connections poked together share their inbox reads and deletes; each still gets its own signal', async () => {
    const ids = ['conn_a', 'conn_b', 'conn_c', 'conn_d', 'conn_e'];
    const { inbox, takes, dones, waiting } = fakeInbox(ids);
    const sent: string[] = [];
    const forwarder = new WebhookForwarder(inbox, async (id, changes) => { sent.push(`${id}:${changes.map((c) => c.recordId).join(',')}`); }, createLogger('silent'));
    for (const id of ids) forwarder.poke(id);
    for (let i = 0; i < 50 && (forwarder.busy() > 0); i++) await tick();
    await forwarder.stop();
    assert.deepEqual(sent.sort(), ['conn_a:1', 'conn_b:2', 'conn_c:3', 'conn_d:4', 'conn_e:5']);
    assert.equal(waiting.size, 0, 'every signalled change is removed from the inbox');
    // Each lane reads twice (its change, then nothing left) and deletes once: on their own, 10 reads and 5 deletes.
    assert.equal(takes.flat().length, 2 * ids.length);
    assert.ok(takes.length <= ids.length, `inbox reads: ${JSON.stringify(takes)}`);
    assert.ok(dones.length < ids.length, `inbox deletes: ${JSON.stringify(dones)}`);
  });

  test('sends leave no listener behind on a signal that outlives them (Temporal\'s client never removes its own), yet stop() still aborts one in flight', async () => {
    const ids = ['conn_a', 'conn_b', 'conn_c', 'conn_d'];
    const { inbox } = fakeInbox(ids);
    const given: AbortSignal[] = [];
    let hang = false;
    let aborted = false;
    const forwarder = new WebhookForwarder(inbox, (_id, _changes, signal) => {
      given.push(signal);
      // As @temporalio/client does for every call made under withAbortSignal.
      signal.addEventListener('abort', () => undefined);
      if (!hang) return Promise.resolve();
      return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); }));
    }, createLogger('silent'));
    for (const id of ids.slice(0, 3)) {
      forwarder.poke(id);
      for (let i = 0; i < 20 && forwarder.busy() > 0; i++) await tick();
    }
    assert.equal(given.length, 3);
    assert.ok(given.every((s) => getEventListeners(s, 'abort').length <= 1), `listeners left on the signals sends were given: ${given.map((s) => getEventListeners(s, 'abort').length)}`);
    hang = true;
    forwarder.poke(ids[3]!);
    for (let i = 0; i < 20 && given.length < 4; i++) await tick();
    await forwarder.stop();
    assert.ok(aborted, 'the send in flight was given up');
  });
});
