import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type AppConfig } from '../common/config';
import { GCS_READ_WRITE_SCOPE, WriteOnceObjects } from '../connectors/gcs/write-once-objects';
import { InvalidServiceAccountKeyError, parseServiceAccountKey, ServiceAccountTokenProvider } from '../connectors/google';
import { PostgresHistoryBodies } from '../db/history-exports';
import type { Db } from '../db/pool';

/** Where exported histories' bodies go. Each answers the location it wrote, which the index keeps. */
export interface HistoryBodyStore {
  put(workflowId: string, runId: string, json: string): Promise<string>;
}

/** `<workflow id, URI-encoded>/<run id>.json`: the name a run's history has in a directory or a bucket. */
export function historyObjectName(workflowId: string, runId: string): string {
  return `${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}.json`;
}

/** `<dir>/<workflow id, URI-encoded>/<run id>.json`: one file per run, the format `test/replay/` reads. */
export class DirectoryHistoryBodies implements HistoryBodyStore {
  constructor(private readonly dir: string) {}

  async put(workflowId: string, runId: string, json: string): Promise<string> {
    const file = join(this.dir, historyObjectName(workflowId, runId));
    await mkdir(join(file, '..'), { recursive: true });
    // Written aside and renamed: a reader (or a crash) never sees half a history under the final name.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, json);
    await rename(partial, file);
    return file;
  }
}

/** `gs://<bucket>/<prefix><workflow id, URI-encoded>/<run id>.json`, written once (a closed run's history never changes). */
export class GcsHistoryBodies implements HistoryBodyStore {
  constructor(private readonly objects: WriteOnceObjects, private readonly prefix: string) {}

  put(workflowId: string, runId: string, json: string): Promise<string> {
    return this.objects.putOnce(`${this.prefix}${historyObjectName(workflowId, runId)}`, json, 'application/json');
  }
}

/**
 * The configured store, or undefined when export is off. Built when the worker starts, so a gcs:// store
 * whose key does not parse stops the start naming HISTORY_EXPORT_GCS_KEY.
 */
export function historyBodyStore(config: AppConfig, db: Db): HistoryBodyStore | undefined {
  const { target, gcs } = config.historyExport;
  switch (target.kind) {
    case 'off': return undefined;
    case 'postgres': return new PostgresHistoryBodies(db);
    case 'dir': return new DirectoryHistoryBodies(target.path);
    case 'gcs': {
      let key;
      try {
        key = parseServiceAccountKey(gcs.keyText ?? '');
      } catch (err) {
        // The parser's messages never quote key material.
        if (err instanceof InvalidServiceAccountKeyError) throw new ConfigError(`Invalid configuration:\n  HISTORY_EXPORT_GCS_KEY: ${err.problem}`);
        throw err;
      }
      const tokens = new ServiceAccountTokenProvider({ key, tokenUrl: config.google.tokenUrl, scope: GCS_READ_WRITE_SCOPE });
      const objects = new WriteOnceObjects({ bucket: target.bucket, projectId: key.project_id ?? '', tokens, apiEndpoint: gcs.apiEndpoint });
      return new GcsHistoryBodies(objects, target.prefix);
    }
  }
}
