import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addDecimals, normaliseDecimal } from '../../../common/decimal-text';
import { entityDifferenceCount, orderDayDiffers, reportStatus } from '../../../common/reconciliation-verdict';
import { addToSums, capIds, compareSums, diffIds, shouldWalk, ALWAYS_WALK_UP_TO, type SumTable } from '../../../domain/reconciliation';

const entity = (over: Partial<Parameters<typeof entityDifferenceCount>[0]> = {}) => ({
  sourceCount: 3, destinationCount: 3, missingInDestination: [] as string[], extraInDestination: [] as string[], sums: [] as { source: string; destination: string }[], ...over,
});

describe('reconciliation rules', () => {
  test('ids: missing and extra, numeric ids in numeric order', () => {
    assert.deepEqual(diffIds(['10', '2', '3', '7'], ['3', '7', '11', '9']), { missing: ['2', '10'], extra: ['9', '11'] });
    assert.deepEqual(diffIds(['1'], ['1']), { missing: [], extra: [] });
  });

  test('decimals are exact and spelled one way', () => {
    assert.equal(addDecimals(['0.10', '0.20', '1']), '1.3');
    assert.equal(addDecimals(['12345678901234567890.01', '0.99']), '12345678901234567891');
    assert.equal(addDecimals(['-5.25', '5.25']), '0');
    assert.equal(normaliseDecimal('+001.500'), '1.5');
    assert.equal(normaliseDecimal('-0.00'), '0');
    assert.throws(() => normaliseDecimal('1e3'), RangeError);
  });

  test('sums: one row per column and currency either side has; a side without it reads 0', () => {
    const src: SumTable = new Map();
    addToSums(src, 'amount', 'USD', '10.50');
    addToSums(src, 'amount', 'USD', '4.5');
    addToSums(src, 'amount', 'EUR', '3');
    const dst: SumTable = new Map();
    addToSums(dst, 'amount', 'USD', '15.000');
    addToSums(dst, 'amount', 'CAD', '1');
    assert.deepEqual(compareSums(src, dst), [
      { column: 'amount', currency: 'CAD', source: '0', destination: '1' },
      { column: 'amount', currency: 'EUR', source: '3', destination: '0' },
      { column: 'amount', currency: 'USD', source: '15', destination: '15' },
    ]);
  });

  test('walk: always when small, else only when counts differ', () => {
    assert.equal(shouldWalk(10, 10), true);
    assert.equal(shouldWalk(ALWAYS_WALK_UP_TO + 1, ALWAYS_WALK_UP_TO + 1), false);
    assert.equal(shouldWalk(100_000, 99_999), true);
  });

  test('caps listed ids', () => {
    assert.deepEqual(capIds(['1', '2', '3'], 2), { ids: ['1', '2'], truncated: true });
    assert.deepEqual(capIds(['1'], 2), { ids: ['1'], truncated: false });
  });

  test('verdicts: clean only when counts, ids and sums agree', () => {
    assert.equal(reportStatus([entity()]), 'clean');
    assert.equal(reportStatus([entity({ sums: [{ source: '1.50', destination: '1.5' }] })]), 'clean');
    assert.equal(reportStatus([entity({ sums: [{ source: '1.50', destination: '1.51' }] })]), 'differences');
    assert.equal(reportStatus([entity({ destinationCount: 2, missingInDestination: ['5'] })]), 'differences');
    assert.equal(reportStatus([entity({ extraInDestination: ['9'] })]), 'differences');
    assert.equal(entityDifferenceCount(entity({ destinationCount: 1, missingInDestination: ['5'] })), 2, 'count gap larger than the listed ids');
    assert.equal(entityDifferenceCount(entity({ missingInDestination: ['5'], extraInDestination: ['6'], sums: [{ source: '1', destination: '2' }] })), 3);
    const day = { paidOrders: 2, invoices: 2, paidTotal: '10.00', invoicedTotal: '10', missingInvoices: [] };
    assert.equal(orderDayDiffers(day), false);
    assert.equal(orderDayDiffers({ ...day, invoices: 1, invoicedTotal: '5', missingInvoices: [7] }), true);
    assert.equal(reportStatus([], [{ ...day, invoices: 1, invoicedTotal: '5', missingInvoices: [7] }]), 'differences');
  });
});
