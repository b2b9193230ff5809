import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseDecimal } from '../../../mapping/freshbooks';

describe('normaliseDecimal', () => {
  test('keeps FreshBooks amounts exactly as written', () => {
    assert.equal(normaliseDecimal('1222.00'), '1222.00');
    assert.equal(normaliseDecimal('0.10'), '0.10');
    assert.equal(normaliseDecimal('0.20'), '0.20');
  });

  test('never goes through a float: digits beyond double precision survive', () => {
    assert.equal(normaliseDecimal('12345678901234567890.12'), '12345678901234567890.12');
    assert.equal(normaliseDecimal('0.000000001'), '0.000000001');
  });

  test('tidies sign, leading zeros and bare points', () => {
    assert.equal(normaliseDecimal('+5'), '5');
    assert.equal(normaliseDecimal('007.50'), '7.50');
    assert.equal(normaliseDecimal('.5'), '0.5');
    assert.equal(normaliseDecimal('5.'), '5');
    assert.equal(normaliseDecimal('-0.00'), '0.00');
    assert.equal(normaliseDecimal(' -12.5 '), '-12.5');
  });

  test('accepts JSON numbers FreshBooks sends for some fields (bill line quantity)', () => {
    assert.equal(normaliseDecimal(10), '10');
    assert.equal(normaliseDecimal(0.5), '0.5');
  });

  test('trailing zeros past NUMERIC scale are dropped; other extra digits are refused, not rounded', () => {
    assert.equal(normaliseDecimal('1.1000000000000'), '1.100000000');
    assert.equal(normaliseDecimal('1.0000000001'), null);
  });

  test('refuses what is not a plain decimal or does not fit NUMERIC', () => {
    for (const bad of ['', ' ', 'abc', '1,000.00', '1e3', '--1', '.', '1.2.3', 'NaN']) {
      assert.equal(normaliseDecimal(bad), null, bad);
    }
    assert.equal(normaliseDecimal('1'.repeat(30)), null);
    assert.equal(normaliseDecimal(1e21), null);
    assert.equal(normaliseDecimal(Number.NaN), null);
    assert.equal(normaliseDecimal(null), null);
    assert.equal(normaliseDecimal(undefined), null);
    assert.equal(normaliseDecimal({ amount: '1.00' }), null);
  });
});
