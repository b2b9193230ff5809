import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { Worker } from '@temporalio/worker';
import { parseKeyRing } from '../../common/crypto';
import { createDataConverter } from '../../temporal/data-converter';
import { bundleWorkflows } from '../../workers/workflow-bundle';

export interface NamedHistory { name: string; json: string }

/**
 * Histories exported by the service (HISTORY_EXPORT), read back from where they were written:
 * `dir:/path` (the files) or a `postgres://` URL of the service's database (history_export_bodies).
 */
export async function readExportedHistories(spec: string): Promise<NamedHistory[]> {
  if (spec.startsWith('dir:')) {
    const dir = spec.slice(4);
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) =>
      readdirSync(join(dir, d.name)).filter((f) => f.endsWith('.json')).map((f) => ({
        name: `${decodeURIComponent(d.name)} ${f.slice(0, -'.json'.length)}`, json: readFileSync(join(dir, d.name, f), 'utf8'),
      })));
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const db = new PgClient({ connectionString: spec });
    await db.connect();
    try {
      const { rows } = await db.query<{ workflow_id: string; run_id: string; history: Buffer }>('SELECT workflow_id, run_id, history FROM history_export_bodies ORDER BY workflow_id, run_id');
      return rows.map((r) => ({ name: `${r.workflow_id} ${r.run_id}`, json: r.history.toString('utf8') }));
    } finally {
      await db.end();
    }
  }
  throw new Error(`an export is dir:/path or a postgres:// URL, not ${spec}`);
}

/** Replays each history on the current workflow code, decoding payloads with `payloadKeys` (the service's PAYLOAD_KEYS). */
export async function replayHistories(histories: NamedHistory[], payloadKeys: string): Promise<void> {
  const workflowBundle = await bundleWorkflows();
  const dataConverter = createDataConverter(parseKeyRing(payloadKeys));
  for (const { name, json } of histories) {
    await Worker.runReplayHistory({ workflowBundle, dataConverter }, JSON.parse(json), name);
  }
}
