/**
 * Group commit: one write in flight at a time, and whatever is submitted meanwhile goes together in the
 * next. Idle, an item is written at once; under a burst, N submissions cost a handful of writes (and
 * commits) instead of N. Each caller's promise settles with the write that carried its item, so nothing
 * is acknowledged before it is stored. A write may answer each item (results in the items' order): the
 * same batching then serves reads, one query for what several callers asked meanwhile.
 */
export class GroupCommit<T, R = void> {
  private queue: Queued<T, R>[] | undefined;

  constructor(private readonly write: (items: T[]) => Promise<R[] | void>, private readonly maxBatch = 1_000) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.queue) {
        this.queue.push({ item, resolve, reject });
        return;
      }
      this.queue = [{ item, resolve, reject }];
      void this.drain(this.queue);
    });
  }

  private async drain(queue: Queued<T, R>[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((q) => q.item));
        batch.forEach((q, i) => q.resolve(results ? results[i]! : (undefined as R)));
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
    this.queue = undefined;
  }
}

interface Queued<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}
