/**
 * workers/main.ts with Worker options overridden, for `bench/orders.ts` experiments only; production
 * code is unchanged. BENCH_WORKER_OPTIONS: a JSON object of Temporal WorkerOptions (plain values only,
 * e.g. {"maxCachedWorkflows":2000}) passed to workers/run.ts runWorker as its `extra`.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { runWorker } from '../workers/run';

runWorker(() => JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
