import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, stopOwnStack } from '../support/harness';
import { createBigQueryConnection, waitForRuns } from '../support/flows';
import { connectionWorkflowId, credentialWorkflowId } from '../../workflows/ids';
import { REPLAY_PAYLOAD_KEYS } from './fixture-keys';

/**
 * Records the histories test/replay/replay.test.ts replays: a connection through a backfill, an
 * incremental run with changes, a re-delivery and a paused/resumed spell; its grant through a
 * requested refresh. Run again (npx tsx test/replay/record-histories.ts) when workflow code changes
 * on purpose, and keep the old files: they are what running workflows were started with.
 */
async function main(): Promise<void> {
  const h = await startHarness({ env: { PAYLOAD_KEYS: REPLAY_PAYLOAD_KEYS } });
  try {
    const { connectionId, accountId, grantId } = await createBigQueryConnection(h, { datasetId: 'replay', settings: { entities: ['clients', 'invoices'] } });
    await waitForRuns(h, connectionId, 1);
    const invoice = (h.fb.state.list(accountId, 'invoices', { per_page: '1' }).items as { id: number }[])[0];
    h.fb.state.update(accountId, 'invoices', invoice.id, { notes: 'changed for replay' });
    h.fb.state.expireAccessTokens(); // the incremental run meets a 401 and asks the grant for a refresh
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await waitForRuns(h, connectionId, 2);
    await h.admin(`/api/connections/${connectionId}/redeliver`, { body: { entity: 'invoices', recordId: String(invoice.id) } });
    await waitForRuns(h, connectionId, 3);
    await h.admin(`/api/connections/${connectionId}/pause`, { body: {} });
    await h.admin(`/api/connections/${connectionId}/resume`, { body: {} });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'full' } });
    await waitForRuns(h, connectionId, 4);
    const stamp = new Date().toISOString().slice(0, 10);
    for (const [name, id] of [['connection', connectionWorkflowId(connectionId)], ['credential', credentialWorkflowId(grantId)]] as const) {
      // The CLI's JSON is the documented replay format; payloads stay as recorded (encrypted).
      const json = execFileSync(process.env.TEMPORAL_CLI ?? 'temporal', ['workflow', 'show', '--workflow-id', id, '--output', 'json', '--address', h.env.TEMPORAL_ADDRESS], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const file = join(__dirname, 'histories', `${name}-${stamp}.json`);
      writeFileSync(file, json);
      process.stdout.write(`${file}: ${(JSON.parse(json).events ?? []).length} events\n`);
    }
  } finally {
    await h.close();
    await stopOwnStack();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
