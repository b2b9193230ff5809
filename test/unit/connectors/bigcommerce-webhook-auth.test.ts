import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sameSecret, verifyStandardWebhook } from '../../../connectors/bigcommerce';
import { signStandardWebhook } from '../../../sandbox/bigcommerce';
import { capturesToRecord, paymentType, refundsToApply } from '../../../mapping/bigcommerce';

describe('BigCommerce webhook authenticity', () => {
  const secret = 'client-secret-of-the-api-account';
  const body = '{"scope":"store/order/updated","data":{"type":"order","id":250}}';
  const now = 1_760_000_000;

  test('the custom header must match exactly', () => {
    assert.ok(sameSecret('abc', 'abc'));
    assert.ok(!sameSecret('abd', 'abc'));
    assert.ok(!sameSecret('abcd', 'abc'));
    assert.ok(!sameSecret(undefined, 'abc'));
  });

  test('Standard Webhooks: id.timestamp.body, keyed with the client secret, 5 minutes of tolerance', () => {
    const sig = signStandardWebhook(secret, 'msg_1', now, body);
    assert.ok(verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now), signature: sig }, body, now));
    assert.ok(verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now), signature: `v1,AAAA ${sig}` }, body, now + 299), 'any listed signature');
    assert.ok(!verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now), signature: sig }, body, now + 301), 'too old');
    assert.ok(!verifyStandardWebhook(secret, { id: 'msg_2', timestamp: String(now), signature: sig }, body, now), 'another id');
    assert.ok(!verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now), signature: sig }, `${body} `, now), 'the raw bytes, not re-serialized JSON');
    assert.ok(!verifyStandardWebhook('other', { id: 'msg_1', timestamp: String(now), signature: sig }, body, now));
    assert.ok(!verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now), signature: sig.replace('v1,', 'v2,') }, body, now));
    assert.ok(!verifyStandardWebhook(secret, { id: 'msg_1', timestamp: String(now) }, body, now));
  });
});

describe('BigCommerce tenders and refunds → FreshBooks', () => {
  test('one payment per ok purchase/capture, as exact 2-decimal strings; authorizations, voids, errors and refunds are not payments', () => {
    const lines = capturesToRecord([
      { id: 12, event: 'capture', method: 'credit_card', amount: 70.1, status: 'ok', gateway: 'stripe', date_created: '2026-11-20T10:00:00+00:00' },
      { id: 10, event: 'authorization', method: 'credit_card', amount: 70.1, status: 'ok' },
      { id: 11, event: 'purchase', method: 'gift_certificate', amount: 25, status: 'ok', gateway: 'giftcertificate', currency: 'USD' },
      { id: 13, event: 'purchase', method: 'credit_card', amount: 5, status: 'error' },
      { id: 14, event: 'refund', method: 'credit_card', amount: 5, status: 'ok' },
    ], 'USD');
    assert.deepEqual(lines.map((l) => [l.transactionId, l.amount, l.method]), [['11', '25.00', 'gift_certificate'], ['12', '70.10', 'credit_card']]);
    assert.equal(lines[1]!.date, '2026-11-20');
  });

  test('payment types: cards, PayPal, offline tenders, gift certificates and store credit', () => {
    assert.equal(paymentType({ method: 'credit_card', gateway: 'stripe' }), 'Credit Card');
    assert.equal(paymentType({ method: 'electronic_wallet', gateway: 'paypalexpress' }), 'PayPal');
    assert.equal(paymentType({ method: 'offline', gateway: 'bankdeposit' }), 'Bank Transfer');
    assert.equal(paymentType({ method: 'offline', gateway: 'cheque' }), 'Check');
    assert.equal(paymentType({ method: 'gift_certificate', gateway: 'giftcertificate' }), 'Other');
    assert.equal(paymentType({ method: 'store_credit', gateway: 'storecredit' }), 'Other');
  });

  test('refunds in BigCommerce order, each once; a refund the gateway declined is marked so', () => {
    const r = refundsToApply([
      { id: 9, total_amount: 10.5, total_tax: 0.5, created: '2026-11-21T00:00:00Z', payments: [{ amount: 10.5, is_declined: true }] },
      { id: 7, total_amount: 21, total_tax: 1, created: '2026-11-20T00:00:00Z', reason: 'damaged', payments: [{ amount: 21, is_declined: false }] },
    ], 'CAD');
    assert.deepEqual(r.map((x) => [x.refundId, x.amount, x.tax, x.declined]), [[7, '21.00', '1.00', false], [9, '10.50', '0.50', true]]);
    assert.equal(r[0]!.currency, 'CAD');
  });
});
