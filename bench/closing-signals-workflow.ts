/** The workflow bench/closing-signals.ts signals: a stream of changes, continued as new every ~300 events. */
import { allHandlersFinished, condition, continueAsNew, defineSignal, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { closingSignalActivities } from './closing-signals';

const { handled } = proxyLocalActivities<ReturnType<typeof closingSignalActivities>>({ startToCloseTimeout: '10s' });
export const sentAtSignal = defineSignal<[number]>('sentAt');

export async function signalledStream(carried: number[]): Promise<void> {
  const queue = [...carried];
  setHandler(sentAtSignal, (sentAt) => { queue.push(sentAt); });
  while (workflowInfo().historyLength <= 300) {
    await condition(() => queue.length > 0);
    await handled(workflowInfo().workflowId, queue.splice(0));
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof signalledStream>(queue.splice(0));
}
