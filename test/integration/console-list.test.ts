import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createBigQueryConnection, eventually, waitForRuns } from '../support/flows';
import { startHarness, type Harness } from '../support/harness';

/**
 * The console's connections list is read from Postgres: each workflow writes its phase and next poll
 * there when they change, and the ledger's triggers keep delivery totals. With the worker stopped no
 * workflow can answer a query (the list would wait 1.5 s per row and show no phase and no next poll),
 * yet the list is complete and fast.
 */
let h: Harness;
before(async () => { h = await startHarness({ bigquery: 'sandbox' }); });
after(async () => { await h?.close(); });

const SMALL = { entities: ['expense_categories', 'accounts'] };

/** The list's cells by connection id (the rows partial: link, business, badge, freshness, last run, next poll, delivered, webhooks). */
function rowsOf(html: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const [, id, body] of html.matchAll(/<tr data-connection="([^"]+)">([\s\S]*?)<\/tr>/g)) {
    rows.set(id!, [...body!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, cell]) => cell!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));
  }
  return rows;
}

const listedPhase = async (id: string) =>
  (await h.db.query<{ phase: string; next_poll_at: Date | null }>('SELECT phase, next_poll_at FROM connection_workflow_states WHERE connection_id = $1', [id])).rows[0];
const ledgerCount = async (id: string) =>
  Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1', [id])).rows[0]!.n);

test('the connections list is whole with the worker stopped: phase, next poll, last run, records delivered from Postgres, no workflow asked', async () => {
  const active = await createBigQueryConnection(h, { datasetId: `list_${randomBytes(4).toString('hex')}`, settings: SMALL });
  const paused = await createBigQueryConnection(h, { datasetId: `list_${randomBytes(4).toString('hex')}`, settings: SMALL });
  await waitForRuns(h, active.connectionId, 1);
  await waitForRuns(h, paused.connectionId, 1);
  assert.equal((await h.admin(`/api/connections/${paused.connectionId}/pause`, { method: 'POST' })).status, 202);
  await eventually('the active row written', async () => { const s = await listedPhase(active.connectionId); return s?.phase === 'waiting' && s.next_poll_at ? s : undefined; });
  await eventually('the pause written', async () => ((await listedPhase(paused.connectionId))?.phase === 'paused' ? true : undefined));

  // A record removed from the ledger by hand: the totals follow deletes too.
  await h.db.query('DELETE FROM delivered_records WHERE (connection_id, entity, record_id) IN (SELECT connection_id, entity, record_id FROM delivered_records WHERE connection_id = $1 LIMIT 1)', [active.connectionId]);
  const delivered = await ledgerCount(active.connectionId);
  assert.ok(delivered > 0);

  h.worker!.worker.shutdown();
  await eventually('the worker stopped', () => (h.worker!.worker.getState() === 'STOPPED' ? true : undefined), 60_000);

  const login = await fetch(`${h.apiUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ token: h.env.ADMIN_TOKEN! }), redirect: 'manual' });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  for (const path of ['/console/connections', '/console/connection-rows']) {
    const started = Date.now();
    const res = await fetch(`${h.apiUrl}${path}`, { headers: { cookie } });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 200);
    const rows = rowsOf(await res.text());
    const [, , badge, , lastRun, nextPoll, count, webhooks] = rows.get(active.connectionId) ?? [];
    assert.equal(badge, 'active', path);
    assert.match(nextPoll ?? '', /^in \d+ (s|min|h)$/, `${path}: the next poll, from the row the workflow wrote`);
    assert.match(lastRun ?? '', /^finished /, path);
    assert.equal(Number(count), delivered, `${path}: records delivered, from the totals`);
    assert.equal(webhooks, 'off', path);
    const [, , pausedBadge, , , pausedNextPoll] = rows.get(paused.connectionId) ?? [];
    assert.equal(pausedBadge, 'paused', `${path}: a pause is signalled to the workflow only, and shown from its row`);
    assert.equal(pausedNextPoll, '—', path);
    // Asking a workflow would have waited out its 1.5 s timeout for each row.
    assert.ok(elapsed < 1_500, `${path} took ${elapsed} ms`);
  }
});
