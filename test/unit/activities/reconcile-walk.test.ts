import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountedSource, WALK_CONCURRENCY } from '../../../activities/reconcile';
import type { FreshBooksClient, ListPage } from '../../../connectors/freshbooks';

/** A list of `total` records answered after a delay, noting how many pages were asked for at once. */
function fakeList(total: () => number, delayMs: (page: number) => number) {
  const seen = { inFlight: 0, most: 0, asked: [] as number[], includes: [] as unknown[] };
  const fb = {
    async listPage(_entity: string, q: { page: number; perPage: number; includes?: boolean }): Promise<ListPage> {
      seen.asked.push(q.page);
      seen.includes.push(q.includes);
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      await new Promise((r) => setTimeout(r, delayMs(q.page)));
      seen.inFlight -= 1;
      const n = total();
      const from = (q.page - 1) * q.perPage;
      const items = Array.from({ length: Math.max(0, Math.min(q.perPage, n - from)) }, (_, i) => ({ id: from + i + 1 }));
      return { items, page: q.page, pages: Math.ceil(n / q.perPage), perPage: q.perPage, total: n };
    },
  } as unknown as FreshBooksClient;
  return { fb, seen };
}

const walk = async (src: CountedSource) => { const ids: unknown[] = []; for await (const r of src.records('invoices')) ids.push(r.id); return ids; };

test('the walk asks for several pages at once, at most WALK_CONCURRENCY, and yields records in list order however the answers come', async () => {
  // Later pages answer first: order must come from the walk, not from arrival.
  const { fb, seen } = fakeList(() => 2_050, (page) => 40 - (page % 8) * 4);
  const src = new CountedSource(fb);
  const ids = await walk(src);
  assert.deepEqual(ids, Array.from({ length: 2_050 }, (_, i) => i + 1));
  assert.equal(src.requests, 21);
  assert.equal(seen.most, WALK_CONCURRENCY, 'pages in flight at once');
  assert.deepEqual([...seen.asked].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i + 1), 'each page asked once');
});

test('a list that grows while it is walked is read to its new last page', async () => {
  let total = 250;
  const { fb } = fakeList(() => total, () => 5);
  const src = new CountedSource(fb);
  const ids: unknown[] = [];
  for await (const r of src.records('invoices')) { ids.push(r.id); total = 420; }
  assert.equal(ids.length, 420);
});

test('a page that fails fails the walk (no unhandled rejection from the pages still in flight)', async () => {
  const fb = {
    async listPage(_e: string, q: { page: number }): Promise<ListPage> {
      await new Promise((r) => setTimeout(r, q.page === 3 ? 1 : 20));
      if (q.page >= 3) throw new Error(`page ${q.page} refused`);
      return { items: [{ id: q.page }], page: q.page, pages: 12, perPage: 100, total: 1_200 };
    },
  } as unknown as FreshBooksClient;
  await assert.rejects(walk(new CountedSource(fb)), /page 3 refused/);
  await new Promise((r) => setTimeout(r, 50));
});

test('the walk and the count ask for lists without includes (no invoice lines: ids and totals are all they read)', async () => {
  const { fb, seen } = fakeList(() => 350, () => 1);
  const src = new CountedSource(fb);
  await src.total('invoices');
  await walk(src);
  assert.equal(seen.includes.length, 5);
  assert.ok(seen.includes.every((i) => i === false), JSON.stringify(seen.includes));
});
