import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { installWorkerRuntime } from '../../workers/runtime';
import { parseKeyRing } from '../../common/crypto';
import { createDataConverter } from '../../temporal/data-converter';
import { workflowBundle as suiteWorkflowBundle } from '../support/workflow-bundle';
import { REPLAY_PAYLOAD_KEYS } from './fixture-keys';
import { readExportedHistories, replayHistories } from './exported-histories';

/** Committed histories must replay on the current workflow code: a change that would break running
 * workflows (non-determinism) fails here, before it ships. Needs no server. */
const DIR = join(__dirname, 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories of every workflow', () => {
  for (const kind of ['connection-', 'credential-', 'order-', 'store-']) assert.ok(files.some((f) => f.startsWith(kind)), kind);
});

test('every committed history replays without non-determinism', async () => {
  installWorkerRuntime('error');
  const workflowBundle = await suiteWorkflowBundle();
  const dataConverter = createDataConverter(parseKeyRing(REPLAY_PAYLOAD_KEYS));
  for (const file of files) {
    const history = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { events?: unknown[] };
    assert.ok((history.events?.length ?? 0) > 10, `${file} is a real history`);
    await Worker.runReplayHistory({ workflowBundle, dataConverter }, history, file);
  }
});

/**
 * Histories the service exported beyond retention: REPLAY_HISTORY_EXPORT=dir:/path, the service's
 * postgres:// URL or gcs://bucket/prefix (with the service's HISTORY_EXPORT_GCS_KEY in the environment),
 * with REPLAY_PAYLOAD_KEYS its PAYLOAD_KEYS (the fixture key otherwise).
 */
const exported = process.env.REPLAY_HISTORY_EXPORT;
test('every exported history replays without non-determinism', { skip: exported ? false : 'REPLAY_HISTORY_EXPORT not set' }, async () => {
  installWorkerRuntime('error');
  const histories = await readExportedHistories(exported!);
  assert.ok(histories.length > 0, `${exported} holds histories`);
  await replayHistories(histories, process.env.REPLAY_PAYLOAD_KEYS ?? REPLAY_PAYLOAD_KEYS);
});
