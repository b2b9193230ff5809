/**
 * FreshBooksClient on the opt-in entities against the sandbox over HTTP: the accounting envelope
 * (journal entry details, other income, credit notes) and the project-like one (time entries, projects,
 * services) by business id, their filters, and single-record reads under each family's key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FreshBooksApiError, FreshBooksClient } from '../../../connectors/freshbooks';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '../../../sandbox/freshbooks';
import { TestTokens } from '../../support/freshbooks-doubles';

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;
let accountId: string;
let businessId: number;
const requested: string[] = [];

function newClient(extra: Partial<ConstructorParameters<typeof FreshBooksClient>[0]> = {}): FreshBooksClient {
  const pair = sandbox.state.issueTokens();
  return new FreshBooksClient({ apiBase: url, accountId, businessId, tokens: new TestTokens(url, pair.access_token, pair.refresh_token, true), retryBaseMs: 10, ...extra });
}

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 11, now: () => new Date('2025-06-15T16:00:00Z') });
  ({ url, close } = await sandbox.listen());
  accountId = sandbox.state.accountIds()[0]!;
  businessId = sandbox.state.accountingMemberships()[0]!.business.businessId;
  sandbox.state.onListPage((r) => requested.push(`${r.entity}?${r.params.toString()}`));
});

after(async () => {
  await close();
});

async function readAll(client: FreshBooksClient, entity: Parameters<FreshBooksClient['listAll']>[0], q: Parameters<FreshBooksClient['listAll']>[1] = {}) {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  let total = -1;
  for await (const p of client.listAll(entity, q)) {
    items.push(...p.items);
    pages++;
    total = p.total;
    assert.ok(p.perPage <= 100);
  }
  return { items, pages, total };
}

describe('accounting envelope: ledger lines, other income, credit notes', () => {
  it('reads every journal entry detail across pages', async () => {
    const { items, pages, total } = await readAll(newClient(), 'journal_entry_details');
    const truth = sandbox.state.ledgerTotals(accountId).journal_entry_details;
    assert.equal(items.length, truth.count);
    assert.equal(total, truth.count);
    assert.equal(pages, Math.ceil(truth.count / 100));
    const line = await newClient().get('journal_entry_details', String(items[0]!.id));
    assert.equal(line?.id, items[0]!.id);
  });

  it('reads other income under its singular list key, with deletions on request', async () => {
    const client = newClient();
    const truth = sandbox.state.ledgerTotals(accountId).other_incomes;
    assert.equal((await readAll(client, 'other_incomes')).items.length, truth.byVisState['0']);
    assert.equal((await readAll(client, 'other_incomes', { visState: 1 })).items.length, truth.byVisState['1']);
    const recent = await readAll(client, 'other_incomes', { updatedMin: '2025-01-01' });
    assert.ok(recent.items.length < truth.count);
  });

  it('reads credit notes with their lines, and a single one under the plural key the sandbox (like NODE) uses', async () => {
    const clientId = sandbox.state.list(accountId, 'clients').items[0]!.id as number;
    const created = sandbox.state.createCreditNote(accountId, { clientid: clientId, currency_code: 'CAD', lines: [{ name: 'Refund', qty: 1, unit_cost: { amount: '25.00', code: 'CAD' } }] });
    const client = newClient();
    const { items } = await readAll(client, 'credit_notes');
    const listed = items.find((c) => c.id === created.id)!;
    assert.ok(Array.isArray(listed.lines), 'include[]=lines sent');
    const one = await client.get('credit_notes', String(created.id));
    assert.equal(one?.id, created.id);
  });
});

describe('project-like envelope by business id', () => {
  it('lists time entries, projects and services from {<plural>, meta}', async () => {
    const client = newClient();
    const truth = sandbox.state.ledgerTotals(accountId);
    const entries = await readAll(client, 'time_entries');
    assert.equal(entries.items.length, truth.time_entries.count);
    assert.equal(entries.total, truth.time_entries.count);
    assert.equal(entries.pages, Math.ceil(truth.time_entries.count / 100));
    assert.equal((await readAll(client, 'projects')).items.length, truth.projects.count);
    assert.equal((await readAll(client, 'services')).items.length, truth.services.count);
  });

  it('sends the bare updated_since filter and never search[updated_min] to time tracking', async () => {
    requested.length = 0;
    const all = await readAll(newClient(), 'projects');
    const since = await readAll(newClient(), 'projects', { updatedSince: '2025-01-01T00:00:00' });
    assert.ok(since.items.length < all.items.length);
    assert.ok(requested.some((r) => r.includes('updated_since=2025-01-01T00%3A00%3A00')), requested.join('\n'));
    await assert.rejects(newClient().listPage('time_entries', { page: 1, updatedSince: 'yesterday' }), RangeError);
  });

  it('reads single records under /project/{id} and /service/{id}; a missing one is null', async () => {
    const client = newClient();
    const project = (await client.listPage('projects', { page: 1 })).items[0]!;
    assert.equal((await client.get('projects', String(project.id)))?.title, project.title);
    const service = (await client.listPage('services', { page: 1 })).items[0]!;
    assert.equal((await client.get('services', String(service.id)))?.name, service.name);
    const entry = (await client.listPage('time_entries', { page: 1 })).items[0]!;
    assert.equal((await client.get('time_entries', String(entry.id)))?.id, entry.id);
    assert.equal(await client.get('projects', '999'), null);
  });

  it('needs a business id, and reports a project-shaped error with its errno', async () => {
    const noBusiness = newClient({ businessId: undefined });
    await assert.rejects(noBusiness.listPage('projects', { page: 1 }), /business id/);
    const err = await newClient().listPage('projects', { page: 1, updatedSince: '2025-13-45T00:00:00' }).catch((e: unknown) => e);
    assert.ok(err instanceof FreshBooksApiError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.errno, 2001);
  });
});
