import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalCoalescer } from '../../../services/signal-coalescer';

/** A send that finishes when told to, recording what each call carried. */
function gatedSend() {
  const calls: { key: string; items: number[]; finish: (err?: Error) => void }[] = [];
  const send = (key: string, items: number[]) => new Promise<void>((resolve, reject) => {
    calls.push({ key, items, finish: (err) => (err ? reject(err) : resolve()) });
  });
  return { calls, send };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('SignalCoalescer', () => {
  test('idle: a lone item is sent at once, alone', async () => {
    const { calls, send } = gatedSend();
    const c = new SignalCoalescer(send);
    const done = c.submit('a', 1);
    await tick();
    assert.deepEqual(calls.map((x) => x.items), [[1]]);
    calls[0]!.finish();
    await done;
  });

  test('items arriving while a send is in flight go together in the next one; each settles with its own send', async () => {
    const { calls, send } = gatedSend();
    const c = new SignalCoalescer(send);
    const settled: number[] = [];
    const track = (p: Promise<void>, n: number) => p.then(() => { settled.push(n); });
    const first = track(c.submit('a', 1), 1);
    await tick();
    const rest = [2, 3, 4].map((n) => track(c.submit('a', n), n));
    await tick();
    assert.equal(calls.length, 1, 'nothing more is sent while the first is in flight');
    calls[0]!.finish();
    await first;
    await tick();
    assert.deepEqual(settled, [1], 'the queued items are not acknowledged by the first send');
    assert.deepEqual(calls.map((x) => x.items), [[1], [2, 3, 4]]);
    calls[1]!.finish();
    await Promise.all(rest);
    assert.deepEqual(settled, [1, 2, 3, 4]);
  });

  test('keys do not wait for each other', async () => {
    const { calls, send } = gatedSend();
    const c = new SignalCoalescer(send);
    void c.submit('a', 1);
    void c.submit('b', 2);
    await tick();
    assert.deepEqual(calls.map((x) => [x.key, x.items]), [['a', [1]], ['b', [2]]]);
  });

  test('a failed send rejects exactly the items it carried; later ones still go', async () => {
    const { calls, send } = gatedSend();
    const c = new SignalCoalescer(send);
    const first = c.submit('a', 1);
    await tick();
    const second = c.submit('a', 2);
    calls[0]!.finish(new Error('temporal unavailable'));
    await assert.rejects(first, /temporal unavailable/);
    await tick();
    assert.deepEqual(calls[1]!.items, [2]);
    calls[1]!.finish();
    await second;
  });

  test('a batch never exceeds maxBatch', async () => {
    const { calls, send } = gatedSend();
    const c = new SignalCoalescer(send, 3);
    const all = [c.submit('a', 0)];
    await tick();
    for (let n = 1; n <= 7; n++) all.push(c.submit('a', n));
    for (let i = 0; i < 4; i++) {
      calls[i]?.finish();
      await tick();
      await tick();
    }
    await Promise.all(all);
    assert.deepEqual(calls.map((x) => x.items), [[0], [1, 2, 3], [4, 5, 6], [7]]);
  });
});
