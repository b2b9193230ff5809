import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { COMPARED, sourceAmounts, warehouseFigures, type WarehouseFigures } from '../support/warehouse-checks';

/**
 * A worker process killed with SIGKILL in the middle of a backfill, then restarted, produces exactly
 * the tables an uninterrupted backfill produces: Temporal retries the lost activity on the new worker
 * and every write is idempotent (content-addressed load jobs, delivery ledger).
 */
describe('worker killed mid-backfill (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  before(async () => {
    h = await startHarness({ worker: false, freshbooks: { scale: { invoices: 4000 } } });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await h.close();
  });

  function startWorker(): ChildProcess {
    // Slow enough that the kill lands between load jobs of the invoices backfill.
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, ...h.env, FRESHBOOKS_REQUESTS_PER_SEC: '10', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return child;
  }

  async function delivered(connectionId: string, entity: string): Promise<number> {
    const { rows } = await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = $2', [connectionId, entity]);
    return Number(rows[0].n);
  }

  async function figures(datasetId: string): Promise<Record<string, WarehouseFigures>> {
    const wh = emulatorWarehouse(h, datasetId);
    const out: Record<string, WarehouseFigures> = {};
    for (const c of COMPARED) out[c.table] = await warehouseFigures(wh, datasetId, c.table, c.amountColumn);
    return out;
  }

  test('SIGKILL during the backfill, restart: the same final tables as an uninterrupted run', async () => {
    worker = startWorker();
    const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId: 'it_crash' });
    const total = h.fb.state.totals(accountId).entities.invoices.count;
    const deadline = Date.now() + 120_000;
    let atKill = 0;
    while (Date.now() < deadline) {
      atKill = await delivered(connectionId, 'invoices');
      if (atKill >= 1000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(atKill >= 1000 && atKill < total, `kill lands mid-backfill (${atKill}/${total} invoices delivered)`);
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));

    worker = startWorker();
    await waitForRuns(h, connectionId, 1, 240_000);
    const crashed = await figures('it_crash');

    // The same account backfilled again without interruption, into another dataset.
    const control = await createBigQueryConnection(h, { datasetId: 'it_control' });
    await waitForRuns(h, control.connectionId, 1, 240_000);
    const clean = await figures('it_control');

    assert.deepEqual(crashed, clean);
    const totals = h.fb.state.totals(accountId);
    for (const c of COMPARED) {
      assert.equal(crashed[c.table].count, totals.entities[c.source].count, `${c.table} count`);
      assert.equal(crashed[c.table].distinctKeys, crashed[c.table].count, `${c.table}: one row per record`);
      if (c.amountColumn) assert.deepEqual(crashed[c.table].amounts, sourceAmounts(totals.entities[c.source].amounts));
    }
  });
});
