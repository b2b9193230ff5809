import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../api/app';
import { sharedHyperProcess } from '../../connectors/hyper';
import { openApiPath } from '../../api/openapi/document';
import { createLogger } from '../../common/logger';
import { startHarness, type Harness } from '../support/harness';
import { authorizeFreshBooks, createBigQueryConnection, createPowerBiConnection, createStoreConnection, eventually, waitForRuns } from '../support/flows';
import { routesOf } from '../support/routes';
import { runSchemathesis } from '../support/schemathesis';
import { createTableauConnection, startTableau, type TableauFixture } from '../support/tableau';

/**
 * The API against its own OpenAPI document, as a client generated from the document would see it:
 * schemathesis reads /openapi.json from the live service (real Postgres, Temporal and sandboxes) and
 * sends what the document allows and what it forbids. With the tokens: no 5xx, every status, media type
 * and body as documented. Without: the admin (and codec) operations answer 401 and nothing else.
 */

/** The bounds that keep each run within about a minute on a busy 2-core machine. */
const MAX_EXAMPLES = 12;
const MAX_TIME_S = 45;
const REFUSED_BY_STATE = ['getLookml', 'listTableauJobs', 'replaceTableauPat', 'rebuild', 'updateSchema', 'createConnections', 'freshbooksOAuthCallback', 'codecDecode', 'codecDecodeByPath'];
/** Where the API lives; the console's pages are outside these. */
const API_PREFIXES = ['/api', '/webhooks', '/oauth', '/codec', '/healthz', '/metrics', '/openapi.json'];
const PROTECTED_TAGS = ['connections', 'orders', 'tableau', 'looker', 'reconciliation', 'codec'];

