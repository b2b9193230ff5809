import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * The workflow code bundled ahead of time (Temporal's `production` sample). A worker that webpacks at
 * start-up keeps ~100 MB more resident (measured: 321 MB after start-up vs ~220 MB with a prebuilt
 * bundle). The failure converter must be bundled too, or failure messages raised inside workflows
 * would not be encrypted.
 */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: require.resolve('../temporal/failure-converter'),
    logger: new DefaultLogger('WARN'),
  });
}

export async function writeWorkflowBundle(path: string): Promise<string> {
  const { code } = await bundleWorkflows();
  writeFileSync(path, code);
  return path;
}

/**
 * Node flags the worker process runs with. Without a cap V8 lets garbage grow to ~620 MB RSS during a
 * 100k-invoice backfill; 384 MB of old space kept it near 320 MB at the same speed, while 256 MB
 * cost ~20% throughput (bench/backfill.ts, 2 cores).
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=384'];
