import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { authorizeFreshBooks, eventually } from '../support/flows';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'dup01';

/**
 * One live connection per store (issue 10 item 10): the service's look-up before inserting is passed by
 * every one of a burst of identical requests, so the database decides.
 */
describe('connecting one store many times at once', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ bigcommerce: { seedOrders: 0, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
  });
  after(async () => { await h?.close(); });

  const liveConnections = async () => Number((await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM connections WHERE kind = 'bigcommerce_freshbooks' AND destination->>'storeHash' = $1 AND status <> 'deleted'`, [STORE])).rows[0]!.n);
  const storeCredentials = async () => Number((await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM credentials WHERE kind = 'bigcommerce_store'`)).rows[0]!.n);

  test('ten concurrent identical requests: one connection (201), nine 409s, one set of hooks, no orphan secrets', async () => {
    const auth = await authorizeFreshBooks(h);
    const body = {
      authorizationId: auth.authorizationId, businessId: auth.businesses[0]!.businessId,
      store: { type: 'bigcommerce', storeHash: STORE, accessToken: DEFAULT_TOKEN },
      settings: { pollIntervalSec: 3600, backfillDays: 1 },
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.admin('/api/connections', { body })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, ...Array(9).fill(409)], `statuses ${statuses.join(',')}`);
    assert.equal(await liveConnections(), 1);
    assert.equal(await storeCredentials(), 1, 'the losers left no sealed secret behind');
    const connectionId = answers.find((a) => a.status === 201)!.body.connectionIds[0] as string;
    // The store workflow registers one hook per scope, pointed at the one connection.
    const hooks = await eventually('hooks registered', () => {
      const list = h.bc.state.hooks(STORE) as Array<{ destination: string }>;
      return list.length >= 4 ? list : undefined;
    }, 60_000);
    assert.equal(hooks.length, 4);
    assert.ok(hooks.every((x) => x.destination.endsWith(`/${connectionId}`)));

    // Deleted, it can be connected again (the rule holds for live connections only).
    assert.equal((await h.admin(`/api/connections/${connectionId}`, { method: 'DELETE' })).status, 204);
    const again = await Promise.all(Array.from({ length: 3 }, () => h.admin('/api/connections', { body })));
    assert.deepEqual(again.map((a) => a.status).sort(), [201, 409, 409]);
    assert.equal(await liveConnections(), 1);
  });
});
