import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import { startHarness, type Harness } from '../support/harness';
import { createPostgresConnection, waitForRuns, warehouseDatabaseUrl } from '../support/flows';
import { COMPARED, postgresFigures, postgresRepeatedVersions, sourceAmounts } from '../support/warehouse-checks';
import { TABLE_KEYS } from '../../mapping/freshbooks';
import { connectionWorkflowId } from '../../contracts/ids';
import type { ConnectionWorkflowInput, RunLane } from '../../contracts/connection';
import type { FirstPagesResult, SyncFirstPagesInput, SyncPagesInput } from '../../contracts/sync';
import { ENTITY_LANES } from '../../workflows/connection-run';

/**
 * A sync run reads several FreshBooks entities at once ('concurrent-entities'): the warehouse ends as the
 * source, each entity's passes run in order with every page batch read once, the cursor of each entity is
 * the newest `updated` it delivered, and a run continued as new with lanes mid-entity resumes each of them.
 */

/** One run of the connection workflow, decoded: its syncPages batches (with their overlap) and what it handed over. */
interface RunRead {
  batches: SyncPagesInput[];
  /** Most syncPages activities of distinct entities in flight at once. */
  maxEntitiesInFlight: number;
  /** syncFirstPages activities ('first-pages-together'), whose page batches are in `batches` too. */
  firstPagesActivities: number;
  handedOver?: ConnectionWorkflowInput;
}

/** Every run of the workflow, oldest first: walked back from the current run through each start's `continuedExecutionRunId`. */
async function runsRead(h: Harness, connectionId: string): Promise<RunRead[]> {
  const codec = new EncryptionCodec(h.config.payloadKeys);
  const decode = async <T>(payloads: unknown[] | null | undefined): Promise<T[]> =>
    (await codec.decode((payloads ?? []) as never)).map((p) => defaultPayloadConverter.fromPayload<T>(p));
  const workflowId = connectionWorkflowId(connectionId);
  const out: RunRead[] = [];
  let runId: string | undefined = (await h.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: Awaited<ReturnType<ReturnType<Harness['client']['workflow']['getHandle']>['fetchHistory']>> = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const batches: SyncPagesInput[] = [];
    const inFlight = new Map<number, string>();
    let maxEntitiesInFlight = 0;
    let handedOver: ConnectionWorkflowInput | undefined;
    const firstPages = new Map<number, SyncFirstPagesInput>();
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'syncFirstPages') {
        const [input] = await decode<SyncFirstPagesInput>(scheduled.input?.payloads);
        firstPages.set(Number(e.eventId), input!);
      }
      const completed = e.activityTaskCompletedEventAttributes;
      const together = completed && firstPages.get(Number(completed.scheduledEventId));
      if (together) {
        // Its page batches, as syncPages calls would have asked for them: pass i from page 1.
        const [read] = await decode<FirstPagesResult[]>(completed.result?.payloads);
        for (const r of read!) {
          r.batches.forEach((_, i) => batches.push({ connectionId, runKey: together.runKey, entity: r.entity, pass: i === 0 ? 'changes' : 'deleted', mode: together.mode, startPage: 1, maxPages: together.maxPages }));
        }
      }
      if (scheduled?.activityType?.name === 'syncPages') {
        const [input] = await decode<SyncPagesInput>(scheduled.input?.payloads);
        batches.push(input!);
        inFlight.set(Number(e.eventId), input!.entity);
        maxEntitiesInFlight = Math.max(maxEntitiesInFlight, new Set(inFlight.values()).size);
      }
      const ended = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      if (ended) inFlight.delete(Number(ended.scheduledEventId));
      const can = e.workflowExecutionContinuedAsNewEventAttributes;
      if (can) [handedOver] = await decode<ConnectionWorkflowInput>(can.input?.payloads);
    }
    out.unshift({ batches, maxEntitiesInFlight, firstPagesActivities: firstPages.size, ...(handedOver ? { handedOver } : {}) });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
  }
  return out;
}

/** Each entity's batches in the order asked: `pass:startPage:maxPages`. */
function batchesByEntity(batches: SyncPagesInput[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of batches) (out[b.entity] ??= []).push(`${b.pass}:${b.startPage}:${b.maxPages}`);
  return out;
}

/** Passes in order (changes, then deleted), each page batch once, and each pass read to its end from page 1. */
function assertPassesInOrder(byEntity: Record<string, string[]>): void {
  for (const [entity, list] of Object.entries(byEntity)) {
    assert.equal(new Set(list).size, list.length, `${entity}: no page batch twice: ${list.join(' ')}`);
    const firstDeleted = list.findIndex((b) => b.startsWith('deleted:'));
    assert.ok(firstDeleted > 0, `${entity}: changes pass first: ${list.join(' ')}`);
    assert.ok(list.slice(firstDeleted).every((b) => b.startsWith('deleted:')), `${entity}: then the deleted pass: ${list.join(' ')}`);
    for (const pass of ['changes', 'deleted']) {
      const batches = list.filter((b) => b.startsWith(`${pass}:`)).map((b) => b.split(':').map(Number) as [number, number, number]);
      const expected = batches.map((_, i) => batches.slice(0, i).reduce((page, [, , maxPages]) => page + maxPages, 1));
      assert.deepEqual(batches.map(([, startPage]) => startPage), expected, `${entity} ${pass}: batches from page 1, each where the one before ended`);
    }
  }
}

