/**
 * The ledger and time-tracking side of the sandbox over raw HTTP: both envelopes, paging capped at 100,
 * filters (updated_since, updated_min, vis_state), a balanced journal whose references exist, time entries
 * pointing at real projects, services and clients, determinism, and the control routes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '.';

type Json = Record<string, any>;
const NOW = () => new Date('2025-06-15T16:00:00Z');

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
let token: string;
let accountId: string;
let businessId: number;

async function get(path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Json };
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/_sandbox${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Json };
}

const PROJECT_LIKE = {
  time_entries: '/timetracking/business/{b}/time_entries',
  projects: '/projects/business/{b}/projects',
  services: '/comments/business/{b}/services',
} as const;

async function allProjectLike(entity: keyof typeof PROJECT_LIKE, qs = ''): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await get(`${PROJECT_LIKE[entity].replace('{b}', String(businessId))}?page=${page}&per_page=100${qs}`);
    assert.equal(status, 200);
    out.push(...body[entity]);
    if (page >= body.meta.pages) return out;
  }
}

async function allAccounting(path: string, key: string, qs = ''): Promise<Json[]> {
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await get(`/accounting/account/${accountId}/${path}?page=${page}&per_page=100${qs}`);
    assert.equal(status, 200);
    out.push(...body.response.result[key]);
    if (page >= body.response.result.pages) return out;
  }
}

const cents = (m: { amount: string } | null) => (m ? Math.round(Number(m.amount) * 100) : 0);

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 42, now: NOW, accessTokenTtlSec: 400 * 86_400 });
  ({ url, close } = await sandbox.listen());
  token = sandbox.state.issueTokens().access_token;
  accountId = sandbox.state.accountIds()[0]!;
  businessId = sandbox.state.accountingMemberships()[0]!.business.businessId;
});

after(async () => {
  await close();
});

describe('journal entry details', () => {
  it('pages with per_page capped at 100 and every entry balances per currency', async () => {
    const first = await get(`/accounting/account/${accountId}/journal_entries/journal_entry_details?per_page=500`);
    const r = first.body.response.result;
    assert.equal(r.per_page, 100, 'per_page is capped silently');
    assert.ok(r.total > 200 && r.pages === Math.ceil(r.total / 100));
    const lines = await allAccounting('journal_entries/journal_entry_details', 'journal_entry_details');
    assert.equal(lines.length, r.total);
    assert.equal(new Set(lines.map((l) => l.id)).size, lines.length, 'each line has its own id');
    const byEntry = new Map<number, { cur: Set<string>; debit: number; credit: number }>();
    for (const l of lines) {
      assert.equal(l.id, l.detailid);
      assert.ok((l.debit === null) !== (l.credit === null), 'exactly one of debit / credit');
      const e = byEntry.get(l.entry.entryid) ?? { cur: new Set(), debit: 0, credit: 0 };
      e.cur.add((l.debit ?? l.credit).code);
      e.debit += cents(l.debit);
      e.credit += cents(l.credit);
      byEntry.set(l.entry.entryid, e);
      assert.match(l.user_entered_date, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(typeof l.account.accountid, 'number');
    }
    for (const [entry, e] of byEntry) {
      assert.equal(e.cur.size, 1, `entry ${entry} has one currency`);
      assert.equal(e.debit, e.credit, `entry ${entry} balances`);
    }
    const currencies = new Set(lines.map((l) => (l.debit ?? l.credit).code));
    assert.ok(currencies.size >= 2, 'lines in more than one currency');
    const totals = sandbox.state.ledgerTotals(accountId).journal_entry_details;
    assert.equal(totals.count, lines.length);
    assert.equal(totals.entries, byEntry.size);
    assert.deepEqual(totals.debit, totals.credit);
  });

  it('references documents that exist, and serves one line by id', async () => {
    const lines = await allAccounting('journal_entries/journal_entry_details', 'journal_entry_details');
    const sales = lines.find((l) => l.detail_type === 'sales')!;
    const inv = await get(`/accounting/account/${accountId}/invoices/invoices/${sales.entry.invoiceid}`);
    assert.equal(inv.status, 200);
    const one = await get(`/accounting/account/${accountId}/journal_entries/journal_entry_details/${sales.id}`);
    assert.equal(one.body.response.result.journal_entry_detail.id, sales.id);
    assert.equal((await get(`/accounting/account/${accountId}/journal_entries/journal_entry_details/1`)).status, 404);
  });
});

describe('other income', () => {
  it('lists under the singular key, hides deleted ones unless asked, and filters by updated_min', async () => {
    const live = await allAccounting('other_incomes/other_incomes', 'other_income');
    const deleted = await allAccounting('other_incomes/other_incomes', 'other_income', '&search[vis_state]=1');
    const totals = sandbox.state.ledgerTotals(accountId).other_incomes;
    assert.equal(live.length, totals.byVisState['0']);
    assert.equal(deleted.length, totals.byVisState['1']);
    assert.ok(deleted.every((o) => o.vis_state === 1));
    assert.ok(new Set(live.map((o) => o.amount.code)).size >= 2, 'a second currency');
    assert.match(live[0]!.updated_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'Eastern wall time, no offset');
    const recent = await allAccounting('other_incomes/other_incomes', 'other_income', '&search[updated_min]=2025-01-01');
    assert.ok(recent.length < live.length);
    assert.ok(recent.every((o) => o.updated_at >= '2025-01-01'));
    const one = await get(`/accounting/account/${accountId}/other_incomes/other_incomes/${live[0]!.incomeid}`);
    assert.equal(one.body.response.result.other_income.incomeid, live[0]!.incomeid);
  });
});

describe('time tracking (project-like envelope)', () => {
  it('answers {<plural>, meta} with per_page capped at 100, and time entries point at records that exist', async () => {
    const first = await get(`${PROJECT_LIKE.time_entries.replace('{b}', String(businessId))}?per_page=1000`);
    assert.equal(first.body.meta.per_page, 100);
    assert.equal(first.body.response, undefined, 'no accounting envelope');
    const entries = await allProjectLike('time_entries');
    const projects = await allProjectLike('projects');
    const services = await allProjectLike('services');
    assert.equal(entries.length, first.body.meta.total);
    const projectIds = new Set(projects.map((p) => p.id));
    const serviceIds = new Set(services.map((s) => s.id));
    for (const t of entries) {
      assert.ok(projectIds.has(t.project_id), `time entry ${t.id} → project ${t.project_id}`);
      if (t.service_id !== null) assert.ok(serviceIds.has(t.service_id));
      if (t.client_id !== null) assert.ok(sandbox.state.get(accountId, 'clients', t.client_id), `client ${t.client_id} exists`);
      assert.match(t.started_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    assert.match(projects[0]!.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'project times are UTC without Z');
    assert.ok(services.some((s) => s.vis_state === 1), 'a retired service is listed with its flag');
    assert.ok(services.every((s) => s.business_id === businessId));
    const totals = sandbox.state.ledgerTotals(accountId);
    assert.equal(entries.length, totals.time_entries.count);
    assert.equal(projects.length, totals.projects.count);
  });

  it('filters by bare updated_since and serves single records under their own paths', async () => {
    const all = await allProjectLike('projects');
    const pivot = [...all].sort((a, b) => a.updated_at.localeCompare(b.updated_at))[Math.floor(all.length / 2)]!;
    const since = await allProjectLike('projects', `&updated_since=${pivot.updated_at}`);
    assert.ok(since.length > 0 && since.length < all.length);
    assert.ok(since.every((p) => p.updated_at >= pivot.updated_at));
    const one = await get(`/projects/business/${businessId}/project/${pivot.id}`);
    assert.equal(one.body.project.id, pivot.id);
    const missing = await get(`/projects/business/${businessId}/project/999`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: 'Requested resource could not be found.' });
    const bad = await get(`/projects/business/${businessId}/projects?updated_since=yesterday`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errno, 2001);
    assert.equal((await get(`/projects/business/999/projects`)).status, 403);
  });

  it('control routes create, update and delete time entries and projects', async () => {
    const projects = await allProjectLike('projects');
    const p = projects.find((x) => x.client_id !== null)!;
    const created = await control('POST', `/accounts/${accountId}/time_entries`, { project_id: p.id, started_at: '2025-06-01T14:00:00Z', duration: 5400, note: 'control' });
    assert.equal(created.status, 200);
    assert.equal(created.body.client_id, p.client_id, 'client follows the project');
    const updated = await control('PUT', `/accounts/${accountId}/time_entries/${created.body.id}`, { duration: 3600 });
    assert.equal(updated.body.duration, 3600);
    const listed = await allProjectLike('time_entries', '&updated_since=2025-06-15T15:59:00');
    assert.ok(listed.some((t) => t.id === created.body.id), 'an update is visible to updated_since');
    assert.equal((await control('DELETE', `/accounts/${accountId}/time_entries/${created.body.id}`)).status, 200);
    assert.ok(!(await allProjectLike('time_entries')).some((t) => t.id === created.body.id), 'hard delete');
    const bad = await control('POST', `/accounts/${accountId}/time_entries`, { project_id: 1 });
    assert.equal(bad.status, 422);
    const np = await control('POST', `/accounts/${accountId}/projects`, { title: 'Control project', client_id: p.client_id });
    assert.equal(np.body.client_id, p.client_id);
    assert.equal((await control('POST', `/accounts/${accountId}/journal_entry_details`, {})).status, 422);
    const oi = await control('POST', `/accounts/${accountId}/other_incomes`, { amount: { amount: '12.34', code: 'EUR' }, source: 'Etsy', date: '2025-06-01' });
    assert.deepEqual(oi.body.amount, { amount: '12.34', code: 'EUR' });
    const cn = await control('POST', `/accounts/${accountId}/credit_notes`, { clientid: p.client_id, lines: [{ name: 'Refund', qty: 1, unit_cost: { amount: '10.00', code: 'USD' } }] });
    assert.equal(cn.status, 200);
  });
});

describe('determinism', () => {
  it('the same seed gives the same ledger and time tracking, and the core seed is unchanged by them', () => {
    const a = createFreshBooksSandbox({ seed: 42, now: NOW });
    const b = createFreshBooksSandbox({ seed: 42, now: NOW });
    const id = a.state.accountIds()[1]!;
    assert.deepEqual(a.state.ledgerTotals(id), b.state.ledgerTotals(id));
    assert.deepEqual(a.state.listLedger(id, 'time_entries', { per_page: '100' }), b.state.listLedger(id, 'time_entries', { per_page: '100' }));
    assert.deepEqual(a.state.totals(id), b.state.totals(id));
  });
});
