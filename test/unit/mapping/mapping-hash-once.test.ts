import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapRecord, recordVersion, type MapContext } from '../../../mapping/freshbooks';
import { canonicalJson, contentHash } from '../../../mapping/freshbooks/insert-id';

/**
 * The delivery path hashes each record once (recordVersion, for the ledger) and hands the token to the
 * mapping; canonicalJson was rewritten for speed. Every version already in a ledger or a warehouse hashes
 * this text, so both must give exactly what they gave before.
 */
const ACCOUNT = 'xZNQ1X';
const ctx: MapContext = { accountId: ACCOUNT, businessId: 6543, syncedAt: '2024-05-01T12:00:00.000Z', batchId: 'batch-1' };

/** The implementation every stored version was made with, kept as the reference. */
function referenceCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => referenceCanonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${referenceCanonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const invoice = {
  id: 3141, invoiceid: 3141, accountid: ACCOUNT, invoice_number: '0000042', updated: '2024-04-30 09:12:45', vis_state: 0,
  amount: { amount: '1222.00', code: 'USD' }, outstanding: { amount: '0.00', code: 'USD' }, currency_code: 'USD', notes: 'é "quoted" \u2028',
  lines: [
    { lineid: 1, name: 'Design', qty: '2', unit_cost: { amount: '500.00', code: 'USD' }, amount: { amount: '1000.00', code: 'USD' }, taxName1: undefined },
    { lineid: 2, name: 'Hosting', qty: '1', unit_cost: { amount: '222.00', code: 'USD' }, amount: { amount: '222.00', code: 'USD' } },
  ],
  presentation: {}, tags: [], extra: [null, undefined, -0.5, true],
};

describe('hashing a record once', () => {
  test('canonicalJson gives the reference text for nested, unicode, undefined and empty values', () => {
    const samples: unknown[] = [invoice, { b: [1, undefined, { z: null, 'é"k': 'x\u2028y', a: undefined }], a: 1 }, [], {}, null, 'x', 0, [undefined], { u: undefined }];
    for (const s of samples) assert.equal(canonicalJson(s), referenceCanonicalJson(s));
  });

  test('a content hash stored before the rewrite is still the same', () => {
    // Computed with the reference implementation before canonicalJson changed.
    const sample = { updated: '2024-05-01 10:00:00', b: [1, undefined, { z: null, 'é"k': 'x\u2028y', a: undefined }], a: { amount: '12.50', code: 'USD' }, n: -0.5, t: true, e: [], o: {} };
    assert.equal(contentHash(sample), '347a4ff94196d57f');
  });

  test('mapping with the token recordVersion gave writes the same rows as mapping from scratch', () => {
    const v = recordVersion('invoices', invoice, ACCOUNT);
    assert.ok(v.version.includes(v.token), 'the token is the version part of the ledger version');
    const fresh = mapRecord('invoices', invoice, ctx);
    assert.equal(fresh.length, 3, 'the invoice and its two lines');
    assert.deepEqual(mapRecord('invoices', invoice, ctx, v.token), fresh);
    assert.equal(fresh[0]!.row.json._version, v.version, 'the row version is the one the ledger keeps');
  });
});
