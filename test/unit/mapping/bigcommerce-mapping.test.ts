import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  invoiceDecision, microsToAmount, orderDate, orderToInvoice, toMicros, type BcOrder, type BcOrderProduct, type FreshBooksLine,
} from '../../../mapping/bigcommerce';

const base: BcOrder = {
  id: 218, date_created: 'Tue, 05 Mar 2019 21:40:11 +0000', customer_id: 11, is_tax_inclusive_pricing: false,
  subtotal_ex_tax: '0.0000', subtotal_inc_tax: '0.0000', shipping_cost_ex_tax: '0.0000', shipping_cost_inc_tax: '0.0000',
  handling_cost_ex_tax: '0.0000', handling_cost_inc_tax: '0.0000', wrapping_cost_ex_tax: '0.0000', wrapping_cost_inc_tax: '0.0000',
  total_ex_tax: '0.0000', total_inc_tax: '0.0000', total_tax: '0.0000', discount_amount: '0.0000', coupon_discount: '0.0000',
  currency_code: 'USD', default_currency_code: 'USD',
};

const product = (p: Partial<BcOrderProduct> & Pick<BcOrderProduct, 'name' | 'quantity' | 'price_ex_tax' | 'price_inc_tax' | 'total_ex_tax' | 'total_inc_tax'>): BcOrderProduct =>
  ({ id: 1, product_id: 77, ...p });

/** What FreshBooks will make of the lines: Σ qty × unit_cost, in cents. */
const invoiceCents = (lines: FreshBooksLine[]) => lines.reduce((s, l) => s + BigInt(l.qty) * (toMicros(l.unit_cost.amount) / 100n), 0n);

describe('BigCommerce order → FreshBooks invoice', () => {
  test('tax-exclusive: products (one custom), shipping, handling, wrapping, coupon, manual discount and tax, in the transactional currency', () => {
    const order: BcOrder = {
      ...base, currency_code: 'USD', default_currency_code: 'EUR',
      subtotal_ex_tax: '25.5000', shipping_cost_ex_tax: '4.0000', handling_cost_ex_tax: '1.0000', wrapping_cost_ex_tax: '2.0000',
      coupon_discount: '3.0000', discount_amount: '1.5000', total_ex_tax: '28.0000', total_tax: '2.8000', total_inc_tax: '30.8000',
    };
    const products = [
      product({ name: 'Mug', sku: 'MUG-1', quantity: 2, price_ex_tax: '10.0000', price_inc_tax: '11.0000', total_ex_tax: '20.0000', total_inc_tax: '22.0000' }),
      product({ id: 2, product_id: 0, name: 'Engraving (custom)', quantity: 1, price_ex_tax: '5.5000', price_inc_tax: '6.0500', total_ex_tax: '5.5000', total_inc_tax: '6.0500' }),
    ];
    const plan = orderToInvoice(order, products, { clientId: 501, coupons: [{ code: 'SAVE3' }] });
    assert.ok(plan.ok);
    assert.equal(plan.invoice.invoice_number, '218');
    assert.equal(plan.invoice.currency_code, 'EUR');
    assert.equal(plan.invoice.create_date, '2019-03-05');
    assert.deepEqual(plan.invoice.lines.map((l) => [l.name, l.qty, l.unit_cost.amount]), [
      ['Mug', '2', '10.00'], ['Engraving (custom)', '1', '5.50'], ['Shipping', '1', '4.00'], ['Handling', '1', '1.00'],
      ['Gift wrapping', '1', '2.00'], ['Coupon SAVE3', '1', '-3.00'], ['Discount', '1', '-1.50'], ['Tax', '1', '2.80'],
    ]);
    assert.ok(plan.invoice.lines.every((l) => l.unit_cost.code === 'EUR'));
    assert.equal(invoiceCents(plan.invoice.lines), 3080n);
    assert.equal(plan.roundingCents, 0n);
  });

  test('tax-exclusive with discounts reported tax-included: the ex-tax discount is what separates the charges from total_ex_tax', () => {
    // 2 × 249.99 + 12.50 shipping; a 10.00 coupon reported with its 8.875 % tax (10.89); tax on the discounted base.
    const order: BcOrder = {
      ...base, subtotal_ex_tax: '499.9800', shipping_cost_ex_tax: '12.5000', coupon_discount: '10.8900', discount_amount: '0.0000',
      total_ex_tax: '502.4800', total_tax: '44.5900', total_inc_tax: '547.0700',
    };
    const products = [product({ name: 'Tent', sku: 'TENT', quantity: 2, price_ex_tax: '249.9900', price_inc_tax: '272.1766', total_ex_tax: '499.9800', total_inc_tax: '544.3500' })];
    const plan = orderToInvoice(order, products, { clientId: 1, coupons: [{ code: 'TRAIL10' }] });
    assert.ok(plan.ok, plan.ok ? '' : plan.reason);
    assert.deepEqual(plan.invoice.lines.find((l) => l.name.startsWith('Coupon'))?.unit_cost.amount, '-10.00');
    assert.equal(invoiceCents(plan.invoice.lines), 54707n);
    // Coupon and manual discount together are split in proportion to what BigCommerce reported.
    const both = orderToInvoice({ ...order, coupon_discount: '5.4450', discount_amount: '5.4450' }, products, { clientId: 1 });
    assert.ok(both.ok);
    assert.deepEqual(both.invoice.lines.filter((l) => l.unit_cost.amount.startsWith('-')).map((l) => l.unit_cost.amount), ['-5.00', '-5.00']);
    // A discount "smaller" once tax is removed than reported is fine; one that would have to grow is not invented.
    const broken = orderToInvoice({ ...order, coupon_discount: '1.0000', total_inc_tax: '500.0000', total_ex_tax: '455.4100' }, products, { clientId: 1 });
    assert.equal(broken.ok, false);
  });

  test('tax-inclusive: inc-tax prices, no second tax line, sub-cent prices reconciled by a rounding line', () => {
    const order: BcOrder = {
      ...base, is_tax_inclusive_pricing: true, subtotal_inc_tax: '10.0000', shipping_cost_inc_tax: '5.0000', total_inc_tax: '15.0000', total_tax: '2.5000', total_ex_tax: '12.5000',
    };
    const plan = orderToInvoice(order, [product({ name: 'Sticker', quantity: 3, price_ex_tax: '2.7778', price_inc_tax: '3.3333', total_ex_tax: '8.3333', total_inc_tax: '10.0000' })], { clientId: 1 });
    assert.ok(plan.ok);
    assert.ok(!plan.invoice.lines.some((l) => l.name === 'Tax'));
    assert.equal(plan.roundingCents, 1n);
    assert.equal(invoiceCents(plan.invoice.lines), 1500n);
    assert.match(plan.invoice.notes, /include tax: 2\.50/);
  });

  test('figures that do not add up are refused with the reason, not papered over', () => {
    const order: BcOrder = { ...base, subtotal_ex_tax: '10.0000', total_ex_tax: '10.0000', total_tax: '0.0000', total_inc_tax: '15.0000' };
    const plan = orderToInvoice(order, [product({ name: 'Mug', quantity: 1, price_ex_tax: '10.0000', price_inc_tax: '10.0000', total_ex_tax: '10.0000', total_inc_tax: '10.0000' })], { clientId: 1 });
    assert.equal(plan.ok, false);
    assert.match(!plan.ok ? plan.reason : '', /10\.00 USD.*15\.00/);
  });
});

