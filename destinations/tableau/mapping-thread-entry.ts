/** The mapping thread (mapping-thread.ts): stages each batch it is sent and posts the result back. */
import { parentPort } from 'node:worker_threads';
import { stageBatch, type StageInput } from './staged';

parentPort!.on('message', (m: { id: number; input: StageInput }) => {
  try {
    parentPort!.postMessage({ id: m.id, batch: stageBatch(m.input) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort!.postMessage({ id: m.id, error: { name: e.name, message: e.message } });
  }
});
