import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryExportTarget } from '../common/config';
import { PostgresHistoryBodies } from '../db/history-exports';
import type { Db } from '../db/pool';

/**
 * Where exported histories' bodies go. Each answers the location it wrote, which the index keeps. Another
 * store (GCS: an object per run under the same name as the file below) is one more implementation of this.
 */
export interface HistoryBodyStore {
  put(workflowId: string, runId: string, json: string): Promise<string>;
}

/** `<dir>/<workflow id, URI-encoded>/<run id>.json`: one file per run, the format `test/replay/` reads. */
export class DirectoryHistoryBodies implements HistoryBodyStore {
  constructor(private readonly dir: string) {}

  async put(workflowId: string, runId: string, json: string): Promise<string> {
    const folder = join(this.dir, encodeURIComponent(workflowId));
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${encodeURIComponent(runId)}.json`);
    // Written aside and renamed: a reader (or a crash) never sees half a history under the final name.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, json);
    await rename(partial, file);
    return file;
  }
}

export function historyBodyStore(target: Exclude<HistoryExportTarget, { kind: 'off' }>, db: Db): HistoryBodyStore {
  return target.kind === 'dir' ? new DirectoryHistoryBodies(target.path) : new PostgresHistoryBodies(db);
}