describe('which orders are invoiced', () => {
  const capture = { id: 1, event: 'capture', amount: 30.8, status: 'ok', method: 'credit_card' };
  test('paid status and a captured transaction', () => {
    assert.deepEqual(invoiceDecision({ status_id: 11 }, [capture]).invoice, true);
    assert.equal(invoiceDecision({ status_id: 2 }, [{ ...capture, event: 'purchase', method: 'gift_certificate' }]).invoice, true);
  });
  test('unpaid statuses, authorizations, failed captures and refunded-before-invoicing are skipped with a reason', () => {
    for (const status of [0, 1, 5, 6, 7, 12, 13]) {
      const d = invoiceDecision({ status_id: status }, [capture]);
      assert.equal(d.invoice, false);
      assert.match(!d.invoice ? d.reason : '', new RegExp(`status ${status}`));
    }
    assert.equal(invoiceDecision({ status_id: 11 }, [{ ...capture, event: 'authorization' }]).invoice, false);
    assert.equal(invoiceDecision({ status_id: 11 }, [{ ...capture, status: 'error' }]).invoice, false);
    assert.equal(invoiceDecision({ status_id: 4 }, [capture]).invoice, false);
    assert.equal(invoiceDecision({ status_id: 4 }, [capture], true).invoice, true);
  });
});

describe('money and dates', () => {
  test('4-decimal strings and floats become exact units; cents round half away from zero', () => {
    assert.equal(toMicros('12.3456'), 123456n);
    assert.equal(toMicros(12.34), 123400n);
    assert.equal(toMicros('-0.0050'), -50n);
    assert.equal(microsToAmount(toMicros('0.0050')), '0.01');
    assert.equal(microsToAmount(toMicros('-0.0050')), '-0.01');
    assert.equal(microsToAmount(toMicros('1234.5649')), '1234.56');
    assert.throws(() => toMicros('12,30'));
  });
  test('order date is the calendar date at the store offset', () => {
    assert.equal(orderDate('Tue, 05 Mar 2019 21:40:11 +0000'), '2019-03-05');
    assert.equal(orderDate('Thu, 20 Apr 2017 23:32:00 -0400'), '2017-04-20');
  });
});
