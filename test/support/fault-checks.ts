import assert from 'node:assert/strict';
import type { Harness } from './harness';
import { EMULATOR_PROJECT } from './harness';
import { emulatorWarehouse, eventually, waitForRuns } from './flows';
import { COMPARED, sourceFigures, warehouseFigures, type WarehouseFigures } from './warehouse-checks';
import { TABLE_KEYS, TABLES, type TableKey } from '../../mapping/freshbooks';

/**
 * Checks the fault suite shares: a backfill that lived through an outage ends with the tables an
 * undisturbed one makes (nothing lost, nothing twice), and the outage showed in status while it lasted.
 */

export async function deliveredCount(h: Harness, connectionId: string, entity: string): Promise<number> {
  const { rows } = await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = $2', [connectionId, entity]);
  return Number(rows[0]!.n);
}

/** Waits until the backfill has delivered `atLeast` invoices (and not all of them): the moment to disturb it. */
export async function midBackfill(h: Harness, connectionId: string, accountId: string, atLeast = 1000): Promise<number> {
  const total = h.fb.state.totals(accountId).entities.invoices.count;
  const deadline = Date.now() + 120_000;
  let n = 0;
  while (Date.now() < deadline) {
    n = await deliveredCount(h, connectionId, 'invoices');
    if (n >= atLeast) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(n >= atLeast && n < total, `the fault lands mid-backfill (${n}/${total} invoices delivered)`);
  return n;
}

export async function bigQueryFigures(h: Harness, datasetId: string): Promise<Record<string, WarehouseFigures>> {
  const wh = emulatorWarehouse(h, datasetId);
  const out: Record<string, WarehouseFigures> = {};
  for (const c of COMPARED) out[c.table] = await warehouseFigures(wh, datasetId, c.table, c.amountColumn);
  return out;
}

/** Versions a raw table holds more than once: a batch written twice. */
export async function bigQueryRepeatedVersions(h: Harness, datasetId: string, keys: readonly TableKey[] = TABLE_KEYS): Promise<Record<string, number>> {
  const wh = emulatorWarehouse(h, datasetId);
  const out: Record<string, number> = {};
  for (const key of keys) {
    const [r] = await wh.query<{ n: number }>(`SELECT COUNT(*) - COUNT(DISTINCT _version) AS n FROM \`${EMULATOR_PROJECT}.${datasetId}.${TABLES[key].defaultName}\``);
    out[key] = Number(r?.n ?? 0);
  }
  return out;
}

/**
 * The disturbed backfill finished with the tables an undisturbed one makes: every record once with its money per
 * currency, as the sandbox's ground truth has them (sourceFigures), no version landed twice, the ledger whole.
 */
export async function assertSameAsUndisturbed(h: Harness, c: { connectionId: string; accountId: string; datasetId: string }): Promise<void> {
  await waitForRuns(h, c.connectionId, 1, 300_000);
  const totals = h.fb.state.totals(c.accountId);
  assert.deepEqual(await bigQueryFigures(h, c.datasetId), sourceFigures(totals), 'the tables of an undisturbed backfill: every record once, with its money');
  assert.deepEqual(Object.values(await bigQueryRepeatedVersions(h, c.datasetId)).filter((n) => n > 0), [], 'no version written twice');
  assert.equal(await deliveredCount(h, c.connectionId, 'invoices'), totals.entities.invoices.count, 'the ledger holds every invoice once');
}

export async function healthz(h: Harness): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.apiUrl}/healthz`);
  return { status: res.status, body: await res.json() };
}

/** /healthz answers non-200 naming `dependency` (within a few probes: the API notices on its next query). */
export async function assertHealthNames(h: Harness, dependency: 'postgres' | 'temporal'): Promise<{ status: number; body: any }> {
  return eventually(`/healthz naming ${dependency}`, async () => {
    const r = await healthz(h);
    return r.status === 503 && r.body.ok === false && r.body.down?.includes(dependency) ? r : undefined;
  }, 30_000);
}

export async function healthy(h: Harness): Promise<void> {
  await eventually('/healthz 200 again', async () => ((await healthz(h)).status === 200 || undefined), 60_000);
}
