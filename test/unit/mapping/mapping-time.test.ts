import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { easternWallToUtcIso, toUtcIso } from '../../../mapping/freshbooks';

describe('easternWallToUtcIso', () => {
  test('FreshBooks example from the Node SDK: EST in November', () => {
    assert.equal(easternWallToUtcIso('2019-11-14 11:27:45'), '2019-11-14T16:27:45.000Z');
  });

  test('summer wall time is EDT (UTC-4)', () => {
    assert.equal(easternWallToUtcIso('2024-07-01 12:00:00'), '2024-07-01T16:00:00.000Z');
  });

  test('spring forward: the last second before and the first after the gap', () => {
    assert.equal(easternWallToUtcIso('2024-03-10 01:59:59'), '2024-03-10T06:59:59.000Z');
    assert.equal(easternWallToUtcIso('2024-03-10 03:00:00'), '2024-03-10T07:00:00.000Z');
  });

  test('spring forward: 02:30 does not exist and is shifted forward to 03:30 EDT', () => {
    assert.equal(easternWallToUtcIso('2024-03-10 02:30:00'), '2024-03-10T07:30:00.000Z');
    assert.equal(easternWallToUtcIso('2024-03-10 02:00:00'), '2024-03-10T07:00:00.000Z');
  });

  test('fall back: 01:30 happens twice; the earlier (EDT) instant is chosen', () => {
    assert.equal(easternWallToUtcIso('2024-11-03 01:30:00'), '2024-11-03T05:30:00.000Z');
    assert.equal(easternWallToUtcIso('2024-11-03 01:00:00'), '2024-11-03T05:00:00.000Z');
  });

  test('fall back: unambiguous neighbours of the repeated hour', () => {
    assert.equal(easternWallToUtcIso('2024-11-03 00:59:59'), '2024-11-03T04:59:59.000Z');
    assert.equal(easternWallToUtcIso('2024-11-03 02:00:00'), '2024-11-03T07:00:00.000Z');
  });

  test('other years follow their own DST dates (2019: March 10, November 3)', () => {
    assert.equal(easternWallToUtcIso('2019-03-10 12:00:00'), '2019-03-10T16:00:00.000Z');
    assert.equal(easternWallToUtcIso('2019-03-09 12:00:00'), '2019-03-09T17:00:00.000Z');
  });

  test('rejects strings that carry an offset, and impossible or placeholder dates', () => {
    assert.throws(() => easternWallToUtcIso('2019-11-14T11:27:45Z'), RangeError);
    assert.throws(() => easternWallToUtcIso('0000-00-00 00:00:00'), RangeError);
    assert.throws(() => easternWallToUtcIso('2023-02-29 10:00:00'), RangeError);
    assert.throws(() => easternWallToUtcIso('2019-11-14'), RangeError);
    assert.throws(() => easternWallToUtcIso('yesterday'), RangeError);
  });

  test('accepts a leap day', () => {
    assert.equal(easternWallToUtcIso('2024-02-29 23:30:00'), '2024-03-01T04:30:00.000Z');
  });
});

describe('toUtcIso', () => {
  test('naive FreshBooks accounting time in America/New_York', () => {
    assert.equal(toUtcIso('2019-11-14 11:27:45', 'America/New_York'), '2019-11-14T16:27:45.000Z');
  });

  test('bills are naive UTC: the wall time is the UTC time', () => {
    assert.equal(toUtcIso('2021-09-01 15:30:29', 'UTC'), '2021-09-01T15:30:29.000Z');
  });

  test('ISO with Z or an offset ignores the zone argument', () => {
    assert.equal(toUtcIso('2020-10-17T13:14:07Z', 'America/New_York'), '2020-10-17T13:14:07.000Z');
    assert.equal(toUtcIso('2020-10-17T09:14:07-04:00', 'UTC'), '2020-10-17T13:14:07.000Z');
    assert.equal(toUtcIso('2020-10-17T18:44:07+0530', 'UTC'), '2020-10-17T13:14:07.000Z');
  });

  test('ISO without Z is wall time in the given zone', () => {
    assert.equal(toUtcIso('2020-10-17T13:14:07', 'UTC'), '2020-10-17T13:14:07.000Z');
    assert.equal(toUtcIso('2020-10-17T13:14:07', 'America/New_York'), '2020-10-17T17:14:07.000Z');
  });

  test('keeps milliseconds, and microseconds (ledger accounts send them)', () => {
    assert.equal(toUtcIso('2024-05-01T10:00:00.5Z', 'UTC'), '2024-05-01T10:00:00.500Z');
    assert.equal(toUtcIso('2024-05-01T10:00:00.123456Z', 'UTC'), '2024-05-01T10:00:00.123456Z');
  });

  test('offset crossing a day boundary', () => {
    assert.equal(toUtcIso('2024-12-31 22:30:00', 'America/New_York'), '2025-01-01T03:30:00.000Z');
  });

  test('rejects non-datetimes', () => {
    assert.throws(() => toUtcIso('', 'UTC'), RangeError);
    assert.throws(() => toUtcIso('2024-13-01 00:00:00', 'UTC'), RangeError);
    assert.throws(() => toUtcIso('2024-01-01 24:00:00', 'UTC'), RangeError);
  });
});
