import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionWorkflowId } from '../../contracts/ids';
import { createLookerSandbox, type LookerSandbox, type RecordedTrigger } from '../../sandbox/looker';
import type { Listening } from '../../sandbox/kit/listen';
import { EMULATOR_PROJECT, startHarness, type Harness } from '../support/harness';
import { authorizeFreshBooks, decodedHistory, emulatorWarehouse, eventually, waitForRuns } from '../support/flows';

const CLIENT_ID = 'looker-api-client';
const CLIENT_SECRET = 'looker-secret-value-never-shown';
/** Short enough for a test, long enough that a burst of webhooks lands inside one window. */
const WINDOW_SEC = 10;

/**
 * FreshBooks → BigQuery (the emulator) with a Looker block: committed deliveries are announced to
 * Looker (the sandbox) by triggering the datagroup, once per window, never before the rows are in the
 * `_latest` view, and a Looker outage delays the triggers, not the deliveries.
 */
describe('Looker datagroup triggers after deliveries (real Temporal, Postgres, BigQuery emulator, sandboxes)', () => {
  let h: Harness;
  let looker: LookerSandbox;
  let lookerServer: Listening;
  let connectionId: string;
  let accountId: string;
  const datasetId = `looker_${Date.now().toString(36)}`;
  type Invoice = { id: number; vis_state: number };

  /** For each trigger: the invoice notes the `_latest` view held when Looker received it. */
  const seenAtTrigger = new Map<RecordedTrigger, Map<number, string>>();
  let watched: number[] = [];

  const fb = () => h.fb.state;
  const liveInvoices = () => (fb().list(accountId, 'invoices', { per_page: '100' }).items as Invoice[]).filter((i) => i.vis_state === 0);
  const latestNotes = async (ids: number[]): Promise<Map<number, string>> => {
    if (ids.length === 0) return new Map();
    const rows = await emulatorWarehouse(h, datasetId).query<{ id: number; notes: string | null }>(
      `SELECT id, notes FROM \`${EMULATOR_PROJECT}.${datasetId}.freshbooks_invoices_latest\` WHERE id IN (${ids.join(',')})`);
    return new Map(rows.map((r) => [Number(r.id), r.notes ?? '']));
  };
  const triggers = () => looker.state.triggers.filter((t) => t.model === 'finance' && t.name === 'freshbooks_etl');
  const lookerStatus = async () => (await h.admin(`/api/connections/${connectionId}`)).body.workflow?.looker as { pending: boolean; lastTriggeredAt?: string; lastError?: string } | undefined;
  /**
   * Settled: every change visible, a trigger since `changedAt` (the workflow has seen the delivery: rows
   * can be visible a moment before it records them) and nothing owed, so no further trigger is coming.
   */
  const settled = async (expectNotes: Map<number, string>, changedAt: number) => eventually('all delivered and announced', async () => {
    const notes = await latestNotes([...expectNotes.keys()]);
    const all = [...expectNotes].every(([id, n]) => notes.get(id) === n);
    const s = await lookerStatus();
    return all && s && !s.pending && !s.lastError && s.lastTriggeredAt && Date.parse(s.lastTriggeredAt) >= changedAt ? s : undefined;
  }, 120_000);

  before(async () => {
    h = await startHarness();
    looker = createLookerSandbox();
    looker.state.addApiKey(CLIENT_ID, CLIENT_SECRET);
    looker.state.addDatagroup('finance', 'freshbooks_etl');
    looker.state.addDatagroup('finance', 'other_group');
    // Looker's clock a second behind ours: the client's skew allowance must keep triggered_at in its past.
    looker.state.skewMs = -1_000;
    looker.state.onTrigger = async (t) => { seenAtTrigger.set(t, await latestNotes(watched)); };
    lookerServer = await looker.listen();
    const auth = await authorizeFreshBooks(h);
    const res = await h.admin('/api/connections', {
      body: {
        authorizationId: auth.authorizationId,
        businessIds: [auth.businesses[0]!.businessId],
        destination: {
          type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId, location: 'US', serviceAccountKey: h.serviceAccountKeyJson,
          looker: { baseUrl: lookerServer.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, datagroups: ['finance::freshbooks_etl'], windowSec: WINDOW_SEC },
        },
        settings: { pollIntervalSec: 3600, reconcileEveryHours: 24, webhooks: true },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    connectionId = res.body.connectionIds[0];
    accountId = auth.businesses[0]!.accountId;
    await waitForRuns(h, connectionId, 1);
    await eventually('callbacks verified', () => {
      const mine = [...fb().webhooks.callbacks.values()].filter((c) => c.uri.endsWith(`/webhooks/freshbooks/${connectionId}`));
      return mine.length > 0 && mine.every((c) => c.verified) ? mine : undefined;
    }, 60_000);
    // The backfill changed rows too: its announcement comes first; start the tests from a quiet state.
    await settled(new Map(), 0);
  });
  after(async () => {
    await h?.close();
    await lookerServer?.close();
  });

  test('the stored connection keeps datagroup ids and names, and never the secret', async () => {
    const view = await h.admin(`/api/connections/${connectionId}`);
    assert.equal(view.status, 200);
    const block = view.body.destination.looker;
    assert.deepEqual(block.datagroups, [{ name: 'finance::freshbooks_etl', id: looker.state.findDatagroup('finance', 'freshbooks_etl')!.id }]);
    assert.equal(block.windowSec, WINDOW_SEC);
    assert.match(block.credentialId, /^cred_/);
    assert.ok(!JSON.stringify(view.body).includes(CLIENT_SECRET));
    assert.ok(!(await decodedHistory(h, connectionWorkflowId(connectionId))).text.includes(CLIENT_SECRET), 'not in the workflow history');
    assert.ok(triggers().length >= 1, 'the backfill was announced');
    assert.ok(triggers().every((t) => Number.isInteger(t.triggeredAt)));
  });

  test('a webhook change reaches the warehouse, then exactly one trigger, which arrives after the rows are visible', async () => {
    const [inv] = liveInvoices();
    watched = [inv!.id];
    const before = triggers().length;
    const changedAt = Date.now();
    const notes = `looker webhook ${changedAt}`;
    fb().update(accountId, 'invoices', inv!.id, { notes });
    const s = await settled(new Map([[inv!.id, notes]]), changedAt);
    const mine = triggers().slice(before);
    assert.equal(mine.length, 1, `triggers: ${JSON.stringify(mine)}`);
    assert.equal(seenAtTrigger.get(mine[0]!)?.get(inv!.id), notes, 'the row was in the _latest view when Looker was told');
    assert.ok(s.lastTriggeredAt);
  });

  test('ten changes in one second give one trigger', async () => {
    const invs = liveInvoices().slice(0, 10);
    assert.equal(invs.length, 10, 'the seeded account has ten live invoices');
    watched = invs.map((i) => i.id);
    const before = triggers().length;
    const changedAt = Date.now();
    const expected = new Map<number, string>();
    for (const inv of invs) {
      const notes = `burst ${inv.id} ${Date.now()}`;
      expected.set(inv.id, notes);
      fb().update(accountId, 'invoices', inv.id, { notes });
    }
    await settled(expected, changedAt);
    const mine = triggers().slice(before);
    assert.equal(mine.length, 1, `triggers: ${JSON.stringify(mine)}`);
    const seen = seenAtTrigger.get(mine[0]!)!;
    for (const [id, notes] of expected) assert.equal(seen.get(id), notes, `invoice ${id} visible when Looker was told`);
  });

  test('a Looker outage delays the trigger, not the deliveries, and triggers resume afterwards', async () => {
    const [a, b] = liveInvoices();
    watched = [a!.id, b!.id];
    const before = triggers().length;
    const changedAt = Date.now();
    looker.state.outageUntilMs = Date.now() + 60 * 60_000; // down until the test ends it
    const first = `outage a ${Date.now()}`;
    fb().update(accountId, 'invoices', a!.id, { notes: first });
    await eventually('delivered while Looker is down', async () => ((await latestNotes([a!.id])).get(a!.id) === first ? true : undefined), 60_000);
    const down = await eventually('the failed trigger shown', async () => { const s = await lookerStatus(); return s?.lastError ? s : undefined; }, 60_000);
    assert.match(down.lastError!, /503/);
    assert.equal(down.pending, true);
    // Deliveries go on while triggers fail.
    const second = `outage b ${Date.now()}`;
    fb().update(accountId, 'invoices', b!.id, { notes: second });
    await eventually('second change delivered during the outage', async () => ((await latestNotes([b!.id])).get(b!.id) === second ? true : undefined), 60_000);
    assert.equal(triggers().length, before, 'nothing reached Looker while it was down');
    looker.state.outageUntilMs = 0;
    await settled(new Map([[a!.id, first], [b!.id, second]]), changedAt);
    const mine = triggers().slice(before);
    assert.equal(mine.length, 1, 'both changes owed one trigger, sent once Looker was back');
    const seen = seenAtTrigger.get(mine[0]!)!;
    assert.deepEqual([seen.get(a!.id), seen.get(b!.id)], [first, second]);
  });

  test('a wrong Looker secret or an unknown datagroup is a 400 naming the field, and nothing is stored', async () => {
    const auth = await authorizeFreshBooks(h);
    const count = async () => (await h.db.query(`SELECT (SELECT count(*) FROM connections) AS c, (SELECT count(*) FROM credentials) AS k`)).rows[0];
    const stored = await count();
    const attempt = (lookerBlock: Record<string, unknown>) => h.admin('/api/connections', {
      body: {
        authorizationId: auth.authorizationId, businessIds: [auth.businesses[0]!.businessId],
        destination: {
          type: 'bigquery', projectId: EMULATOR_PROJECT, datasetId: `${datasetId}_x`, location: 'US', serviceAccountKey: h.serviceAccountKeyJson,
          looker: { baseUrl: lookerServer.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, datagroups: ['finance::freshbooks_etl'], ...lookerBlock },
        },
      },
    });
    const wrong = await attempt({ clientSecret: 'not-the-looker-secret' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.details[0].field, 'destination.looker.clientSecret');
    assert.ok(!JSON.stringify(wrong.body).includes('not-the-looker-secret'));
    const unknown = await attempt({ datagroups: ['finance::freshbooks_etl', 'finance::no_such_group'] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.details[0].field, 'destination.looker.datagroups[1]');
    const malformed = await attempt({ datagroups: ['no_model_part'] });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.details[0].field, /^destination\.looker\.datagroups/);
    assert.deepEqual(await count(), stored);
  });
});
