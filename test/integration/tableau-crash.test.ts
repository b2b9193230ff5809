import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { QUICK_HEARTBEAT_ENV, startHarness, type Harness } from '../support/harness';
import { eventually, waitForRuns } from '../support/flows';
import { createTableauConnection, startTableau, tableauRows, tableauStats, type TableauFixture } from '../support/tableau';
import { startTableauKillProxy, type TableauKill, type TableauKillPhase, type TableauKillProxy } from '../support/tableau-kill-proxy';
import { TABLEAU_TABLE_NAMES } from '../../mapping/tableau';

/**
 * A worker SIGKILLed inside the first sync's whole-file publish — before Tableau saw it, and after Tableau
 * took it but before the worker marked it published — then restarted: the retry publishes the staged rows
 * again and the data source is whole. Then a worker SIGKILLed inside an Update Data batch — after the payload upload and before the PATCH, after
 * Tableau accepted the PATCH but before the worker learnt its job, and after the job completed but before
 * the delivery ledger write — then restarted: the retry re-sends the same RequestID (and upload session),
 * Tableau applies each batch once, and the data source ends equal to an undisturbed run's.
 */
describe('Tableau: worker killed inside an Update Data batch (real Temporal, Postgres, hyperd)', () => {
  let h: Harness;
  let t: TableauFixture;
  let proxy: TableauKillProxy;
  let worker: ChildProcess | undefined;
  /** The connection the first test made (through its kills) and the second one goes on with. */
  let connection: { connectionId: string; accountId: string } | undefined;
  const PAT = { patName: 'crash-pat', patSecret: 'crash-secret' };
  const CONTROL_PAT = { patName: 'control-pat', patSecret: 'control-secret' };

  const startWorker = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, ...h.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = (w: ChildProcess) => new Promise<void>((resolve) => (w.exitCode !== null || w.signalCode !== null ? resolve() : w.once('exit', () => resolve())));

  /** A data source's tables as sorted rows, without SyncedAt (when a row was written differs between runs). */
  async function snapshot(ds: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const table of TABLEAU_TABLE_NAMES) {
      out[table] = (await tableauRows(t, ds, table)).map(({ SyncedAt: _s, ...rest }) => JSON.stringify(rest)).sort();
    }
    return out;
  }

  before(async () => {
    t = await startTableau();
    t.sb.state.addPat(PAT.patName, PAT.patSecret);
    t.sb.state.addPat(CONTROL_PAT.patName, CONTROL_PAT.patSecret);
    proxy = await startTableauKillProxy({ upstream: t.url, kill: () => worker?.kill('SIGKILL') });
    h = await startHarness({ worker: false, env: { TABLEAU_ORIGIN_OVERRIDE: proxy.url, ...QUICK_HEARTBEAT_ENV } });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await h?.close();
    await proxy?.close();
    await t?.close();
  });

  test('SIGKILL inside the first publish, before and after Tableau took it: the retry publishes again, one data source, nothing left staged', async () => {
    worker = startWorker();
    const dropped = proxy.killAt('publish-dropped', 300_000);
    const created = await createTableauConnection(h, PAT);
    const { connectionId } = created;
    await dropped;
    await exited(worker);
    const accepted = proxy.killAt('publish-accepted', 300_000);
    worker = startWorker();
    await accepted;
    await exited(worker);
    const dataSources = async () => (await (await fetch(`${t.url}/_sandbox/datasources?name=FreshBooks`)).json()) as { id: string }[];
    assert.equal((await dataSources()).length, 1, 'the accepted publish made the data source');
    worker = startWorker();
    await waitForRuns(h, connectionId, 1, 300_000);
    assert.equal((await dataSources()).length, 1, 'published again over it, not beside it');
    const publishes = ((await h.admin(`/api/connections/${connectionId}/tableau-jobs`)).body.jobs as any[]).filter((j) => j.action === 'publish');
    assert.equal(publishes.filter((j) => j.finishCode === 0).length, 1, 'one publish recorded as done (the accepted one never was)');
    const staged = await h.db.query('SELECT (SELECT count(*) FROM tableau_staged_rows WHERE connection_id = $1) + (SELECT count(*) FROM tableau_staged_batches WHERE connection_id = $1) AS n', [connectionId]);
    assert.equal(Number(staged.rows[0].n), 0, 'nothing left staged');
    connection = created;
  });

  test('SIGKILL after the upload, after the accepted PATCH and after the job completed: each RequestID re-sent and applied once, data equal an undisturbed run', async () => {
    assert.ok(connection, 'the first test made the connection');
    const { connectionId, accountId } = connection;
    const fb = h.fb.state;
    const live = (fb.list(accountId, 'invoices', { per_page: '100' }).items as any[]).filter((i) => i.vis_state === 0);
    const poOf = async (id: number) => (await tableauRows(t, 'FreshBooks', 'Invoices')).find((r) => Number(r.InvoiceId) === id)?.PoNumber;
    const patchesOf = (requestId: string) => proxy.patches.filter((p) => p.requestId === requestId).length;

    const phases: TableauKillPhase[] = ['uploaded', 'patched', 'completed'];
    const kills: TableauKill[] = [];
    for (const [n, phase] of phases.entries()) {
      const inv = live[n]!;
      const kill = proxy.killAt(phase);
      // A webhook-driven change: FreshBooks calls the API, which signals the workflow on the child worker's queue.
      fb.update(accountId, 'invoices', inv.id, { po_number: `PO-KILLED-${phase}` });
      const k = await kill;
      kills.push(k);
      await exited(worker!);
      const sentBefore = patchesOf(k.requestId);
      worker = startWorker();
      // The activity's heartbeat times out; its retry runs on the new worker under the same RequestID.
      await eventually(`row after the ${phase} kill`, async () => ((await poOf(inv.id)) === `PO-KILLED-${phase}` ? true : undefined), 180_000);
      await eventually(`the ${phase} batch recorded as delivered`, async () => {
        const rows = (await h.admin(`/api/connections/${connectionId}/tableau-jobs`)).body.jobs as any[];
        return rows.some((j) => j.requestId === k.requestId && j.finishCode === 0) ? true : undefined;
      }, 120_000);
      if (phase === 'completed') assert.equal(patchesOf(k.requestId), sentBefore, 'completed: the retry found the job done and sent no new PATCH');
      else assert.ok(patchesOf(k.requestId) > sentBefore, `${phase}: the retry re-sent the PATCH under the same RequestID`);
    }
    assert.deepEqual(kills.map((k) => k.phase), phases);
    assert.equal(new Set(kills.map((k) => k.requestId)).size, 3, 'three batches, three RequestIDs');

    const stats = await tableauStats(t);
    assert.equal(stats.requestIds[kills[0]!.requestId]?.received, 1, 'uploaded: Tableau saw the PATCH only from the retry');
    assert.equal(stats.requestIds[kills[1]!.requestId]?.received, 2, 'patched: Tableau saw the PATCH twice, once before the kill');
    for (const k of kills) assert.equal(stats.requestIds[k.requestId]?.applied, 1, `${k.phase}: the batch's RequestID was applied once`);
    assert.ok(Object.values(stats.requestIds as Record<string, { applied: number }>).every((r) => r.applied <= 1), 'no RequestID applied twice');
    const audit = (await h.admin(`/api/connections/${connectionId}/tableau-jobs`)).body.jobs as any[];
    for (const k of kills) {
      const attempts = audit.filter((j) => j.requestId === k.requestId);
      assert.equal(new Set(attempts.map((j) => j.uploadSessionId)).size, 1, `${k.phase}: one upload session across the attempts`);
      assert.ok(!audit.some((j) => j.requestId === `${k.requestId}-r1`), `${k.phase}: no new RequestID was minted`);
    }
    for (const [n, phase] of phases.entries()) assert.equal(await poOf(live[n]!.id), `PO-KILLED-${phase}`);

    // The same account backfilled without interruption into another data source: the same tables.
    await waitForRuns(h, connectionId, 1);
    const control = await createTableauConnection(h, { ...CONTROL_PAT, dataSourceName: 'FreshBooksControl' });
    await waitForRuns(h, control.connectionId, 1, 300_000);
    assert.deepEqual(await snapshot('FreshBooks'), await snapshot('FreshBooksControl'));
  });
});
