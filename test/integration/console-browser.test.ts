import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../api/app';
import { createLogger } from '../../common/logger';
import { refreshGrant } from '../../connectors/freshbooks';
import { CredentialStore, type FreshBooksGrantSecret } from '../../db/credentials';
import { SANDBOX_CLIENT_SECRET, SANDBOX_POWERBI } from '../../scripts/local-service';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'console01';
import { EMULATOR_PROJECT, startHarness, type Harness } from '../support/harness';
import { eventually } from '../support/flows';

/**
 * The operator console in Debian's Chromium (scripts/install-tools.sh installs it), against the live
 * API, worker, Temporal, Postgres, FreshBooks sandbox and BigQuery emulator: sign in by keyboard,
 * connect FreshBooks to BigQuery through the pages, watch the first sync finish, pause and resume.
 * Every page and every response the browser saw is scanned for the sandbox's secrets.
 */
const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, '.tmp', 'artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

describe('console in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  /** The FreshBooks → BigQuery connection the first test makes through the console. */
  let bigqueryConnectionId: string | undefined;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-tools.sh (as root it installs Debian's chromium)`);
    // Only this run's screenshots: a stale one from an earlier run would pass for evidence.
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ bigcommerce: { stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    // As root, Chromium refuses to start its own sandbox; the pages it loads are ours.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /** Every response body (and its headers) the browser received, for the secret scan. */
  function recordResponses(context: BrowserContext): { all(): Promise<string[]> } {
    const bodies: Promise<string>[] = [];
    context.on('response', (r) => {
      bodies.push((async () => {
        const headers = JSON.stringify(await r.allHeaders());
        const body = await r.text().catch(() => '');
        return `${r.status()} ${r.url()}\n${headers}\n${body}`;
      })());
    });
    return { all: () => Promise.all(bodies) };
  }

  /** Script errors and Content-Security-Policy refusals on a page (a 4xx the test provokes is neither). */
  function pageProblems(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
    return problems;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  // Functions given to page.evaluate run in the browser; this project compiles without DOM types, hence `globalThis as any`.
  /** Inputs, selects and text areas a person sees that no label names. */
  const unlabelled = (page: Page) => page.evaluate(() => [...(globalThis as any).document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el: any) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el: any): string => el.outerHTML));

  test('sign in by keyboard, connect FreshBooks to BigQuery, watch the first sync, pause and resume; no secret reaches the browser', async () => {
    const context = await browser.newContext();
    const seen = recordResponses(context);
    const page = await context.newPage();
    const problems = pageProblems(page);
    const pages: string[] = [];
    const keep = async () => { pages.push(await page.content()); };
    const adminToken = h.env.ADMIN_TOKEN!;

    // `/` leads to the login form; a wrong token is refused there, typed and sent by keyboard alone.
    await page.goto(`${h.apiUrl}/`);
    assert.match(page.url(), /\/console\/login/);
    assert.deepEqual(await unlabelled(page), []);
    assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.id), 'token', 'the token field has focus');
    await page.keyboard.type('not-the-admin-token-at-all-0000');
    const refused = page.waitForResponse((r) => r.url().endsWith('/console/login') && r.request().method() === 'POST');
    await page.keyboard.press('Enter');
    assert.equal((await refused).status(), 401);
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();
    assert.deepEqual(await context.cookies(), [], 'a refused login sets no cookie');
    await keep();
    await shot(page, '01-login-refused');

    // The right token, again by keyboard: focus, type, Enter.
    await page.keyboard.press('Tab');
    await page.focus('#token');
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/connections$/);
    const [cookie] = await context.cookies();
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, false, 'plain http here; Secure is set when the request is https');
    assert.ok(!cookie.value.includes(adminToken));
    await page.getByText('No connections yet').waitFor();
    await keep();

    // A state-changing request with the session but without its CSRF token is refused.
    const forged = await context.request.post(`${h.apiUrl}/console/connect/freshbooks`, { form: { x: '1' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);

    // Connect: authorize at the FreshBooks sandbox (it approves at once) and come back to the businesses.
    await page.getByRole('navigation').getByRole('link', { name: 'Connect FreshBooks' }).click();
    await page.getByRole('button', { name: 'Authorize with FreshBooks' }).click();
    await page.waitForURL(/\/console\/connect\/authorizations\/auth_/);
    assert.deepEqual(await unlabelled(page), []);
    await keep();

    // First a form with mistakes: each error is shown at its field, and nothing is created.
    await page.getByLabel('Dataset').fill('not a dataset!');
    await page.getByLabel('Project id').fill(EMULATOR_PROJECT);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.locator('#err-datasetId').waitFor();
    assert.match(await page.locator('#err-datasetId').innerText(), /letters, digits and underscores/);
    assert.match(await page.locator('#err-businessIds').innerText(), /at least 1|too small|>=1/i);
    assert.equal((await h.admin('/api/connections')).body.connections.length, 0);
    await keep();
    await shot(page, '02-connect-errors');

    const datasetId = `console_${randomBytes(4).toString('hex')}`;
    await page.locator('input[name=businessIds]').first().check();
    await page.getByLabel('Dataset').fill(datasetId);
    await page.getByLabel('Project id').fill(EMULATOR_PROJECT);
    await page.getByLabel('Location').fill('US');
    // The key goes in as a file upload, read into the form by the page.
    await page.getByLabel('Or choose the key file').setInputFiles({ name: 'key.json', mimeType: 'application/json', buffer: Buffer.from(h.serviceAccountKeyJson) });
    await page.waitForFunction(() => (globalThis as any).document.getElementById('f-serviceAccountKey').value.includes('private_key'));
    await page.getByLabel('Poll every (seconds)').fill('3600');
    await page.getByLabel(/Register FreshBooks webhooks/).uncheck();
    await shot(page, '03-connect-form');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.waitForURL(/\/console\/connections\/conn_/);
    const connectionId = /conn_[\w-]+/.exec(page.url())![0];
    bigqueryConnectionId = connectionId;

    // The first sync finishes on the page itself (it refreshes every few seconds).
    await page.waitForFunction(() => {
      const runs: string = (globalThis as any).document.querySelector('#recent-runs tbody')?.textContent ?? '';
      return (globalThis as any).document.getElementById('status-badge')?.textContent === 'active' && /ago/.test(runs) && !/running/.test(runs);
    }, undefined, { timeout: 180_000, polling: 500 });
    const invoices = Number(await page.locator('[data-entity-count=invoices]').innerText());
    const ledger = await h.db.query<{ n: string }>("SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1 AND entity = 'invoices'", [connectionId]);
    assert.ok(invoices > 0, 'invoices delivered');
    assert.equal(invoices, Number(ledger.rows[0]!.n), 'the page shows what the ledger holds');
    // The chart of runs is drawn once there is a finished run.
    await page.reload();
    await page.waitForFunction(() => {
      const canvas = (globalThis as any).document.querySelector('canvas[data-chart="run-history"]');
      return canvas !== null && (globalThis as any).Chart?.getChart(canvas) !== undefined;
    }, undefined, { timeout: 10_000 });
    assert.deepEqual(await unlabelled(page), []);
    // The first full run is followed by its reconciliation report: the panel shows it clean.
    await eventually('the reconciliation shown clean', async () => {
      await page.reload();
      const badge = page.locator('#reconciliation-status');
      return (await badge.count()) > 0 && (await badge.innerText()).trim() === 'clean' || undefined;
    }, 90_000);
    await keep();
    await shot(page, '04-connection-synced');

    // Re-deliver one record, then a window: each is asked of the workflow, which runs it.
    const invoiceId = (await h.db.query<{ record_id: string }>("SELECT record_id FROM delivered_records WHERE connection_id = $1 AND entity = 'invoices' LIMIT 1", [connectionId])).rows[0]!.record_id;
    await page.getByLabel('Entity', { exact: true }).first().selectOption('invoices');
    await page.getByLabel('Record id').fill(invoiceId);
    await page.getByRole('button', { name: 'Re-deliver', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Re-delivery of invoices ${invoiceId} requested` }).waitFor();
    await page.locator('#window-entity').selectOption('clients');
    await page.getByLabel('From (UTC)').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Re-deliver window' }).click();
    await page.getByRole('status').filter({ hasText: 'Re-delivery of clients changed since 2020-01-01T00:00:00Z requested' }).waitFor();
    const deadlineRedeliver = Date.now() + 60_000;
    while (Number((await h.db.query<{ n: string }>("SELECT count(*) AS n FROM sync_runs WHERE connection_id = $1 AND mode LIKE '%:redeliver' AND finished_at IS NOT NULL", [connectionId])).rows[0]!.n) === 0) {
      assert.ok(Date.now() < deadlineRedeliver, 'no re-delivery ran');
      await new Promise((r) => setTimeout(r, 250));
    }

    // Pause and resume from the page; the workflow is what changes.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Paused' }).waitFor();
    await page.waitForFunction(() => (globalThis as any).document.getElementById('status-badge')?.textContent === 'paused', undefined, { timeout: 15_000 });
    assert.equal((await h.workflows.connectionStatus(connectionId))?.phase, 'paused');
    await keep();
    await shot(page, '05-paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.waitForFunction(() => (globalThis as any).document.getElementById('status-badge')?.textContent !== 'paused', undefined, { timeout: 15_000 });
    assert.notEqual((await h.workflows.connectionStatus(connectionId))?.phase, 'paused');

    // The list shows the connection with what it delivered.
    await page.getByRole('navigation').getByRole('link', { name: 'Connections' }).click();
    const row = page.locator(`tr[data-connection="${connectionId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /FreshBooks → BigQuery/);
    assert.equal(Number(await row.locator('td.num').innerText()), Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM delivered_records WHERE connection_id = $1', [connectionId])).rows[0]!.n));
    await keep();
    await shot(page, '07-connections');

    // A failure at FreshBooks, explained on the page: the grant's refresh token is spent elsewhere, so
    // FreshBooks refuses it, the connection needs re-authorization, and its banner offers it.
    const credentials = new CredentialStore(h.db, h.config.credentialKeys);
    const grantId = (await h.admin(`/api/connections/${connectionId}`)).body.source.grantId as string;
    const firstGrant = (await credentials.get<FreshBooksGrantSecret>(grantId))!.secret;
    const fb = h.config.freshbooks;
    await refreshGrant({ apiBase: h.fbUrl, clientId: fb.clientId, clientSecret: fb.clientSecret, refreshToken: firstGrant.refreshToken, redirectUri: fb.redirectUri });
    h.fb.state.expireAccessTokens();
    await page.goto(`${h.apiUrl}/console/connections/${connectionId}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    const banner = page.locator('#reauth-banner');
    await banner.waitFor({ timeout: 60_000 });
    assert.match(await banner.innerText(), /no longer accepts this connection's authorization/);
    assert.equal(await page.locator('#status-badge').innerText(), 'needs_reauth');
    await keep();
    await shot(page, '06-needs-reauth');
    await banner.getByRole('button', { name: 'Re-authorize FreshBooks' }).click();
    await page.waitForURL(/\/console\/connections$/);
    await page.locator(`tr[data-connection="${connectionId}"] .badge`).filter({ hasNotText: 'needs_reauth' }).waitFor({ timeout: 30_000 });
    assert.equal((await h.admin(`/api/connections/${connectionId}`)).body.status, 'active');
    await keep();

    // A tampered cookie is no session.
    const tampered = await browser.newContext();
    await tampered.addCookies([{ ...cookie, value: cookie.value.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')) }]);
    const tamperedPage = await tampered.newPage();
    await tamperedPage.goto(`${h.apiUrl}/console/connections`);
    assert.match(tamperedPage.url(), /\/console\/login/);
    await tampered.close();

    // No secret in any page or any response: the OAuth client secret, the grant's tokens, the key, the admin token.
    const grant = (await credentials.get<FreshBooksGrantSecret>(grantId))!.secret;
    const key = JSON.parse(h.serviceAccountKeyJson) as { private_key: string; private_key_id: string };
    const secrets = {
      clientSecret: SANDBOX_CLIENT_SECRET, accessToken: grant.accessToken, refreshToken: grant.refreshToken,
      firstAccessToken: firstGrant.accessToken, firstRefreshToken: firstGrant.refreshToken,
      privateKeyId: key.private_key_id, privateKey: key.private_key.split('\n')[1]!, adminToken,
    };
    assert.deepEqual(problems, [], 'no script error and nothing the Content-Security-Policy refused');
    const everything = [...pages, ...(await seen.all())];
    assert.ok(everything.length > 20, `only ${everything.length} pages and responses recorded`);
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(value.length >= 12, `${name} is too short to scan for`);
      const leak = everything.find((text) => text.includes(value));
      assert.equal(leak, undefined, `${name} reached the browser: ${leak?.slice(0, 200)}`);
    }
    await context.close();
  });

  /** Signs in through the form; the page is left on the connections list. */
  async function signIn(page: Page, url = h.apiUrl): Promise<void> {
    await page.goto(`${url}/console/login`);
    await page.getByLabel('Admin token').fill(h.env.ADMIN_TOKEN!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/connections$/);
  }

  test('connect a BigCommerce store, see its orders by state and their steps, retry one; the store token never reaches the browser', async () => {
    const context = await browser.newContext();
    const seen = recordResponses(context);
    const page = await context.newPage();
    const problems = pageProblems(page);
    const pages: string[] = [];
    const keep = async () => { pages.push(await page.content()); };
    await signIn(page);
    await page.goto(`${h.apiUrl}/console/connect`);
    await page.getByRole('button', { name: 'Authorize with FreshBooks' }).click();
    await page.waitForURL(/\/console\/connect\/authorizations\/auth_/);

    // Choosing another destination swaps in its fields; a service principal the tenant refuses is
    // reported at the field it names, and the secret typed is not written back.
    await page.getByLabel('Destination', { exact: true }).selectOption('powerbi');
    await page.getByLabel('Client secret', { exact: true }).waitFor();
    await page.locator('input[name=businessIds]').first().check();
    await page.getByLabel('Tenant id').fill(SANDBOX_POWERBI.tenantId);
    await page.getByLabel('Client (application) id').fill(SANDBOX_POWERBI.clientId);
    await page.getByLabel('Client secret', { exact: true }).fill('not-the-client-secret');
    await page.getByLabel('Workspace id').fill(SANDBOX_POWERBI.workspaceId);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.locator('#err-clientSecret').waitFor();
    assert.equal(await page.getByLabel('Destination', { exact: true }).inputValue(), 'powerbi');
    assert.equal(await page.getByLabel('Client secret', { exact: true }).inputValue(), '');
    assert.equal(await page.getByLabel('Tenant id').inputValue(), SANDBOX_POWERBI.tenantId, 'what is not secret is kept');
    assert.equal((await h.admin('/api/connections')).body.connections.filter((c: { kind: string }) => c.kind === 'freshbooks_powerbi').length, 0);
    await keep();
    await shot(page, '08-powerbi-refused');

    // A token the store refuses is reported at the token field, and nothing is stored.
    const storeForm = page.locator('form[action$="/store"]');
    await storeForm.locator('input[name=businessId]').first().check();
    await storeForm.getByLabel('Store hash').fill(STORE);
    await storeForm.getByLabel('API account access token').fill('not-the-store-token');
    await storeForm.getByRole('button', { name: 'Connect store' }).click();
    await page.locator('#err-store-store-accessToken').waitFor();
    assert.match(await page.locator('#err-store-store-accessToken').innerText(), /BigCommerce refused it/);
    assert.equal(await page.getByLabel('API account access token').inputValue(), '', 'the refused token is not written back');
    assert.deepEqual(await unlabelled(page), []);
    await keep();
    await shot(page, '09-store-refused');

    await storeForm.locator('input[name=businessId]').first().check();
    await storeForm.getByLabel('API account access token').fill(DEFAULT_TOKEN);
    await storeForm.getByLabel('Read orders modified in the last (days)').fill('3650');
    await storeForm.getByLabel('Sweep every (seconds)').fill('3600');
    await storeForm.getByRole('button', { name: 'Connect store' }).click();
    await page.waitForURL(/\/console\/connections\/conn_/);
    const connectionId = /conn_[\w-]+/.exec(page.url())![0];
    assert.match(await page.locator('h1').innerText(), new RegExp(`BigCommerce ${STORE} → FreshBooks`));
    await keep();

    // The sweep invoices the store's paid orders; the orders page shows them by state.
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.waitForURL(/\/orders$/);
    const deadline = Date.now() + 120_000;
    while ((await page.locator('tr[data-order] .badge', { hasText: 'invoiced' }).count()) === 0) {
      assert.ok(Date.now() < deadline, 'no order was invoiced in two minutes');
      await new Promise((r) => setTimeout(r, 1_000));
      await page.reload();
    }
    await page.getByRole('link', { name: /^invoiced \(/ }).click();
    await page.waitForURL(/state=invoiced/);
    const states = await page.locator('tr[data-order] .badge').allInnerTexts();
    assert.ok(states.length > 0 && states.every((s) => s === 'invoiced'), states.join(','));
    // The count beside the filter is the number of rows it shows (the sweep may still be adding more).
    assert.equal(await page.getByRole('link', { name: /^invoiced \(/ }).innerText(), `invoiced (${states.length})`);
    const invoiced = await h.db.query<{ order_id: string }>("SELECT order_id FROM bigcommerce_orders WHERE connection_id = $1 AND state = 'invoiced'", [connectionId]);
    const shown = (await page.locator('tr[data-order]').evaluateAll((rows) => rows.map((r: any) => Number(r.dataset.order))));
    assert.ok(shown.every((id) => invoiced.rows.some((r) => Number(r.order_id) === id)), 'every order shown as invoiced is invoiced in Postgres');
    await keep();
    await shot(page, '10-orders');

    // Retry one: its workflow is asked to look again (the API's retry, through the same service).
    const first = page.locator('tr[data-order]').first();
    const orderId = Number(await first.getAttribute('data-order'));
    await first.getByRole('button', { name: `Retry order ${orderId}` }).click();
    await page.getByRole('status').filter({ hasText: `Order ${orderId} will be looked at again` }).waitFor();
    await first.getByRole('link').click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.ok((await page.locator('#steps li').count()) > 0);
    assert.doesNotMatch(await page.locator('#steps').innerText(), /No steps recorded/);
    await keep();
    await shot(page, '11-order-steps');

    // Delete, with confirmation: the wrong id is refused and deletes nothing; the right one deletes.
    await page.goto(`${h.apiUrl}/console/connections/${connectionId}`);
    await page.getByLabel(/to confirm/).fill('conn_something_else');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'type the connection id to confirm' }).waitFor();
    assert.equal((await h.admin(`/api/connections/${connectionId}`)).status, 200);
    await page.getByLabel(/to confirm/).fill(connectionId);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/console\/connections$/);
    assert.equal(await page.locator(`tr[data-connection="${connectionId}"]`).count(), 0);
    assert.equal((await h.admin(`/api/connections/${connectionId}`)).status, 404);
    await keep();

    assert.deepEqual(problems, [], 'no script error and nothing the Content-Security-Policy refused');
    const everything = [...pages, ...(await seen.all())];
    for (const text of everything) assert.ok(!text.includes(DEFAULT_TOKEN), `the store token reached the browser: ${text.slice(0, 200)}`);
    await context.close();
  });

  test('an expired session is refused: the polling page is sent back to the login form', async () => {
    // The same service with a four-second session and Temporal UI's address, as CONSOLE_SESSION_TTL_SEC=4
    // and TEMPORAL_UI_URL would configure it.
    const config = { ...h.config, console: { sessionTtlSec: 4, temporalUiUrl: 'http://temporal-ui.test:8233' } };
    const server = http.createServer(createApp({ config, db: h.db, workflows: h.workflows, logger: createLogger('silent') }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, url);
      const [cookie] = await context.cookies();
      if (bigqueryConnectionId) {
        // A connection's page links its workflow in Temporal UI.
        await page.goto(`${url}/console/connections/${bigqueryConnectionId}`);
        assert.equal(await page.getByRole('link', { name: 'Workflow in Temporal UI' }).getAttribute('href'),
          `http://temporal-ui.test:8233/namespaces/${h.config.temporal.namespace}/workflows/connection%2F${bigqueryConnectionId}`);
      }
      // The page polls every 3 s; the first poll after expiry is told to go to the login form.
      await page.waitForURL(/\/console\/login\?expired=1/, { timeout: 15_000 });
      await page.getByText('Your session ended').waitFor();
      await shot(page, '12-session-expired');
      // The browser dropped the cookie at its Max-Age; sent anyway, the server refuses it by its signed expiry.
      await context.addCookies([{ ...cookie!, expires: -1 }]);
      const res = await page.goto(`${url}/console/connections`);
      assert.match(page.url(), /\/console\/login\?expired=1/);
      assert.equal(res?.status(), 200);
    } finally {
      await context.close();
      await new Promise((r) => server.close(r));
    }
  });
});
