/**
 * Group commit: one write in flight at a time, and whatever is submitted meanwhile goes together in the
 * next. Idle, an item is written at once; under a burst, N submissions cost a handful of writes (and
 * commits) instead of N. Each caller's promise settles with the write that carried its item, so nothing
 * is acknowledged before it is stored.
 */
export class GroupCommit<T> {
  private queue: Queued<T>[] | undefined;

  constructor(private readonly write: (items: T[]) => Promise<void>, private readonly maxBatch = 1_000) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue) {
        this.queue.push({ item, resolve, reject });
        return;
      }
      this.queue = [{ item, resolve, reject }];
      void this.drain(this.queue);
    });
  }

  private async drain(queue: Queued<T>[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        await this.write(batch.map((q) => q.item));
        for (const q of batch) q.resolve();
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
    this.queue = undefined;
  }
}

interface Queued<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}
