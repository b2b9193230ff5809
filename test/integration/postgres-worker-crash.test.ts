import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Pool } from 'pg';
import { QUICK_HEARTBEAT_ENV, startHarness, type Harness } from '../support/harness';
import { createPostgresConnection, waitForRuns, warehouseDatabaseUrl } from '../support/flows';
import { COMPARED, postgresFigures, postgresRepeatedVersions, sourceFigures, type WarehouseFigures } from '../support/warehouse-checks';
import { TABLE_KEYS } from '../../mapping/freshbooks';

/**
 * A worker killed with SIGKILL in the middle of a backfill into a Postgres warehouse, then restarted,
 * leaves exactly the tables an uninterrupted backfill leaves: a batch cut off before its COMMIT is
 * rolled back by Postgres and written whole by the retry; one cut off after it is found "already in".
 * "What an uninterrupted backfill leaves" is the sandbox's ground truth (sourceFigures): every record once, its money per currency.
 */
describe('worker killed mid-backfill into a Postgres warehouse (real Temporal, Postgres)', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  let url: string;
  let wh: Pool;
  before(async () => {
    h = await startHarness({ worker: false, freshbooks: { scale: { invoices: 4000 } }, env: { ...QUICK_HEARTBEAT_ENV } });
    url = await warehouseDatabaseUrl();
    wh = new Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await wh.end();
    await h.close();
  });

  /** `slow`: slow enough that the kill lands between batches of the invoices backfill; else the harness's 200 requests/s. */
  function startWorker(pace: 'slow' | 'harness'): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, ...h.env, ...(pace === 'slow' ? { FRESHBOOKS_REQUESTS_PER_SEC: '10' } : {}), LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  async function delivered(connectionId: string): Promise<number> {
    const { rows } = await h.db.query<{ n: string }>("SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = 'invoices'", [connectionId]);
    return Number(rows[0]!.n);
  }

  async function figures(schema: string): Promise<Record<string, WarehouseFigures>> {
    const out: Record<string, WarehouseFigures> = {};
    for (const c of COMPARED) out[c.table] = await postgresFigures(wh, schema, c.table, c.amountColumn);
    return out;
  }

  /** What the ledger says went out but the warehouse does not hold: versions, and batches. */
  async function deliveredButMissing(connectionId: string, schema: string): Promise<{ versions: string[]; batches: string[] }> {
    const { rows } = await h.db.query<{ version: string; batch_id: string }>("SELECT version, batch_id FROM delivered_records WHERE connection_id = $1 AND entity = 'invoices'", [connectionId]);
    const versions = new Set((await wh.query<{ v: string }>(`SELECT _version AS v FROM "${schema}".freshbooks_invoices`)).rows.map((r) => r.v));
    const batches = new Set((await wh.query<{ k: string }>(`SELECT batch_key AS k FROM "${schema}"._ml_batches`)).rows.map((r) => r.k));
    return {
      versions: rows.filter((r) => !versions.has(r.version)).map((r) => r.version),
      batches: [...new Set(rows.filter((r) => !batches.has(r.batch_id)).map((r) => r.batch_id))],
    };
  }

  test('SIGKILL during the backfill, restart: the same final tables as an uninterrupted run, and every invariant holds', async () => {
    worker = startWorker('slow');
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema: 'fb_crash' });
    const total = h.fb.state.totals(accountId).entities.invoices.count;
    const deadline = Date.now() + 120_000;
    let atKill = 0;
    while (Date.now() < deadline) {
      atKill = await delivered(connectionId);
      if (atKill >= 1000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(atKill >= 1000 && atKill < total, `kill lands mid-backfill (${atKill}/${total} invoices delivered)`);
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    assert.deepEqual(await deliveredButMissing(connectionId, 'fb_crash'), { versions: [], batches: [] }, 'whatever the ledger holds committed in the warehouse');

    // The kill has landed: the rest of the backfill may go at the harness's pace.
    worker = startWorker('harness');
    await waitForRuns(h, connectionId, 1, 240_000);
    const crashed = await figures('fb_crash');
    assert.deepEqual(await deliveredButMissing(connectionId, 'fb_crash'), { versions: [], batches: [] });
    for (const key of TABLE_KEYS) assert.equal(await postgresRepeatedVersions(wh, 'fb_crash', key), 0, `${key}: no version twice`);

    assert.deepEqual(crashed, sourceFigures(h.fb.state.totals(accountId)), 'every record once, with its money: what an uninterrupted backfill leaves');
  });
});
