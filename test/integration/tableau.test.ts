import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreFreshBooksEntity } from '../../common/freshbooks-entities';
import { sharedHyperProcess } from '../../connectors/hyper';
import { TableauStaging } from '../../db/tableau';
import { startHarness, type Harness } from '../support/harness';
import { createPowerBiConnection, eventually, waitForRuns } from '../support/flows';
import {
  SERVER_SITE_URL, createTableauConnection, postTableauConnection, startTableau, tableauRows, tableauStats, type TableauFixture,
} from '../support/tableau';

/**
 * FreshBooks → Tableau published data source, end to end: real Temporal and Postgres, the FreshBooks
 * sandbox firing signed webhooks, and the Tableau sandbox applying Update Data jobs to real .hyper files
 * with hyperd. Checks what lands in the data source against FreshBooks' own records.
 */
describe('FreshBooks → Tableau (real Temporal, Postgres, hyperd)', () => {
  let h: Harness;
  let t: TableauFixture;
  let connectionId: string;
  let accountId: string;
  const PAT = { patName: 'fb-sync', patSecret: 'pat-secret-1' };
  const DS = 'FreshBooks';

  const fb = () => h.fb.state;
  const rows = (table: string, ds = DS) => tableauRows(t, ds, table);
  const all = (entity: CoreFreshBooksEntity): Record<string, any>[] => {
    const out: Record<string, any>[] = [];
    for (let page = 1; ; page++) {
      const r = fb().list(accountId, entity, { per_page: '100', page: String(page) });
      out.push(...(r.items as Record<string, any>[]));
      if (page >= r.pages) return out;
    }
  };
  const scaled = (v: unknown) => BigInt(Math.round(Number(v) * 10_000));
  /** Per-currency sums in 1/10,000 units, so decimal money compares exactly. */
  const sums = (items: { amount: unknown; currency: unknown }[]) => {
    const m: Record<string, string> = {};
    for (const i of items) {
      if (i.amount === null || i.amount === undefined) continue;
      const c = String(i.currency);
      m[c] = String(BigInt(m[c] ?? '0') + scaled(i.amount));
    }
    return m;
  };
  const sourceMoney = (r: Record<string, any>, key = 'amount') => {
    const v = r[key];
    return typeof v === 'object' && v !== null ? { amount: v.amount, currency: v.code ?? r.currency_code } : { amount: v, currency: r.currency_code };
  };
  const connectionStatus = async (id: string) => (await h.admin(`/api/connections/${id}`)).body.status as string;
  /** Staged rows left, one by one (older workers) and in batches. */
  const stagedCount = async (id?: string) => {
    const where = id ? 'WHERE connection_id = $1' : '';
    const q = `SELECT (SELECT count(*) FROM tableau_staged_rows ${where}) + (SELECT count(*) FROM tableau_staged_batches ${where}) AS n`;
    return Number((await h.db.query(q, id ? [id] : [])).rows[0].n);
  };
  const jobs = async (id = connectionId) => (await h.admin(`/api/connections/${id}/tableau-jobs`)).body.jobs as any[];

  before(async () => {
    t = await startTableau();
    t.sb.state.addPat(PAT.patName, PAT.patSecret);
    h = await startHarness({ env: { TABLEAU_ORIGIN_OVERRIDE: t.url } });
    ({ connectionId, accountId } = await createTableauConnection(h, PAT));
    await waitForRuns(h, connectionId, 1, 300_000);
  });
  after(async () => {
    await h?.close();
    await t?.close();
    // The in-process worker's hyperd (started lazily by the Tableau adapter) would keep the test process alive.
    await sharedHyperProcess().stop();
  });

  test('backfill: counts and per-currency sums per table equal FreshBooks', async () => {
    const invoices = all('invoices');
    const inv = await rows('Invoices');
    assert.equal(inv.length, invoices.length);
    assert.deepEqual(sums(inv.map((r) => ({ amount: r.Amount, currency: r.Currency }))), sums(invoices.map((r) => sourceMoney(r))));
    const lines = invoices.flatMap((i) => (fb().get(accountId, 'invoices', i.id) as any).lines ?? []);
    const invLines = await rows('InvoiceLines');
    assert.equal(invLines.length, lines.length);
    assert.deepEqual(
      sums(invLines.map((r) => ({ amount: r.Amount, currency: r.Currency }))),
      sums(invoices.flatMap((i) => ((fb().get(accountId, 'invoices', i.id) as any).lines ?? []).map((l: any) => ({ amount: l.amount?.amount ?? l.amount, currency: l.amount?.code ?? i.currency_code })))),
    );
    for (const [entity, table] of [['payments', 'Payments'], ['expenses', 'Expenses'], ['bills', 'Bills']] as const) {
      const src = all(entity);
      const got = await rows(table);
      assert.equal(got.length, src.length, `${table} count`);
      assert.deepEqual(sums(got.map((r) => ({ amount: r.Amount, currency: r.Currency }))), sums(src.map((r) => sourceMoney(r))), `${table} sums`);
    }
    assert.equal((await rows('Clients')).length, all('clients').length);
    // Accounts and their sub-accounts, each sub-account row with its parent's id.
    const accounts = all('accounts');
    const coa = await rows('ChartOfAccounts');
    const subs = accounts.flatMap((a) => (a.sub_accounts ?? []).map((s: any) => ({ key: `sub_account:${s.sub_accountid}`, parent: a.id })));
    assert.ok(subs.length > 0, 'the seeded account has sub-accounts');
    assert.equal(coa.length, accounts.length + subs.length);
    assert.deepEqual(
      coa.filter((r) => r.IsSubAccount).map((r) => [r.AccountKey, Number(r.ParentAccountId)]).sort(),
      subs.map((s) => [s.key, s.parent]).sort(),
    );
    assert.equal((await rows('ExpenseCategories')).length, all('expense_categories').length);
    const expense = (await rows('Expenses'))[0]!;
    assert.ok(expense.CategoryId !== undefined && expense.Date && expense.Currency, 'facts carry category, date and currency');
    // The API never echoes the PAT secret.
    const view = await h.admin(`/api/connections/${connectionId}`);
    assert.ok(!JSON.stringify(view.body).includes(PAT.patSecret));
    const audit = await jobs();
    // The first sync is one whole-file publish of everything, no Update Data job.
    const publishes = audit.filter((j) => j.action === 'publish');
    assert.equal(publishes.length, 1, 'one publish');
    assert.equal(publishes[0].finishCode, 0);
    assert.equal(publishes[0].rowsPerAction['publish Invoices'], invoices.length);
    assert.equal(audit.filter((j) => j.action === 'update').length, 0, 'no Update Data job during the first sync');
    assert.equal(await stagedCount(), 0, 'nothing left staged');
  });

  test('after the first publish, a late staged batch is refused (it would be counted delivered and never sent)', async () => {
    const staging = new TableauStaging(h.db);
    assert.equal(await staging.state(connectionId), 'published');
    await assert.rejects(
      staging.apply(connectionId, [{ table: 'Clients', rows: [{ key: 'client:1', group: null, row: { Id: 1 } }], deleteKeys: [], deleteGroups: [] }]),
      /first publish is already done/,
    );
    assert.equal(await stagedCount(), 0);
  });

  test('the first publish replays the staged batches in the order staged, over rows an older worker staged one by one; publishing drops both', async () => {
    // A connection row of its own (status deleted: no worker acts on it), staging.
    const id = `${connectionId}-staging`;
    await h.db.query("INSERT INTO connections (id, kind, source, destination, settings, status) SELECT $2, kind, source, destination, settings, 'deleted' FROM connections WHERE id = $1", [connectionId, id]);
    const staging = new TableauStaging(h.db);
    await staging.startStaging(id);
    const line = (inv: number, lineId: number, text: string) => ({ key: JSON.stringify([String(inv), String(lineId)]), group: String(inv), row: { InvoiceId: inv, LineId: lineId, Description: text } });
    const invoice = (inv: number, po: string) => ({ key: JSON.stringify([String(inv)]), group: null, row: { InvoiceId: inv, PoNumber: po } });
    // What a worker before the batch log left: invoice 1 with a line that a later edit drops, invoice 3.
    for (const [table, r] of [['InvoiceLines', line(1, 9, 'legacy line')], ['Invoices', invoice(1, 'legacy')], ['Invoices', invoice(3, 'legacy')]] as const) {
      await h.db.query('INSERT INTO tableau_staged_rows (connection_id, table_name, row_key, group_key, row) VALUES ($1, $2, $3, $4, $5)', [id, table, r.key, r.group, JSON.stringify(r.row)]);
    }
    await staging.apply(id, [
      { table: 'Invoices', rows: [invoice(1, 'v1'), invoice(2, 'v1')], deleteKeys: [], deleteGroups: [] },
      { table: 'InvoiceLines', rows: [line(1, 1, 'one'), line(1, 2, 'two'), line(2, 1, 'two/one')], deleteKeys: [], deleteGroups: ['1', '2'] },
    ]);
    await staging.apply(id, [
      { table: 'Invoices', rows: [invoice(1, 'v2')], deleteKeys: [invoice(2, '').key, invoice(3, '').key], deleteGroups: [] },
      // Invoice 1 edited to one line; invoice 2 deleted with its lines.
      { table: 'InvoiceLines', rows: [line(1, 3, 'three')], deleteKeys: [], deleteGroups: ['1', '2'] },
    ]);
    const tables = await staging.tables(id);
    assert.deepEqual(tables.get('Invoices'), [{ InvoiceId: 1, PoNumber: 'v2' }], 'the later batch wins; deleted keys are gone, the legacy row too');
    assert.deepEqual(tables.get('InvoiceLines'), [{ InvoiceId: 1, LineId: 3, Description: 'three' }], 'each group replaced whole, the legacy line with it');
    // The same batch staged again (an activity retry) leaves the same rows.
    await staging.apply(id, [{ table: 'InvoiceLines', rows: [line(1, 3, 'three')], deleteKeys: [], deleteGroups: ['1', '2'] }]);
    assert.deepEqual((await staging.tables(id)).get('InvoiceLines'), [{ InvoiceId: 1, LineId: 3, Description: 'three' }]);
    await staging.markPublished(id, 'ds-test');
    assert.equal(await stagedCount(id), 0, 'the batches and the legacy rows went with the publish');
    await assert.rejects(staging.apply(id, [{ table: 'Invoices', rows: [invoice(4, 'late')], deleteKeys: [], deleteGroups: [] }]), /first publish is already done/);
  });

  test('a webhook change is upserted, not duplicated', async () => {
    const inv = all('invoices').find((i) => i.vis_state === 0)!;
    fb().update(accountId, 'invoices', inv.id, { po_number: 'PO-WEBHOOK-1' });
    const got = await eventually('upserted invoice', async () => {
      const r = (await rows('Invoices')).filter((x) => Number(x.InvoiceId) === inv.id);
      return r[0]?.PoNumber === 'PO-WEBHOOK-1' ? r : undefined;
    }, 30_000);
    assert.equal(got.length, 1);
    assert.equal((await rows('Invoices')).length, all('invoices').length);
  });

  test('the same webhook six times changes nothing more', async () => {
    const inv = all('invoices').find((i) => i.vis_state === 0)!;
    const sent = fb().webhooks.deliveries.length;
    fb().update(accountId, 'invoices', inv.id, { po_number: 'PO-SIX' });
    const delivery = await eventually('FreshBooks delivery', () => fb().webhooks.deliveries.slice(sent).find((d) => d.name === 'invoice.update' && d.status === 200));
    await eventually('row', async () => ((await rows('Invoices')).find((x) => Number(x.InvoiceId) === inv.id)?.PoNumber === 'PO-SIX' ? true : undefined), 30_000);
    const before = { invoices: await rows('Invoices'), lines: await rows('InvoiceLines'), jobs: (await tableauStats(t)).jobsCreated };
    const batchesBefore = (await h.workflows.connectionStatus(connectionId))!.webhooks.batches;
    const replies = await Promise.all(Array.from({ length: 6 }, () => fetch(`${h.apiUrl}/webhooks/freshbooks/${connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': delivery.signature }, body: delivery.form,
    })));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    // The six are read and found already delivered by the ledger; wait for the workflow to have handled them.
    await eventually('webhook batches handled', async () => {
      const s = await h.workflows.connectionStatus(connectionId);
      return s && s.webhooks.pending === 0 && s.webhooks.batches > batchesBefore ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500)); // let any duplicate batch finish
    assert.deepEqual(await rows('Invoices'), before.invoices);
    assert.deepEqual(await rows('InvoiceLines'), before.lines);
    assert.equal((await tableauStats(t)).jobsCreated, before.jobs, 'no Update Data job for a version already delivered');
  });

  test('an edit that drops an invoice line removes it', async () => {
    const inv = all('invoices').map((i) => fb().get(accountId, 'invoices', i.id) as any).find((i) => i.vis_state === 0 && (i.lines ?? []).length >= 2)!;
    const keep = inv.lines[0];
    fb().update(accountId, 'invoices', inv.id, { lines: [{ name: keep.name, qty: keep.qty, unit_cost: keep.unit_cost, type: keep.type ?? 0 }] });
    const now = (fb().get(accountId, 'invoices', inv.id) as any).lines;
    assert.equal(now.length, 1);
    const lines = await eventually('one line left', async () => {
      const r = (await rows('InvoiceLines')).filter((x) => Number(x.InvoiceId) === inv.id);
      return r.length === 1 ? r : undefined;
    }, 30_000);
    assert.equal(lines[0]!.Name, keep.name);
  });

  test('a delete removes the row', async () => {
    const exp = all('expenses').find((e) => e.vis_state === 0)!;
    assert.ok((await rows('Expenses')).some((x) => Number(x.ExpenseId) === exp.id));
    fb().delete(accountId, 'expenses', exp.id);
    await eventually('expense gone', async () => ((await rows('Expenses')).some((x) => Number(x.ExpenseId) === exp.id) ? undefined : true), 30_000);
    assert.equal((await rows('Expenses')).length, all('expenses').length);
  });

  test('ten webhook changes within a second are one Update Data job (the delivery window)', async () => {
    await eventually('idle', async () => {
      const s = await h.workflows.connectionStatus(connectionId);
      return s && s.webhooks.pending === 0 && s.phase !== 'syncing' ? true : undefined;
    });
    const jobsBefore = (await tableauStats(t)).jobsCreated;
    const ten = all('invoices').filter((i) => i.vis_state === 0).slice(0, 10);
    assert.equal(ten.length, 10);
    for (const inv of ten) fb().update(accountId, 'invoices', inv.id, { po_number: `PO-BURST-${inv.id}` });
    await eventually('the burst landed', async () => {
      const got = new Map((await rows('Invoices')).map((r) => [Number(r.InvoiceId), r.PoNumber]));
      return ten.every((i) => got.get(i.id) === `PO-BURST-${i.id}`) ? true : undefined;
    }, 30_000);
    assert.equal((await tableauStats(t)).jobsCreated - jobsBefore, 1, 'one Update Data job for the burst');
  });

  test('job finishCode=1 is visible in the audit, retried, then succeeds', async () => {
    const inv = all('invoices').find((i) => i.vis_state === 0)!;
    await eventually('idle', async () => {
      const s = await h.workflows.connectionStatus(connectionId);
      return s && s.webhooks.pending === 0 && s.phase !== 'syncing' ? true : undefined;
    });
    await fetch(`${t.url}/_sandbox/jobs/fail-next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1, notes: 'Hyper file locked by a refresh' }) });
    fb().update(accountId, 'invoices', inv.id, { po_number: 'PO-AFTER-FAILED-JOB' });
    await eventually('row after retry', async () => ((await rows('Invoices')).find((x) => Number(x.InvoiceId) === inv.id)?.PoNumber === 'PO-AFTER-FAILED-JOB' ? true : undefined), 60_000);
    const failed = (await jobs()).find((j) => j.finishCode === 1);
    assert.ok(failed, 'the failed job is in the audit');
    assert.match(failed.notes, /Hyper file locked/);
    // Tableau said the first RequestID applied nothing, so the activity retry sends the batch as `<id>-r1`;
    // the row is readable a moment before the poll records the job's completion, hence the wait.
    const retried = await eventually('retry recorded', async () => (await jobs()).find((j) => j.batchKey === failed.batchKey && j.finishCode === 0));
    assert.equal(retried.requestId, `${failed.requestId}-r1`);
    const stats = await tableauStats(t);
    assert.equal(stats.requestIds[failed.requestId].applied, 0, 'the failed job applied nothing');
    const applied = Object.values(stats.requestIds as Record<string, { applied: number }>);
    assert.ok(applied.every((r) => r.applied <= 1), 'no RequestID ran twice');
  });

  test('Cloud and Server URL forms resolve; bad input is a 400 naming the field and stores nothing', async () => {
    const acme = t.sb.state.addSite('acme', 'Acme Finance');
    t.sb.state.addProject(acme.id, 'Finance');
    t.sb.state.addPat('cloud-pat', 'cloud-secret', 'acme');
    const count = async () => Number((await h.db.query('SELECT count(*) AS n FROM connections')).rows[0].n);
    const creds = async () => Number((await h.db.query("SELECT count(*) AS n FROM credentials WHERE kind = 'tableau_pat'")).rows[0].n);
    const [before, credsBefore] = [await count(), await creds()];
    const refused = async (dest: Record<string, unknown>, field: string) => {
      const { res } = await postTableauConnection(h, { ...PAT, ...dest });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(JSON.stringify(res.body).includes(`destination.${field}`), `${field} named: ${JSON.stringify(res.body)}`);
      assert.ok(!JSON.stringify(res.body).includes('cloud-secret') && !JSON.stringify(res.body).includes(PAT.patSecret), 'no secret echoed');
    };
    await refused({ deployment: 'cloud', siteUrl: 'https://online.tableau.com/#/site/acme/home', patName: 'cloud-pat', patSecret: 'cloud-secret' }, 'siteUrl');
    await refused({ deployment: 'cloud', siteUrl: SERVER_SITE_URL }, 'siteUrl');
    await refused({ patSecret: 'wrong' }, 'patSecret');
    await refused({ project: 'No Such Project' }, 'project');
    await refused({ apiVersion: '3.99' }, 'apiVersion');
    await refused({ apiVersion: '3.12' }, 'apiVersion');
    assert.equal(await count(), before);
    assert.equal(await creds(), credsBefore);

    const cloud = await postTableauConnection(h, {
      deployment: 'cloud', siteUrl: 'https://10ay.online.tableau.com/#/site/acme/datasources', patName: 'cloud-pat', patSecret: 'cloud-secret', project: 'Finance', dataSourceName: 'FB Cloud',
    }, { settings: { entities: ['clients'], webhooks: false } });
    assert.equal(cloud.res.status, 201, JSON.stringify(cloud.res.body));
    const cloudId = cloud.res.body.connectionIds[0];
    const dest = (await h.admin(`/api/connections/${cloudId}`)).body.destination;
    assert.equal(dest.origin, 'https://10ay.online.tableau.com');
    assert.equal(dest.contentUrl, 'acme');
    assert.equal(dest.siteId, acme.id);
    assert.ok(!JSON.stringify(dest).includes('cloud-secret'));
    await waitForRuns(h, cloudId, 1, 120_000);
    assert.equal((await rows('Clients', 'FB Cloud')).length, all('clients').length);
    const server = (await h.admin(`/api/connections/${connectionId}`)).body.destination;
    assert.equal(server.origin, SERVER_SITE_URL);
    assert.equal(server.contentUrl, '');
    assert.equal(server.siteId, t.sb.state.siteByContentUrl('')!.id);
  });

  test('two connections on one PAT never knock each other out', async () => {
    const second = await createTableauConnection(h, { ...PAT, dataSourceName: 'FreshBooks Second' }, { businessIndex: 1 });
    await waitForRuns(h, second.connectionId, 1, 300_000);
    const signInsBefore = (await tableauStats(t)).signInsByPat[PAT.patName];
    // Changes on both businesses at once: both connections deliver through the one session of the PAT.
    const a = all('invoices').find((i) => i.vis_state === 0)!;
    const bInvoices = fb().list(second.accountId, 'invoices', { per_page: '100' }).items as any[];
    const b = bInvoices.find((i) => i.vis_state === 0)!;
    for (let n = 1; n <= 3; n++) {
      fb().update(accountId, 'invoices', a.id, { po_number: `PO-A-${n}` });
      fb().update(second.accountId, 'invoices', b.id, { po_number: `PO-B-${n}` });
    }
    await eventually('both delivered', async () => {
      const ra = (await rows('Invoices')).find((x) => Number(x.InvoiceId) === a.id)?.PoNumber;
      const rb = (await rows('Invoices', 'FreshBooks Second')).find((x) => Number(x.InvoiceId) === b.id)?.PoNumber;
      return ra === 'PO-A-3' && rb === 'PO-B-3' ? true : undefined;
    }, 60_000);
    const stats = await tableauStats(t);
    assert.equal(stats.signInsByPat[PAT.patName], signInsBefore, 'no new sign-in: one session served both connections');
    for (const id of [connectionId, second.connectionId]) {
      assert.equal(await connectionStatus(id), 'active');
      assert.ok((await jobs(id)).filter((j) => j.action === 'update').every((j) => j.finishCode === 0 || j.error === null || !/401/.test(j.error)));
    }
  });

  test('a revoked PAT puts the connection in destination_auth without a retry loop; a new PAT resumes it', async () => {
    t.sb.state.revokePat(PAT.patName);
    const inv = all('invoices').find((i) => i.vis_state === 0)!;
    fb().update(accountId, 'invoices', inv.id, { po_number: 'PO-AFTER-REVOKE' });
    await eventually('destination_auth', async () => ((await connectionStatus(connectionId)) === 'destination_auth' ? true : undefined), 60_000);
    const failuresAt = (await tableauStats(t)).signInFailures;
    fb().update(accountId, 'invoices', inv.id, { po_number: 'PO-STILL-REVOKED' });
    await h.admin(`/api/connections/${connectionId}/sync`, { body: { mode: 'incremental' } });
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await tableauStats(t)).signInFailures, failuresAt, 'no sign-in attempted while the connection waits for a new PAT');
    assert.equal(await connectionStatus(connectionId), 'destination_auth');
    const wf = await h.workflows.connectionStatus(connectionId);
    assert.equal(wf?.phase, 'destination_auth');

    const bad = await h.admin(`/api/connections/${connectionId}/tableau-pat`, { method: 'PUT', body: { patName: 'fb-sync-2', patSecret: 'nope' } });
    assert.equal(bad.status, 400);
    assert.ok(JSON.stringify(bad.body).includes('patSecret'));
    t.sb.state.addPat('fb-sync-2', 'pat-secret-2');
    const ok = await h.admin(`/api/connections/${connectionId}/tableau-pat`, { method: 'PUT', body: { patName: 'fb-sync-2', patSecret: 'pat-secret-2' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await connectionStatus(connectionId), 'active');
    await eventually('change after the new PAT', async () => ((await rows('Invoices')).find((x) => Number(x.InvoiceId) === inv.id)?.PoNumber === 'PO-STILL-REVOKED' ? true : undefined), 60_000);
  });

  test('the audit route: 404 for an unknown connection, 400 for one that is not Tableau', async () => {
    assert.equal((await h.admin('/api/connections/conn_00000000-0000-4000-8000-000000000000/tableau-jobs')).status, 404);
    const pbi = await createPowerBiConnection(h, { settings: { entities: ['clients'], webhooks: false } });
    assert.equal((await h.admin(`/api/connections/${pbi.connectionId}/tableau-jobs`)).status, 400);
    const put = await h.admin(`/api/connections/${pbi.connectionId}/tableau-pat`, { method: 'PUT', body: { patName: 'x', patSecret: 'y' } });
    assert.equal(put.status, 400);
    const missing = await h.admin(`/api/connections/${connectionId}/tableau-pat`, { method: 'PUT', body: { patName: 'x' } });
    assert.equal(missing.status, 400);
    assert.ok(JSON.stringify(missing.body).includes('patSecret'));
  });
});
