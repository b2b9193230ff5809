import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../../common/group-commit';

/** A write that finishes when told to, recording what each call carried. */
function gatedWrite() {
  const calls: { items: number[]; finish: (err?: Error) => void }[] = [];
  const write = (items: number[]) => new Promise<void>((resolve, reject) => {
    calls.push({ items, finish: (err) => (err ? reject(err) : resolve()) });
  });
  return { calls, write };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  test('idle: a lone item is written at once, alone', async () => {
    const { calls, write } = gatedWrite();
    const g = new GroupCommit(write);
    const done = g.submit(1);
    await tick();
    assert.deepEqual(calls.map((x) => x.items), [[1]]);
    calls[0]!.finish();
    await done;
  });

  test('items arriving while a write is in flight go together in the next one; each settles with its own write', async () => {
    const { calls, write } = gatedWrite();
    const g = new GroupCommit(write);
    const settled: number[] = [];
    const track = (p: Promise<void>, n: number) => p.then(() => { settled.push(n); });
    const first = track(g.submit(1), 1);
    await tick();
    const rest = [2, 3, 4].map((n) => track(g.submit(n), n));
    await tick();
    assert.equal(calls.length, 1, 'nothing more is written while the first is in flight');
    calls[0]!.finish();
    await first;
    await tick();
    assert.deepEqual(settled, [1], 'the queued items are not acknowledged by the first write');
    assert.deepEqual(calls.map((x) => x.items), [[1], [2, 3, 4]]);
    calls[1]!.finish();
    await Promise.all(rest);
    assert.deepEqual(settled, [1, 2, 3, 4]);
  });

  test('a failed write rejects exactly the items it carried; later ones still go', async () => {
    const { calls, write } = gatedWrite();
    const g = new GroupCommit(write);
    const first = g.submit(1);
    await tick();
    const second = g.submit(2);
    calls[0]!.finish(new Error('database unavailable'));
    await assert.rejects(first, /database unavailable/);
    await tick();
    assert.deepEqual(calls[1]!.items, [2]);
    calls[1]!.finish();
    await second;
  });

  test('a batch never exceeds maxBatch', async () => {
    const { calls, write } = gatedWrite();
    const g = new GroupCommit(write, 3);
    const all = [g.submit(0)];
    await tick();
    for (let n = 1; n <= 7; n++) all.push(g.submit(n));
    for (let i = 0; i < 4; i++) {
      calls[i]?.finish();
      await tick();
      await tick();
    }
    await Promise.all(all);
    assert.deepEqual(calls.map((x) => x.items), [[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  test('a write that answers each item settles each caller with its own answer', async () => {
    const calls: string[][] = [];
    const g = new GroupCommit<string, number>(async (keys) => { calls.push(keys); return keys.map((k) => k.length); });
    const first = g.submit('a');
    const rest = [g.submit('bb'), g.submit('ccc')];
    assert.deepEqual(await Promise.all([first, ...rest]), [1, 2, 3]);
    assert.deepEqual(calls, [['a'], ['bb', 'ccc']]);
  });
});