async function assertMatchesSource(h: Harness, wh: Pool, schema: string, accountId: string): Promise<void> {
  const totals = h.fb.state.totals(accountId);
  for (const { table, source, amountColumn } of COMPARED) {
    const got = await postgresFigures(wh, schema, table, amountColumn);
    assert.equal(got.count, totals.entities[source].count, `${table}: row count`);
    assert.equal(got.distinctKeys, got.count, `${table}: one row per record`);
    if (amountColumn) assert.deepEqual(got.amounts, sourceAmounts(totals.entities[source].amounts), `${table}: sum of ${amountColumn} per currency`);
  }
  for (const key of TABLE_KEYS) assert.equal(await postgresRepeatedVersions(wh, schema, key), 0, `${key}: no version twice`);
}

/** Each entity's cursor is the newest `updated` it delivered; an entity whose records carry none has no cursor. */
async function assertCursors(h: Harness, connectionId: string, cursors: Partial<Record<string, { since?: string }>>): Promise<void> {
  const { rows } = await h.db.query<{ entity: string; newest: Date | null }>(
    'SELECT entity, max(updated_at_src) AS newest FROM delivered_records WHERE connection_id = $1 GROUP BY entity', [connectionId]);
  assert.ok(rows.length >= 10, `entities delivered: ${rows.map((r) => r.entity).join(', ')}`);
  for (const r of rows) {
    const since = cursors[r.entity]?.since;
    if (r.newest === null) assert.equal(since, undefined, `${r.entity}: no cursor`);
    else assert.equal(since && Date.parse(since), r.newest.getTime(), `${r.entity}: cursor is its newest delivered \`updated\``);
  }
}

describe('a sync run reads several entities at once (real Temporal, Postgres warehouse, FreshBooks sandbox)', () => {
  let h: Harness;
  let url: string;
  let wh: Pool;
  before(async () => {
    h = await startHarness();
    url = await warehouseDatabaseUrl();
    wh = new Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    await wh?.end();
    await h?.close();
  });

  test('a full run reads three entities at once and delivers what the source holds; each entity\'s passes in order, its cursor its newest delivered record', async () => {
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema: 'lanes' });
    const status = await waitForRuns(h, connectionId, 1);
    await assertMatchesSource(h, wh, 'lanes', accountId);
    await assertCursors(h, connectionId, status.cursors);
    const runs = await runsRead(h, connectionId);
    assert.equal(Math.max(...runs.map((r) => r.maxEntitiesInFlight)), ENTITY_LANES, 'entities read at once');
    assert.ok(runs[0]!.firstPagesActivities >= 1, 'first pages read together');
    assertPassesInOrder(batchesByEntity(runs.flatMap((r) => r.batches)));
    const { rows: [run] } = await h.db.query<{ error: string | null }>('SELECT error FROM sync_runs WHERE connection_id = $1', [connectionId]);
    assert.equal(run!.error, null);
  });
});

describe('a run continued as new with lanes mid-entity (real Temporal suggesting continue-as-new every 60 events)', () => {
  let h: Harness;
  let url: string;
  let wh: Pool;
  before(async () => {
    // 1,500 invoices: their passes take two page batches, so a lane is mid-pass at some hand-over.
    h = await startHarness({
      own: { temporal: true }, temporalDynamicConfig: ['limit.historyCount.suggestContinueAsNew=60'],
      freshbooks: { scale: { invoices: 1500, payments: 180, expenses: 150, vendors: 25, bills: 90, clients: 40, items: 30 } },
    });
    url = await warehouseDatabaseUrl();
    wh = new Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    await wh?.end();
    await h?.close();
  });

  test('every lane goes on where it stood: each page batch read once, the warehouse as the source, cursors as an uninterrupted run', async () => {
    const { connectionId, accountId } = await createPostgresConnection(h, { url, schema: 'lanes_can' });
    const status = await waitForRuns(h, connectionId, 1, 300_000);
    await assertMatchesSource(h, wh, 'lanes_can', accountId);
    await assertCursors(h, connectionId, status.cursors);
    const runs = await runsRead(h, connectionId);
    assertPassesInOrder(batchesByEntity(runs.flatMap((r) => r.batches)));
    const carried = runs.flatMap((r) => (r.handedOver?.state?.position?.lanes ? [r.handedOver.state.position.lanes] : []));
    assert.ok(carried.length >= 2, `hand-overs mid-run: ${carried.length}`);
    const midEntity = (lanes: RunLane[]) => lanes.length >= 2 && lanes.some((l) => l.passIndex > 0 || l.page > 1);
    assert.ok(carried.some(midEntity), `several lanes carried, one mid-entity: ${JSON.stringify(carried.map((ls) => ls.map((l) => `${l.entity}:${l.passIndex}:${l.page}`)))}`);
    const { rows } = await h.db.query<{ error: string | null }>('SELECT error FROM sync_runs WHERE connection_id = $1', [connectionId]);
    assert.deepEqual(rows, [{ error: null }], 'one run, complete');
  });
});
