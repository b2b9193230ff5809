import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { signFreshBooksWebhook } from '../../connectors/freshbooks';
import { connectionWorkflowId } from '../../contracts/ids';
import { startHarness, type Harness } from '../support/harness';
import { createPowerBiConnection, createStoreConnection, eventually, powerBiRows, waitForRuns } from '../support/flows';

/**
 * What unauthenticated posts to the FreshBooks webhook route can and cannot do: a forged verify post
 * never touches a verified callback, a captured signature cannot be re-targeted with repeated fields,
 * ids that do not fit are refused before anything is written, a store connection is not a FreshBooks
 * endpoint, and junk traffic leaves the tables as they were.
 */
describe('FreshBooks webhook route under forged and junk posts (real Temporal, Postgres, sandboxes)', () => {
  let h: Harness;
  let connectionId: string;
  let accountId: string;
  let hookUrl: string;

  const post = (body: string, headers: Record<string, string> = {}, id = connectionId) => fetch(`${h.apiUrl}/webhooks/freshbooks/${id}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body,
  });
  const verifyPost = (callbackId: string | number, verifier: string) =>
    new URLSearchParams({ name: 'callback.verify', object_id: String(callbackId), account_id: accountId, verifier }).toString();
  const ourCallbacks = () => [...h.fb.state.webhooks.callbacks.values()].filter((c) => c.uri === hookUrl);
  const signalCount = async (name: string) => {
    const history = await h.client.workflow.getHandle(connectionWorkflowId(connectionId)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
  };
  const tableCounts = async () => {
    const { rows } = await h.db.query(`SELECT (SELECT count(*) FROM webhook_callbacks)::int AS callbacks,
      (SELECT count(*) FROM credentials WHERE kind = 'freshbooks_webhook_verifier')::int AS verifiers`);
    return rows[0] as { callbacks: number; verifiers: number };
  };
  /** The verified slot of one callback: its row and the sealed secret it points at. */
  const verifiedSlot = async (callbackId: number) => {
    const { rows } = await h.db.query(
      `SELECT w.verified, w.verifier_credential_id, w.updated_at, c.sealed, c.version
         FROM webhook_callbacks w LEFT JOIN credentials c ON c.id = w.verifier_credential_id
        WHERE w.connection_id = $1 AND w.callback_id = $2`, [connectionId, callbackId]);
    return rows[0];
  };
  /** An invoice change in FreshBooks and the signed delivery it fired (whatever we answered it). */
  const invoiceDelivery = async (notes: string) => {
    const inv = (h.fb.state.list(accountId, 'invoices', { per_page: '5' }).items as { id: number }[])[0]!;
    const sent = h.fb.state.webhooks.deliveries.length;
    h.fb.state.update(accountId, 'invoices', inv.id, { notes });
    const delivery = await eventually('delivery', () => h.fb.state.webhooks.deliveries.slice(sent)
      .find((d) => d.name === 'invoice.update' && typeof d.status === 'number'));
    return { invoiceId: inv.id, delivery };
  };
  /** FreshBooks' answers to our PUTs of verifiers for this callback, as the sandbox logged them. */
  const confirmStatuses = (callbackId: number) => h.fb.state.stats.log
    .filter((e) => e.method === 'PUT' && e.path.endsWith(`/events/callbacks/${callbackId}`)).map((e) => e.status);

  before(async () => {
    h = await startHarness({ bigquery: 'sandbox' });
    ({ connectionId, accountId } = await createPowerBiConnection(h));
    hookUrl = `${h.apiUrl}/webhooks/freshbooks/${connectionId}`;
    await waitForRuns(h, connectionId, 1);
    await eventually('verified callbacks', () => {
      const mine = ourCallbacks();
      return mine.length === 5 && mine.every((c) => c.verified) || undefined;
    }, 60_000);
    await eventually('callbacks verified here', async () => {
      const { rows } = await h.db.query('SELECT count(*)::int AS n FROM webhook_callbacks WHERE connection_id = $1 AND verified', [connectionId]);
      return rows[0].n === 5 || undefined;
    });
  });
  after(async () => { await h.close(); });

  test('a forged callback.verify for a verified callback changes nothing there, however often; real deliveries still pass', async () => {
    const cb = ourCallbacks().find((c) => c.event === 'invoice')!;
    const before = await verifiedSlot(cb.callbackid);
    assert.equal(before.verified, true);
    for (let round = 1; round <= 3; round++) {
      const refusals = confirmStatuses(cb.callbackid).filter((s) => s === 422).length;
      assert.equal((await post(verifyPost(cb.callbackid, `forged-${round}`))).status, 200, 'a verify post cannot be told apart; it is accepted');
      assert.deepEqual(await verifiedSlot(cb.callbackid), before, `round ${round}: the verified slot is untouched by the post`);
      // The workflow sends the forged verifier back; FreshBooks refuses it (422), and the pending slot is emptied.
      await eventually('FreshBooks refuses the forged verifier', () => confirmStatuses(cb.callbackid).filter((s) => s === 422).length > refusals || undefined);
      await eventually('pending slot emptied', async () => {
        const { rows } = await h.db.query('SELECT pending_verifier_credential_id FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2', [connectionId, cb.callbackid]);
        return rows[0].pending_verifier_credential_id === null || undefined;
      });
      assert.deepEqual(await verifiedSlot(cb.callbackid), before, `round ${round}: the verified slot is untouched by the refusal`);
    }

    // And end to end: FreshBooks' next delivery through that callback is still accepted and lands.
    const rows = () => powerBiRows(h, 'Invoices').length;
    const rowsBefore = rows();
    const { delivery } = await invoiceDelivery('after three forged verify posts');
    assert.equal(delivery.status, 200);
    await eventually('row', () => rows() > rowsBefore || undefined);
  });

  test('a captured signature on a body re-targeted with repeated fields is refused (400), and nothing is signalled', async () => {
    const { delivery: real } = await invoiceDelivery('captured and re-targeted');
    const fields = new URLSearchParams(real.form);
    const retargeted = `name=client.delete&${real.form.replace(`object_id=${fields.get('object_id')}`, `object_id=999999&object_id=${fields.get('object_id')}`)}`;
    // The signature really does cover this body (Python dict semantics), so only the route can stop it.
    const verifier = ourCallbacks().find((c) => c.callbackid === real.callbackid)!.verifier;
    assert.equal(signFreshBooksWebhook(retargeted, verifier), real.signature);
    const signals = await signalCount('webhookChanges');
    const res = await post(retargeted, { 'x-freshbooks-hmac-sha256': real.signature });
    assert.equal(res.status, 400);
    assert.equal(await signalCount('webhookChanges'), signals, 'no delete of client 999999 was signalled');
    assert.equal((await post(real.form, { 'x-freshbooks-hmac-sha256': real.signature })).status, 200, 'the body as signed still passes');
  });

  test('ids that do not fit are 400 before anything is written', async () => {
    const counts = await tableCounts();
    for (const id of ['9223372036854775808', '18446744073709551615', '99999999999999999999', '9007199254740993', '0', '007']) {
      assert.equal((await post(verifyPost(id, 'v'))).status, 400, `object_id ${id}`);
      const delivery = new URLSearchParams({ name: 'invoice.update', object_id: id, account_id: accountId }).toString();
      assert.equal((await post(delivery, { 'x-freshbooks-hmac-sha256': 'x' })).status, 400, `delivery object_id ${id}`);
    }
    assert.deepEqual(await tableCounts(), counts, 'no orphan verifier, no row');
  });

  test('a store connection is not a FreshBooks webhook endpoint: 404, nothing stored, nothing signalled', async () => {
    const store = await createStoreConnection(h);
    const { delivery: real } = await invoiceDelivery('posted to a store connection');
    const counts = await tableCounts();
    assert.equal((await post(verifyPost(123456, 'v'), {}, store.connectionId)).status, 404);
    assert.equal((await post(real.form, { 'x-freshbooks-hmac-sha256': real.signature }, store.connectionId)).status, 404);
    assert.deepEqual(await tableCounts(), counts);
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM webhook_callbacks WHERE connection_id = $1', [store.connectionId]);
    assert.equal(rows[0].n, 0);
  });

  test('hundreds of junk verify posts, many at once: rows and verifiers stay within a fixed bound, then return to what they were', async () => {
    const counts = await tableCounts();
    const statuses: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const replies = await Promise.all(Array.from({ length: 60 }, () => post(verifyPost(randomInt(1, 2 ** 47), 'junk'))));
      statuses.push(...replies.map((r) => r.status));
      const now = await tableCounts();
      assert.ok(now.callbacks - counts.callbacks <= 20, `callback rows grew by ${now.callbacks - counts.callbacks}`);
      assert.ok(now.verifiers - counts.verifiers <= 20, `verifier credentials grew by ${now.verifiers - counts.verifiers}`);
    }
    assert.ok(statuses.every((s) => s === 200 || s === 400), `only 200s and 400s: ${[...new Set(statuses)]}`);
    assert.ok(statuses.includes(400), 'posts past the bound are refused');
    // FreshBooks knows none of these callbacks (404 to each confirm), so each junk row goes again.
    await eventually('junk rows removed', async () => {
      const now = await tableCounts();
      return (now.callbacks === counts.callbacks && now.verifiers === counts.verifiers) || undefined;
    }, 60_000);
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM webhook_callbacks WHERE connection_id = $1 AND verified', [connectionId]);
    assert.equal(rows[0].n, 5, 'the real callbacks are still verified');
  });
});
