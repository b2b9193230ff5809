import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { writeWorkflowBundle } from '../../workers/workflow-bundle';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let bundleFile: Promise<string> | undefined;

/**
 * The workflow bundle as a file: the one scripts/test.sh webpacks once for the whole suite (TEST_WORKFLOW_BUNDLE),
 * else one this process webpacks. Webpacking takes 5-25 s (the more the busier the machine), and every test file
 * and every child worker paid it; child workers load the file by WORKFLOW_BUNDLE_PATH, as production's image does.
 */
export function workflowBundleFile(): Promise<string> {
  const prebuilt = process.env.TEST_WORKFLOW_BUNDLE;
  bundleFile ??= prebuilt ? Promise.resolve(prebuilt) : (() => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-workflow-bundle-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return writeWorkflowBundle(join(dir, 'workflow-bundle.js'));
  })();
  return bundleFile;
}

/** The same bundle in memory, for workers in this process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= workflowBundleFile().then((path) => ({ code: readFileSync(path, 'utf8'), sourceMap: '' }));
  return bundle;
}
