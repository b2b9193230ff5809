import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** One webhook POST, built (signed) by the main thread. */
export interface PreparedPost {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface AckLoad {
  origins: string[];
  connectionsPerOrigin: number;
  /** Sent at `rate`/s for `seconds`: request k is requests[k] (there must be rate × seconds of them). */
  requests: PreparedPost[];
  rate: number;
  seconds: number;
}

/** Send and answer times in epoch ms (converted to this thread's performance timeline by runAckLoad). */
export interface AckTiming {
  sentAt: number;
  ackAt: number;
  status?: number;
  error?: string;
}

/**
 * Plays `load` from a worker thread (bench/ack-sender-thread.ts), so its sends and its timing of the answers
 * run on an event loop nothing else in the bench process uses. Times come back on this thread's
 * performance.now() timeline.
 */
export function runAckLoad(load: AckLoad): Promise<{ timings: AckTiming[]; elapsedMs: number; maxLagMs: number }> {
  // The thread loads TypeScript through tsx's CommonJS hook, as this process does.
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(join(__dirname, 'ack-sender-thread.ts'))});`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: load });
    worker.once('error', reject);
    worker.once('message', (m: { timings: AckTiming[]; elapsedMs: number; maxLagMs: number }) => {
      const toLocal = (abs: number) => abs - performance.timeOrigin;
      resolve({ ...m, timings: m.timings.map((t) => ({ ...t, sentAt: toLocal(t.sentAt), ackAt: toLocal(t.ackAt) })) });
      void worker.terminate();
    });
  });
}
