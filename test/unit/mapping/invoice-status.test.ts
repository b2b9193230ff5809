import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INVOICE_STATUS } from '../../../common/freshbooks-entities';
import { mapRecord } from '../../../mapping/freshbooks';
import { mapToPowerBi } from '../../../mapping/powerbi';
import { blankOutcome, OrderLedger, type OrderCalls } from '../../../domain/order-pass';

/** reference/freshbooks.md §3.1: "0 disputed (Classic only), 1 draft, 2 sent, 3 viewed, 4 paid, 5 auto-paid, 6 retry, 7 failed, 8 partial". */
const REFERENCE: Record<number, string> = { 0: 'disputed', 1: 'draft', 2: 'sent', 3: 'viewed', 4: 'paid', 5: 'auto-paid', 6: 'retry', 7: 'failed', 8: 'partial' };

const ctx = { accountId: 'xZNQ1X', businessId: 6543, syncedAt: '2024-05-01T12:00:00.000Z', batchId: 'batch-1' };
const invoice = (status: number) => ({ id: 217506, invoiceid: 217506, accountid: 'xZNQ1X', status, updated: '2024-04-30 10:00:00', amount: { amount: '10.00', code: 'USD' }, lines: [] });

/** The invoice status an order records once FreshBooks reports `status` for its invoice. */
async function orderInvoiceStatus(status: number): Promise<string | undefined> {
  const pass = new OrderLedger(blankOutcome(7));
  const calls: OrderCalls = {
    read: async (orderId) => ({ orderId, statusId: 11, status: 'Awaiting Fulfillment', skipReason: null, captures: [], refunds: [], refundedWithoutRecord: false, currency: 'USD', total: '10.00' }),
    ensureInvoice: async () => ({ invoiceId: 217506, invoiceNumber: '7', clientId: 1, status, amount: '10.00', currency: 'USD', created: true }),
    markSent: async () => 2,
    recordPayment: async () => assert.fail('no captures'),
    applyRefund: async () => assert.fail('no refunds'),
  };
  await pass.pass(calls);
  return pass.outcome.invoiceStatus;
}

describe('invoice status names: one table, as FreshBooks documents it', () => {
  test('the table is the reference list', () => {
    assert.deepEqual(INVOICE_STATUS, REFERENCE);
  });

  test('BigQuery, Power BI and the order pass name every code alike', async () => {
    for (const [code, name] of Object.entries(REFERENCE).map(([c, n]) => [Number(c), n] as const)) {
      const bq = mapRecord('invoices', invoice(code), ctx).find((r) => r.table === 'invoices')!;
      assert.equal(bq.row.json.status, name, `BigQuery status ${code}`);
      const pbi = mapToPowerBi('invoices', invoice(code), ctx).find((r) => r.table === 'Invoices')!;
      assert.equal(pbi.row.Status, name, `Power BI status ${code}`);
      // 0 is the pass's "not re-read" mark and 1 (draft) is marked sent first, so neither is named by it.
      if (code > 1) assert.equal(await orderInvoiceStatus(code), name, `order pass status ${code}`);
    }
  });
});
