import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHarness, type Harness } from '../support/harness';
import { eventually, waitForRuns } from '../support/flows';
import { createTableauConnection, startTableau, tableauRows, tableauStats, type TableauFixture } from '../support/tableau';
import { startTableauKillProxy, type TableauKillProxy } from '../support/tableau-kill-proxy';

/**
 * A worker SIGKILLed between the payload upload and the PATCH, and between the PATCH and the ledger
 * write, then restarted: the data source ends equal to FreshBooks and Tableau ran each RequestID once.
 */
describe('Tableau: worker killed inside an Update Data batch (real Temporal, Postgres, hyperd)', () => {
  let h: Harness;
  let t: TableauFixture;
  let proxy: TableauKillProxy;
  let worker: ChildProcess | undefined;
  const PAT = { patName: 'crash-pat', patSecret: 'crash-secret' };

  const startWorker = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, ...h.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  before(async () => {
    t = await startTableau();
    t.sb.state.addPat(PAT.patName, PAT.patSecret);
    proxy = await startTableauKillProxy({ upstream: t.url, kill: () => worker?.kill('SIGKILL') });
    h = await startHarness({ worker: false, env: { TABLEAU_ORIGIN_OVERRIDE: proxy.url } });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await h?.close();
    await proxy?.close();
    await t?.close();
  });

  test('SIGKILL after the upload and after the PATCH, restart after each: final data equal FreshBooks, each RequestID applied once', async () => {
    worker = startWorker();
    const { connectionId, accountId } = await createTableauConnection(h, PAT);
    await waitForRuns(h, connectionId, 1, 300_000);
    const fb = h.fb.state;
    const live = (fb.list(accountId, 'invoices', { per_page: '100' }).items as any[]).filter((i) => i.vis_state === 0);
    const poOf = async (id: number) => (await tableauRows(t, 'FreshBooks', 'Invoices')).find((r) => Number(r.InvoiceId) === id)?.PoNumber;

    const killed: Record<string, string> = {};
    for (const [n, phase] of (['uploaded', 'patched'] as const).entries()) {
      const inv = live[n]!;
      const kill = proxy.killAt(phase);
      fb.update(accountId, 'invoices', inv.id, { po_number: `PO-KILLED-${phase}` });
      killed[phase] = await kill;
      await new Promise<void>((resolve) => (worker!.exitCode !== null || worker!.signalCode !== null ? resolve() : worker!.once('exit', () => resolve())));
      worker = startWorker();
      // The activity's heartbeat times out, its retry runs on the new worker with the same RequestID.
      await eventually(`row after the ${phase} kill`, async () => ((await poOf(inv.id)) === `PO-KILLED-${phase}` ? true : undefined), 180_000);
    }

    const audit = (await h.admin(`/api/connections/${connectionId}/tableau-jobs`)).body.jobs as any[];
    await eventually('audit completes', async () => {
      const rows = (await h.admin(`/api/connections/${connectionId}/tableau-jobs`)).body.jobs as any[];
      return rows.some((j) => j.requestId === killed.patched && j.finishCode === 0) ? true : undefined;
    }, 60_000);
    const stats = await tableauStats(t);
    for (const [phase, requestId] of Object.entries(killed)) {
      assert.equal(stats.requestIds[requestId]?.applied, 1, `${phase}: the batch's RequestID ran once`);
      const attempts = audit.filter((j) => j.requestId === requestId);
      assert.ok(attempts.length >= 1);
    }
    assert.ok(stats.requestIds[killed.patched].received >= 2, 'the PATCH was re-sent under the same RequestID after the kill');
    assert.ok(Object.values(stats.requestIds as Record<string, { applied: number }>).every((r) => r.applied <= 1), 'no RequestID applied twice');
    // The final data equal FreshBooks: one row per invoice, one set of lines per invoice.
    const all: any[] = [];
    for (let page = 1; ; page++) {
      const r = fb.list(accountId, 'invoices', { per_page: '100', page: String(page) });
      all.push(...r.items);
      if (page >= r.pages) break;
    }
    const rows = await tableauRows(t, 'FreshBooks', 'Invoices');
    assert.equal(rows.length, all.length);
    assert.equal(new Set(rows.map((r) => r.InvoiceId)).size, rows.length);
    const lines = await tableauRows(t, 'FreshBooks', 'InvoiceLines');
    const expectedLines = all.reduce((n, i) => n + ((fb.get(accountId, 'invoices', i.id) as any).lines ?? []).length, 0);
    assert.equal(lines.length, expectedLines);
    assert.equal(await poOf(live[0]!.id), 'PO-KILLED-uploaded');
    assert.equal(await poOf(live[1]!.id), 'PO-KILLED-patched');
  });
});
