/**
 * Group commit for workflow signals: one signal per key (connection) in flight at a time, and whatever
 * arrives meanwhile rides the next one together. Idle, a change goes at once; under a burst, N webhooks
 * cost a handful of signal-with-starts instead of N — fewer round trips for the API and fewer signals
 * for the workflow. Each caller's promise settles with the signal that carried its item, so a webhook
 * is still acknowledged only once its change is in the workflow's history.
 */
export class SignalCoalescer<T> {
  private readonly lanes = new Map<string, Queued<T>[]>();

  constructor(private readonly send: (key: string, items: T[]) => Promise<void>, private readonly maxBatch = 500) {}

  submit(key: string, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      const queued = this.lanes.get(key);
      if (queued) {
        queued.push({ item, resolve, reject });
        return;
      }
      const lane: Queued<T>[] = [{ item, resolve, reject }];
      this.lanes.set(key, lane);
      void this.drain(key, lane);
    });
  }

  /** Sends the lane's items in batches until none are left; a key has a lane only while it has a sender. */
  private async drain(key: string, lane: Queued<T>[]): Promise<void> {
    while (lane.length > 0) {
      const batch = lane.splice(0, this.maxBatch);
      try {
        await this.send(key, batch.map((q) => q.item));
        for (const q of batch) q.resolve();
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
    this.lanes.delete(key);
  }
}

interface Queued<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}
