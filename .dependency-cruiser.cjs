/**
 * The import rules `npm test` checks (`npm run check:deps`), type-only imports included: a
 * cycle through types still ties the modules' changes together. The layers, bottom up (README "Layout"):
 * common/; contracts/ (what workflows, activities and callers exchange); domain/ (deterministic rules
 * both sides run); then workflows/, destinations/ (one folder per destination type), activities/,
 * temporal/, db/, services/ (what routes call), api/, workers/. connectors/ and
 * mapping/ stand beside them on common/ alone; cli/ talks to the API over HTTP and shares only
 * contracts/ and common/. Nothing imports upward.
 */
const OURS = '^(activities|api|bench|cli|common|connectors|contracts|db|destinations|domain|mapping|sandbox|scripts|services|temporal|test|workers|workflows)/';
/** Safe in workflow code and outside it alike: the define* functions, failure classes, types. */
const WORKFLOW_SAFE_NPM = '^node_modules/@temporalio/(workflow|common)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment:
        'Known exceptions, in the simulators: two modules import a type back from the state they feed ' +
        '(sandbox/powerbi/definition.ts the column type, sandbox/bigcommerce/seed.ts the store state). ' +
        'Only a cycle made of exactly those modules is let through.',
      severity: 'error',
      from: {},
      to: { circular: true, viaSomeNot: '^sandbox/(powerbi/(definition|state)|bigcommerce/(seed|state))\\.ts$' },
    },
    {
      name: 'contracts-import-only-common',
      comment: 'contracts/ is what everyone imports (the samples\' shared.ts), so it can import none of them.',
      severity: 'error',
      from: { path: '^contracts/' },
      to: { pathNot: ['^(contracts|common)/', WORKFLOW_SAFE_NPM] },
    },
    {
      name: 'domain-imports-only-contracts-and-common',
      comment: 'domain/ runs inside workflows too: deterministic, no I/O, no Node modules.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: '^(domain|contracts|common)/' },
    },
    {
      name: 'workflows-import-only-contracts-domain-common',
      comment: 'Workflow code is bundled into the sandbox: activities are proxied by their contract, never imported.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { pathNot: ['^(workflows|domain|contracts|common)/', WORKFLOW_SAFE_NPM] },
    },
    {
      name: 'connectors-import-only-common',
      severity: 'error',
      from: { path: '^connectors/' },
      to: { path: OURS, pathNot: '^(connectors|common)/' },
    },
    {
      name: 'mapping-imports-only-common',
      severity: 'error',
      from: { path: '^mapping/' },
      to: { path: OURS, pathNot: '^(mapping|common)/' },
    },
    {
      name: 'common-imports-only-common',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: OURS, pathNot: '^common/' },
    },
    {
      name: 'db-and-temporal-import-only-contracts-and-common',
      severity: 'error',
      from: { path: '^(db|temporal)/' },
      to: { path: OURS, pathNot: ['^(contracts|common)/', '^$1/'] },
    },
    {
      name: 'cli-imports-only-contracts-and-common',
      comment: 'The CLI talks to the API over HTTP; it shares its types (contracts/, common/) and nothing of the service.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: OURS, pathNot: '^(cli|contracts|common)/' },
    },
    {
      name: 'only-the-worker-runs-workflow-code',
      comment: 'The worker loads workflows/ by path; everyone else talks to workflows through contracts/ and temporal/.',
      severity: 'error',
      from: { path: OURS, pathNot: '^(workflows|test)/' },
      to: { path: '^workflows/' },
    },
    {
      name: 'destinations-import-below-them',
      comment: 'A destination is its config, check, adapter and classifier over connectors/, mapping/ and db/; activities and workers use it, never the reverse.',
      severity: 'error',
      from: { path: '^destinations/' },
      to: { path: OURS, pathNot: '^(destinations|contracts|common|connectors|mapping|db)/' },
    },
    {
      name: 'activities-do-not-import-workflows-api-or-workers',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^(workflows|api|workers)/' },
    },
    {
      name: 'services-import-below-them',
      comment: 'services/ is what routes call: connections, authorizations, webhook intake, over db/, destinations/, connectors/ and the workflow gateway (temporal/).',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: OURS, pathNot: '^(services|contracts|common|db|destinations|connectors|mapping|temporal)/' },
    },
    {
      name: 'nothing-below-imports-services',
      comment: 'Only api/ (and the processes and tools above it) call services; activities reach the same stores directly.',
      severity: 'error',
      from: { path: '^(activities|common|connectors|contracts|db|destinations|domain|mapping|temporal|workflows)/' },
      to: { path: '^services/' },
    },
    {
      name: 'api-does-not-import-activities-or-workers',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(activities|workers|workflows)/' },
    },
    {
      name: 'production-code-does-not-import-test-code',
      severity: 'error',
      from: { path: '^(activities|api|cli|common|connectors|contracts|db|destinations|domain|mapping|services|temporal|workers|workflows)/' },
      to: { path: '^(test|sandbox|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
