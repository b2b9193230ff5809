/**
 * reconciledFigures (what the reconciliation walk reads of each record) must say exactly what mapping the
 * record would: the same id as recordVersion and the same money as moneyOfRow over mapRecord's own row,
 * for every entity whose money is reconciled, on records as the sandbox serves them and on odd shapes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FreshBooksEntity } from '../../../common/freshbooks-entities';
import { FreshBooksClient } from '../../../connectors/freshbooks';
import { RECONCILED_MONEY, mapRecord, moneyOfRow, reconciledFigures, reconciledMoney, recordVersion, type MapContext } from '../../../mapping/freshbooks';
import { createFreshBooksSandbox, type FreshBooksSandbox } from '../../../sandbox/freshbooks';

const ctx: MapContext = { accountId: 'xZNQ1X', businessId: 6543, syncedAt: '2024-05-01T12:00:00.000Z', batchId: 'b' };
const ENTITIES = Object.keys(RECONCILED_MONEY) as FreshBooksEntity[];

function byMapping(entity: FreshBooksEntity, record: Record<string, unknown>, columns: readonly string[]) {
  const [own] = mapRecord(entity, record, ctx);
  return { recordId: recordVersion(entity, record, ctx.accountId).recordId, money: moneyOfRow(own!.row.json, columns) };
}

let sandbox: FreshBooksSandbox;
let url: string;
let close: () => Promise<void>;

before(async () => {
  sandbox = createFreshBooksSandbox({ seed: 7, now: () => new Date('2025-06-15T16:00:00Z') });
  ({ url, close } = await sandbox.listen());
});
after(async () => close());

test('every reconciled entity: the sandbox\'s records give the id and money mapping would', async () => {
  const [m] = sandbox.state.accountingMemberships();
  const fb = new FreshBooksClient({
    apiBase: url, accountId: m!.business.accountId, businessId: m!.business.businessId,
    tokens: { accessToken: async () => ({ token: sandbox.state.issueTokens().access_token, version: 1 }), refreshAfterUnauthorized: async () => undefined },
  });
  let withMoney = 0;
  const seen = new Map<FreshBooksEntity, number>();
  for (const entity of ENTITIES) {
    const columns = reconciledMoney(entity);
    assert.ok(columns.length > 0, `${entity} reconciles some money`);
    let records = 0;
    for await (const page of fb.listAll(entity, { perPage: 100 })) {
      for (const r of page.items) {
        const got = reconciledFigures(entity, r, columns);
        assert.deepEqual(got, byMapping(entity, r, columns), `${entity} ${got.recordId}`);
        records += 1;
        if (got.money.length > 0) withMoney += 1;
      }
    }
    seen.set(entity, records);
  }
  // The default seed has no credit notes (they are made through the API); the others it has.
  for (const entity of ENTITIES.filter((e) => e !== 'credit_notes')) assert.ok((seen.get(entity) ?? 0) > 0, `the sandbox serves some ${entity}`);
  assert.ok(withMoney > 100, 'the comparison saw real amounts');
});

test('odd shapes: currency from the document when the amount has none, missing or null amounts, string ids', () => {
  const columns = reconciledMoney('invoices');
  const base = { invoiceid: 12, id: 12, vis_state: 0, updated: '2024-01-02 03:04:05', currency_code: 'EUR' };
  const shapes: Record<string, unknown>[] = [
    { ...base, amount: { amount: '10.50', code: 'CAD' }, outstanding: { amount: '0.00', code: 'CAD' } },
    { ...base, amount: { amount: '10.50' }, outstanding: { amount: '3' } },
    { ...base, amount: null, outstanding: { amount: '1.5', code: 'USD' } },
    { ...base, currency_code: undefined, amount: { amount: '7.25', code: 'GBP' }, outstanding: { amount: '7.25' } },
    { ...base, currency_code: undefined, amount: { amount: '7.25' } },
    { ...base, amount: '99.90' },
    { ...base, invoiceid: undefined, id: ' 4711 ', amount: { amount: '-2.10', code: 'USD' } },
  ];
  for (const r of shapes) assert.deepEqual(reconciledFigures('invoices', r, columns), byMapping('invoices', r, columns), JSON.stringify(r));
  assert.deepEqual(reconciledFigures('invoices', shapes[0]!, []), { recordId: '12', money: [] });
  assert.throws(() => reconciledFigures('invoices', { amount: { amount: '1', code: 'USD' } }, columns), /no id/);
});
