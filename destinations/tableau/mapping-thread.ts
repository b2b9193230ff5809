import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { stageBatch, type StageInput, type StagedBatch } from './staged';

type Reply = { id: number; batch: StagedBatch } | { id: number; error: { name: string; message: string } };

/**
 * A worker thread that maps the first sync's batches to staged rows (tableauChanges, the staging keys and
 * each row's CSV line). That mapping is most of a backfill's CPU, and a worker runs its batches' other
 * work (FreshBooks' JSON, the ledger's hashes, Postgres, the Temporal SDK) on its one JavaScript thread:
 * on the thread the lanes' batches map while the main thread reads and records the next ones. One thread
 * per process, started when first wanted; a batch it cannot take (the thread died) is mapped inline.
 */
export class TableauMappingThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (b: StagedBatch) => void; reject: (e: Error) => void; input: StageInput }>();

  /** Starts the thread ahead of the first batch (its modules take a moment to load). */
  warm(): void {
    this.thread();
  }

  stage(input: StageInput): Promise<StagedBatch> {
    let worker: Worker;
    try {
      worker = this.thread();
    } catch {
      return Promise.resolve().then(() => stageBatch(input));
    }
    const id = this.nextId++;
    return new Promise<StagedBatch>((resolve, reject) => {
      // Held while a batch is out (an answer is awaited), let go when idle.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject, input });
      worker.postMessage({ id, input });
    });
  }

  /** Ends the thread; a batch still out is mapped inline (see `lost`). */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // The thread loads TypeScript through tsx's CommonJS hook, as the worker process does.
    const code = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(join(__dirname, 'mapping-thread-entry.ts'))});`;
    const w = new Worker(code, { eval: true });
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if ('batch' in m) p.resolve(m.batch);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    });
    const lost = () => {
      if (this.worker !== w) return;
      this.worker = undefined;
      // What the dead thread held is mapped here instead: the batches' activities need not fail for it.
      const held = [...this.pending.values()];
      this.pending.clear();
      for (const p of held) {
        try {
          p.resolve(stageBatch(p.input));
        } catch (err) {
          p.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    };
    w.on('error', lost);
    w.on('exit', lost);
    // An idle thread never keeps a process alive; after the listeners, since adding a 'message' listener refs the port again.
    w.unref();
    this.worker = w;
    return w;
  }
}
