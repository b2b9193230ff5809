/**
 * The ack ramp's load generator, in a worker thread of its own (bench/ack-sender.ts): its open loop and its
 * response timing must not wait behind the sandboxes, which serve the worker's FreshBooks and Power BI calls
 * on the bench process's main event loop (at 500 acks/s that stalled the main loop up to 60 ms per tick).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { openLoop } from './webhook-load';
import type { AckLoad, AckTiming } from './ack-sender';

const load = workerData as AckLoad;
/** Absolute epoch ms, which the main thread turns back into its own performance.now() timeline. */
const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const pools = load.origins.map((o) => new Pool(o, { connections: load.connectionsPerOrigin }));
  const timings: AckTiming[] = load.requests.map(() => ({ sentAt: 0, ackAt: 0 }));
  const inflight = new Set<Promise<void>>();
  const loop = await openLoop(load.rate, load.seconds, (k) => {
    const req = load.requests[k % load.requests.length]!;
    const t = timings[k]!;
    t.sentAt = now();
    const p = pools[k % pools.length]!.request({ path: req.path, method: 'POST', headers: req.headers, body: req.body })
      .then(async (res) => { await res.body.dump(); t.ackAt = now(); t.status = res.statusCode; },
        (err: unknown) => { t.ackAt = now(); t.error = err instanceof Error ? err.message : String(err); })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  });
  while (inflight.size > 0) await Promise.all([...inflight]);
  await Promise.all(pools.map((p) => p.close()));
  parentPort!.postMessage({ timings, elapsedMs: loop.elapsedMs, maxLagMs: loop.maxLagMs });
}

void main();
