import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PagesAhead } from '../../../activities/pages-ahead';

interface Page { page: number; pages: number }

/** A list of `pages` pages whose reads answer only when released, recording what was asked when. */
function list(pages: number | ((page: number) => number)) {
  const asked: number[] = [];
  const waiting = new Map<number, { resolve: (p: Page) => void; reject: (e: Error) => void }>();
  const fetchPage = (page: number) => new Promise<Page>((resolve, reject) => {
    asked.push(page);
    waiting.set(page, { resolve, reject });
  });
  const release = (page: number) => waiting.get(page)!.resolve({ page, pages: typeof pages === 'number' ? pages : pages(page) });
  return { asked, fetchPage, release, fail: (page: number) => waiting.get(page)!.reject(new Error(`page ${page} failed`)) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PagesAhead', () => {
  test('asks nothing ahead before the first page says how many there are: a one-page list costs one read', async () => {
    const l = list(1);
    const reader = new PagesAhead(l.fetchPage, 10, 3);
    const first = reader.take(1);
    await tick();
    assert.deepEqual(l.asked, [1]);
    l.release(1);
    assert.deepEqual(await first, { page: 1, pages: 1 });
    assert.deepEqual(l.asked, [1], 'nothing asked beyond the list');
  });

  test('keeps up to `ahead` pages in flight, in order, never beyond lastPage', async () => {
    const l = list(20);
    const reader = new PagesAhead(l.fetchPage, 5, 3);
    const p1 = reader.take(1);
    l.release(1);
    await p1;
    assert.deepEqual(l.asked, [1, 2, 3, 4], 'three pages asked once page 1 said there are 20');
    // Page 3 answers before page 2: page 2 is still the one taken next.
    l.release(3);
    const p2 = reader.take(2);
    await tick();
    l.release(2);
    assert.equal((await p2).page, 2);
    assert.deepEqual(l.asked, [1, 2, 3, 4, 5], 'page 5 is the last of the batch: page 6 is never asked');
    l.release(4);
    l.release(5);
    assert.equal((await reader.take(3)).page, 3);
    assert.equal((await reader.take(4)).page, 4);
    assert.equal((await reader.take(5)).page, 5);
    assert.deepEqual(l.asked, [1, 2, 3, 4, 5], 'each page read once');
  });

  test('a list that shrank while read: nothing asked beyond the page count the latest page reported', async () => {
    const l = list((page) => (page === 1 ? 10 : 2));
    const reader = new PagesAhead(l.fetchPage, 10, 3);
    const p1 = reader.take(1);
    l.release(1);
    await p1;
    const p2 = reader.take(2);
    l.release(2);
    await p2;
    assert.deepEqual(l.asked, [1, 2, 3, 4], 'page 2 says 2 pages: no page 5');
  });

  test('a failed read fails the take of its page, and a page read ahead but never taken fails nothing', async () => {
    const l = list(20);
    const reader = new PagesAhead(l.fetchPage, 10, 2);
    const p1 = reader.take(1);
    l.release(1);
    await p1;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      l.fail(3); // asked ahead; the caller will stop before taking it
      const p2 = reader.take(2);
      l.fail(2);
      await assert.rejects(p2, /page 2 failed/);
      await tick();
      await tick();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
