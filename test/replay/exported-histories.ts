import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { Worker } from '@temporalio/worker';
import { parseKeyRing } from '../../common/crypto';
import { createDataConverter } from '../../temporal/data-converter';
import { bundleWorkflows } from '../../workers/workflow-bundle';
import { historyExportTarget } from '../../common/config';
import { GCS_PRODUCTION_ENDPOINT, GCS_READ_WRITE_SCOPE, WriteOnceObjects } from '../../connectors/gcs/write-once-objects';
import { GOOGLE_TOKEN_URL, parseServiceAccountKey, ServiceAccountTokenProvider } from '../../connectors/google';

export interface NamedHistory { name: string; json: string }

/**
 * Histories exported by the service (HISTORY_EXPORT), read back from where they were written:
 * `dir:/path` (the files), a `postgres://` URL of the service's database (history_export_bodies), or
 * `gcs://bucket/prefix`, read with the service's own HISTORY_EXPORT_GCS_KEY, GCS_API_ENDPOINT and GOOGLE_TOKEN_URL
 * (from `env`).
 */
export async function readExportedHistories(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<NamedHistory[]> {
  if (spec.startsWith('gcs://')) {
    const target = historyExportTarget.parse(spec);
    if (target.kind !== 'gcs') throw new Error(`not a gcs:// export: ${spec}`);
    const { bucket, prefix } = target;
    const key = parseServiceAccountKey(env.HISTORY_EXPORT_GCS_KEY ?? '');
    const objects = new WriteOnceObjects({
      bucket, projectId: key.project_id ?? '', apiEndpoint: env.GCS_API_ENDPOINT ?? GCS_PRODUCTION_ENDPOINT,
      tokens: new ServiceAccountTokenProvider({ key, tokenUrl: env.GOOGLE_TOKEN_URL ?? GOOGLE_TOKEN_URL, scope: GCS_READ_WRITE_SCOPE }),
    });
    const out: NamedHistory[] = [];
    for (const name of await objects.names(prefix)) {
      const [workflowId, file] = name.slice(prefix.length).split('/');
      if (!workflowId || !file?.endsWith('.json')) continue;
      out.push({ name: `${decodeURIComponent(workflowId)} ${decodeURIComponent(file.slice(0, -'.json'.length))}`, json: (await objects.get(name))! });
    }
    return out;
  }
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
  throw new Error(`an export is dir:/path, a postgres:// URL or gcs://bucket/prefix, not ${spec}`);
}

/** Replays each history on the current workflow code, decoding payloads with `payloadKeys` (the service's PAYLOAD_KEYS). */
export async function replayHistories(histories: NamedHistory[], payloadKeys: string): Promise<void> {
  const workflowBundle = await bundleWorkflows();
  const dataConverter = createDataConverter(parseKeyRing(payloadKeys));
  for (const { name, json } of histories) {
    await Worker.runReplayHistory({ workflowBundle, dataConverter }, JSON.parse(json), name);
  }
}