describe('OpenAPI contract: /openapi.json against the live API (schemathesis)', () => {
  let h: Harness;
  let tableau: TableauFixture;
  let connectionIds: string[];
  let authorizationId: string;
  let businessId: number;

  before(async () => {
    tableau = await startTableau();
    tableau.sb.state.addPat('contract', 'pat-secret-1');
    h = await startHarness({ env: { TABLEAU_ORIGIN_OVERRIDE: tableau.url } });
    // Real connections of each family, so generated requests reach handlers past the 404 of an unknown id.
    const bigquery = await createBigQueryConnection(h, { datasetId: 'contract', settings: { entities: ['clients'] } });
    const tableauConnection = await createTableauConnection(h, { patName: 'contract', patSecret: 'pat-secret-1' }, { settings: { entities: ['clients'] } });
    const powerbi = await createPowerBiConnection(h, { settings: { entities: ['clients'], webhooks: false } });
    const store = await createStoreConnection(h, { settings: { backfillDays: 0 } });
    await waitForRuns(h, bigquery.connectionId, 1);
    await waitForRuns(h, powerbi.connectionId, 1);
    // Its first run publishes, so its job audit has rows to answer with.
    await waitForRuns(h, tableauConnection.connectionId, 1, 300_000);
    await eventually('first store sweep', async () => ((await h.workflows.storeStatus(store.connectionId))?.polls ?? 0) >= 1 || undefined, 60_000);
    const auth = await authorizeFreshBooks(h);
    authorizationId = auth.authorizationId;
    businessId = auth.businesses[0]!.businessId;
    connectionIds = [bigquery.connectionId, powerbi.connectionId, store.connectionId, tableauConnection.connectionId];
  });
  after(async () => {
    await h?.close();
    await tableau?.close();
    // The in-process worker's hyperd (started lazily by the Tableau adapter) would keep the test process alive.
    await sharedHyperProcess().stop();
  });

  test('every route the app mounts is an operation of the document, and every operation is mounted', async () => {
    const app = createApp({ config: h.config, db: h.db, workflows: h.workflows, logger: createLogger('silent') });
    // The web console's HTML pages are the app's too, but not API: everything else is in the document.
    const api = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
    const mounted = new Set(routesOf(app).filter((r) => api(r.path)).map((r) => `${r.method} ${openApiPath(r.path)}`));
    assert.ok(mounted.size >= 25, `only ${mounted.size} API routes found: ${[...mounted].join(', ')}`);
    const res = await fetch(`${h.apiUrl}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = await res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)));
    assert.deepEqual([...mounted].filter((r) => !documented.has(r)), [], 'routes without an operation in /openapi.json');
    assert.deepEqual([...documented].filter((r) => !mounted.has(r)), [], 'operations no route serves');
  });

  test('found by schemathesis: a store access token that cannot be an HTTP header is a 400 naming the field, not a 500', async () => {
    for (const accessToken of ['a\nb', '\u0100', 'two words']) {
      const res = await h.admin('/api/connections', { method: 'POST', body: { authorizationId, businessId, store: { type: 'bigcommerce', storeHash: 'unconnected9', accessToken } } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(res.body.details.map((d: { field: string }) => d.field), ['store.accessToken']);
    }
  });

  test('found by schemathesis: a store\'s sync refuses a malformed body like any other connection\'s', async () => {
    const store = connectionIds[2]!;
    const bad = await h.admin(`/api/connections/${store}/sync`, { method: 'POST', body: { mode: 'AAA' } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.deepEqual(bad.body.details.map((d: { field: string }) => d.field), ['mode']);
    const ok = await h.admin(`/api/connections/${store}/sync`, { method: 'POST', body: { mode: 'full' } });
    assert.deepEqual([ok.status, ok.body], [202, { accepted: true, mode: 'sweep' }]);
  });

  const config = (withTokens: boolean) => [
    // Same schema, same generated requests (how many of them fit the time budget varies with the machine).
    'generation.deterministic = true',
    `max-time = ${MAX_TIME_S}`,
    // One worker: schemathesis' coverage phase compiles patterns, and CPython 3.11 can crash doing that on
    // two threads at once ("AST constructor recursion depth mismatch").
    'workers = 1',
    'request-timeout = 20',
    'generation.max-examples = ' + MAX_EXAMPLES,
    // NUL in a JSON string is refused (400) everywhere, as the document's description says; the hostile-input sweep covers it.
    'generation.allow-x00 = false',
    ...(withTokens ? [
      '[auth.openapi.adminBearer]', `bearer = "${h.env.ADMIN_TOKEN}"`,
      '[auth.openapi.codecBearer]', `bearer = "${h.env.CODEC_TOKEN}"`,
    ] : []),
    // Ids that exist half of the time, so handlers run on real connections as well as refusing unknown ones.
    '[parameters]',
    '"path.id" = { dictionary = "ids", probability = 0.5 }',
    '"path.connectionId" = { dictionary = "ids", probability = 0.5 }',
    '"path.orderId" = { dictionary = "orders", probability = 0.5 }',
    '[dictionaries.ids]', `values = ${JSON.stringify([...connectionIds, authorizationId])}`,
    '[dictionaries.orders]', 'values = ["1", "100"]',
    // A schema-valid request these operations refuse with 400 for what no document can say: the id names
    // a connection of another kind (LookML of a Power BI connection, Tableau jobs of a BigQuery one), the
    // generated credentials fail the check against the sandbox systems, the OAuth state was never issued,
    // the generated ciphertext does not decrypt.
    '[[operations]]',
    `include-operation-id = ${JSON.stringify(REFUSED_BY_STATE)}`,
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 429]',
  ].join('\n') + '\n';

  test('with the tokens: no 5xx, every answer as the document says', { timeout: 300_000 }, async () => {
    // Without DELETE: deleting the real connections early in the run would leave every other operation
    // the 404 of an unknown id. The no-token run and api-and-audit/hostile-input cover DELETE.
    const run = await runSchemathesis(`${h.apiUrl}/openapi.json`, config(true), ['--checks', 'all', '--exclude-operation-id', 'deleteConnection'], 240_000);
    const statuses = run.entries.map((e) => e.response.status);
    console.log(`schemathesis (tokens): exit ${run.code}, ${run.entries.length} requests in ${run.seconds.toFixed(1)} s\n${summary(run.output)}`);
    assert.equal(run.code, 0, run.output.slice(-20_000));
    assert.ok(run.entries.length > 200, `only ${run.entries.length} requests`);
    assert.deepEqual(statuses.filter((s) => s >= 500), []);
    // Real handlers ran, not only the 404 of unknown ids.
    assert.ok(statuses.some((s) => s >= 200 && s < 300), 'no request succeeded');
  });

  test('without the tokens: the protected operations answer 401 and nothing else', { timeout: 300_000 }, async () => {
    const tags = PROTECTED_TAGS.flatMap((t) => ['--include-tag', t]);
    // The codec token in the path is a credential schemathesis cannot know either way: that operation is
    // in the run with the tokens, here only the ones a header authenticates.
    const run = await runSchemathesis(`${h.apiUrl}/openapi.json`, config(false), ['--checks', 'not_a_server_error', ...tags, '--exclude-operation-id', 'codecDecodeByPath'], 240_000);
    const doc = await (await fetch(`${h.apiUrl}/openapi.json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).map(([p, item]) => ({
      pattern: new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`), methods: Object.keys(item).map((m) => m.toUpperCase()),
    }));
    const declared = (method: string, url: string) => documented.some((d) => d.pattern.test(new URL(url).pathname) && d.methods.includes(method));
    // Only the coverage phase's deliberately undeclared methods may get something else: a CORS preflight
    // (which by the Fetch standard carries no credential) its 204, others at /codec a 405.
    const atCodec = (url: string) => new URL(url).pathname.startsWith('/codec/');
    const notRefused = run.entries.filter((e) => e.response.status !== 401
      && (declared(e.request.method, e.request.url) || !atCodec(e.request.url) || ![204, 405].includes(e.response.status)));
    console.log(`schemathesis (no tokens): exit ${run.code}, ${run.entries.length} requests in ${run.seconds.toFixed(1)} s\n${summary(run.output)}`);
    assert.ok(run.entries.length > 100, `only ${run.entries.length} requests:\n${run.output.slice(-5000)}`);
    assert.deepEqual(notRefused.map((e) => `${e.request.method} ${e.request.url} -> ${e.response.status}`), []);
    assert.ok(run.entries.filter((e) => e.response.status === 401).length > 100, 'too few 401s');
  });
});

/** The lines of schemathesis' closing summary worth keeping in the test log. */
function summary(output: string): string {
  const i = output.lastIndexOf('SUMMARY');
  return i < 0 ? output.slice(-3000) : output.slice(i, i + 3000);
}
