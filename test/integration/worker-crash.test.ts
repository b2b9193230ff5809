import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { QUICK_HEARTBEAT_ENV, startHarness, type Harness } from '../support/harness';
import { createBigQueryConnection, emulatorWarehouse, waitForRuns } from '../support/flows';
import { bigQueryRepeatedVersions } from '../support/fault-checks';
import { startLoadKillProxy, type Kill, type KillPhase } from '../support/load-kill-proxy';
import { COMPARED, sourceFigures, warehouseFigures, type WarehouseFigures } from '../support/warehouse-checks';
import { EMULATOR_PROJECT } from '../support/harness';
import { TABLES } from '../../mapping/freshbooks';

/**
 * A worker process killed with SIGKILL in the middle of a backfill, then restarted, produces exactly
 * the tables an uninterrupted backfill produces: Temporal retries the lost activity on the new worker
 * and every write is idempotent (content-addressed load jobs, delivery ledger). "What an uninterrupted
 * backfill produces" is the sandbox's ground truth (sourceFigures): every record once, its money per currency.
 */
describe('worker killed mid-backfill (real Temporal, Postgres, BigQuery emulator)', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  before(async () => {
    h = await startHarness({ worker: false, freshbooks: { scale: { invoices: 4000 } }, env: { ...QUICK_HEARTBEAT_ENV } });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await h.close();
  });

  /** A worker at the harness's pace (200 requests/s), or `SLOW` where the kill is timed by records delivered. */
  function startWorker(env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, ...h.env, LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return child;
  }

  /** Slow enough that the kill lands between load jobs of the invoices backfill. */
  const SLOW = { FRESHBOOKS_REQUESTS_PER_SEC: '10' };

  async function delivered(connectionId: string, entity: string): Promise<number> {
    const { rows } = await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = $2', [connectionId, entity]);
    return Number(rows[0].n);
  }

  async function figures(datasetId: string, compared = COMPARED): Promise<Record<string, WarehouseFigures>> {
    const wh = emulatorWarehouse(h, datasetId);
    const out: Record<string, WarehouseFigures> = {};
    for (const c of compared) out[c.table] = await warehouseFigures(wh, datasetId, c.table, c.amountColumn);
    return out;
  }

  /** Ledger versions of the entity's records that its table does not hold: what the ledger says went out but did not. */
  async function deliveredButMissing(connectionId: string, datasetId: string): Promise<string[]> {
    const { rows } = await h.db.query<{ version: string }>('SELECT version FROM delivered_records WHERE connection_id = $1 AND entity = $2', [connectionId, 'invoices']);
    const landed = await emulatorWarehouse(h, datasetId).query<{ v: string }>(`SELECT DISTINCT _version AS v FROM \`${EMULATOR_PROJECT}.${datasetId}.${TABLES.invoices.defaultName}\``);
    const have = new Set(landed.map((r) => r.v));
    return rows.map((r) => r.version).filter((v) => !have.has(v));
  }

  test('SIGKILL during the backfill, restart: the same final tables as an uninterrupted run', async () => {
    worker = startWorker(SLOW);
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

    // The kill has landed: the rest of the backfill may go at the harness's pace.
    worker = startWorker();
    await waitForRuns(h, connectionId, 1, 240_000);
    const crashed = await figures('it_crash');
    assert.deepEqual(crashed, sourceFigures(h.fb.state.totals(accountId)), 'every record once, with its money: what an uninterrupted backfill leaves');
    // The figures come from the `_latest` views, which show one row per record however many copies the table holds.
    assert.deepEqual(Object.values(await bigQueryRepeatedVersions(h, 'it_crash')).filter((n) => n > 0), [], 'no version written twice');
  });

  test('SIGKILL at several points inside load jobs, restart after each: every delivered record is in the tables, which equal an uninterrupted run', async () => {
    const datasetId = 'it_kill_points';
    const proxy = await startLoadKillProxy({ upstream: h.bigqueryEmulatorUrl, datasetId, tableId: TABLES.invoices.defaultName, kill: () => worker?.kill('SIGKILL') });
    try {
      if (worker && worker.exitCode === null) {
        const gone = new Promise((r) => worker!.once('exit', r));
        worker.kill('SIGKILL');
        await gone;
      }
      const throughProxy = { BIGQUERY_API_ENDPOINT: proxy.url };
      worker = startWorker(throughProxy);
      const invoicesOnly = { entities: ['invoices'] };
      const { connectionId, accountId } = await createBigQueryConnection(h, { datasetId, settings: invoicesOnly });
      // Torn twice (the retry's load under the next id is torn too), then killed once the rows are
      // sent, before the ledger records them: each retry starts where the previous kill left it.
      const phases: KillPhase[] = ['torn', 'torn', 'sent'];
      const kills: Kill[] = [];
      for (const phase of phases) {
        kills.push(await proxy.killAt(phase));
        await new Promise((r) => worker!.once('exit', r));
        assert.deepEqual(await deliveredButMissing(connectionId, datasetId), [], `after the ${phase} kill, every record the ledger has delivered is in the table`);
        worker = startWorker(throughProxy);
      }
      assert.deepEqual(kills.map((k) => k.jobId), ['', '_r1', '_r2'].map((r) => `${kills[0]!.jobId}${r}`), 'each retry passed over the torn jobs for the next id');

      await waitForRuns(h, connectionId, 1, 240_000);
      const compared = COMPARED.filter((c) => c.source === 'invoices' || c.source === 'invoice_lines');
      const crashed = await figures(datasetId, compared);
      assert.deepEqual(await deliveredButMissing(connectionId, datasetId), []);
      assert.equal(await delivered(connectionId, 'invoices'), h.fb.state.totals(accountId).entities.invoices.count);

      assert.deepEqual(crashed, sourceFigures(h.fb.state.totals(accountId), compared), 'every invoice and line once, with its money: what an uninterrupted backfill leaves');
      // The `_latest` views show one row per record however many copies the table holds: the sent-but-unrecorded batch must not be there twice.
      assert.deepEqual(await bigQueryRepeatedVersions(h, datasetId, compared.map((c) => c.table)), { invoices: 0, invoice_lines: 0 }, 'no invoice or line version written twice');
    } finally {
      await proxy.close();
    }
  });
});
