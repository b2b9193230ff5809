import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeWorkflowBundle } from '../workers/workflow-bundle';

/** Writes the prebuilt workflow bundle (default dist/workflow-bundle.js) for WORKFLOW_BUNDLE_PATH. */
const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
mkdirSync(dirname(out), { recursive: true });
writeWorkflowBundle(out).then((p) => process.stdout.write(`${p}\n`)).catch((err) => { console.error(err); process.exit(1); });
