import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapRecord, mapTombstone, moneyOfRow, reconciledMoney } from '../../../mapping/freshbooks';

const ctx = { accountId: 'AbC12', businessId: 77, syncedAt: '2026-12-06T04:00:00Z', batchId: 'b1' };

describe('tombstones and reconciled money', () => {
  test('a tombstone is the record id, deleted, without the record, with a version fixed per record', () => {
    const t = mapTombstone('bill_vendors', '4021', ctx);
    assert.equal(t.table, 'bill_vendors');
    assert.equal(t.row.json.id, 4021);
    assert.equal(t.row.json.account_id, 'AbC12');
    assert.equal(t.row.json.business_id, 77);
    assert.equal(t.row.json.is_deleted, true);
    assert.equal(t.row.json.vis_state, 1);
    assert.equal(t.row.json.raw_json, null);
    assert.equal(t.row.json._version, 'AbC12:bill_vendors:4021:deleted');
    assert.equal(t.row.insertId, t.row.json._version);
    assert.equal(mapTombstone('bill_vendors', '4021', { ...ctx, syncedAt: '2026-12-07T00:00:00Z' }).row.json._version, t.row.json._version);
  });

  test('money summed per currency comes from the mapped row, the way the warehouse holds it', () => {
    const [own] = mapRecord('invoices', {
      id: 9, invoiceid: 9, updated: '2026-11-02 10:00:00', vis_state: 0, currency_code: 'EUR',
      amount: { amount: '120.50', code: 'EUR' }, outstanding: { amount: '20.00', code: 'EUR' },
    }, ctx);
    assert.deepEqual(moneyOfRow(own!.row.json, reconciledMoney('invoices')), [
      { column: 'amount', currency: 'EUR', amount: '120.50' },
      { column: 'outstanding', currency: 'EUR', amount: '20.00' },
    ]);
    assert.deepEqual(reconciledMoney('clients'), []);
  });
});
