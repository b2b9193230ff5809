import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  easternToUtcIso,
  parseFreshBooksTimestamp,
  utcToEasternDate,
  utcToEasternWall,
} from '../../connectors/freshbooks/time';

describe('FreshBooks time', () => {
  it('maps the Node SDK example (EST) to UTC', () => {
    assert.equal(easternToUtcIso('2019-11-14 11:27:45'), '2019-11-14T16:27:45.000Z');
  });

  it('maps summer times with the EDT offset', () => {
    assert.equal(easternToUtcIso('2019-11-25 15:43:26'), '2019-11-25T20:43:26.000Z');
    assert.equal(easternToUtcIso('2022-08-16 14:11:07'), '2022-08-16T18:11:07.000Z');
  });

  it('shifts a nonexistent spring-forward time forward (02:30 → 03:30 EDT)', () => {
    assert.equal(easternToUtcIso('2024-03-10 02:30:00'), '2024-03-10T07:30:00.000Z');
    // Either side of the gap is unambiguous.
    assert.equal(easternToUtcIso('2024-03-10 01:59:59'), '2024-03-10T06:59:59.000Z');
    assert.equal(easternToUtcIso('2024-03-10 03:00:00'), '2024-03-10T07:00:00.000Z');
  });

  it('reads an ambiguous fall-back time as the first (EDT) occurrence', () => {
    assert.equal(easternToUtcIso('2024-11-03 01:30:00'), '2024-11-03T05:30:00.000Z');
    assert.equal(easternToUtcIso('2024-11-03 00:59:59'), '2024-11-03T04:59:59.000Z');
    assert.equal(easternToUtcIso('2024-11-03 02:00:00'), '2024-11-03T07:00:00.000Z');
  });

  it('gives the Eastern calendar date of an instant, which differs from the UTC date in the evening', () => {
    assert.equal(utcToEasternDate(Date.parse('2024-07-01T03:59:59Z')), '2024-06-30');
    assert.equal(utcToEasternDate(Date.parse('2024-07-01T04:00:00Z')), '2024-07-01');
    assert.equal(utcToEasternDate(Date.parse('2024-01-01T04:59:59Z')), '2023-12-31');
    assert.equal(utcToEasternWall(Date.parse('2024-11-03T06:30:00Z')), '2024-11-03 01:30:00');
  });

  it('round-trips wall time for every hour of a DST year except the skipped one', () => {
    for (let ms = Date.parse('2024-01-01T00:00:00Z'); ms < Date.parse('2025-01-01T00:00:00Z'); ms += 3_600_000) {
      const wall = utcToEasternWall(ms);
      const back = Date.parse(easternToUtcIso(wall));
      // Fall-back repeats an hour: the second occurrence maps to the first, exactly one hour earlier.
      assert.ok(back === ms || back === ms - 3_600_000, `${wall} → ${new Date(back).toISOString()} (was ${new Date(ms).toISOString()})`);
    }
  });

  it('parses each FreshBooks timestamp flavour in the right zone', () => {
    assert.equal(parseFreshBooksTimestamp('2019-11-14 11:27:45', 'America/New_York'), '2019-11-14T16:27:45.000Z');
    assert.equal(parseFreshBooksTimestamp('2021-09-01 15:30:29', 'UTC'), '2021-09-01T15:30:29.000Z');
    assert.equal(parseFreshBooksTimestamp('2020-10-17T13:14:07', 'UTC'), '2020-10-17T13:14:07.000Z');
    assert.equal(parseFreshBooksTimestamp('2019-06-05T15:42:54Z', 'America/New_York'), '2019-06-05T15:42:54.000Z');
    assert.equal(parseFreshBooksTimestamp('2024-05-01T10:00:00.123456Z', 'UTC'), '2024-05-01T10:00:00.123Z');
    assert.equal(parseFreshBooksTimestamp('2024-05-01T10:00:00-04:00', 'UTC'), '2024-05-01T14:00:00.000Z');
    assert.equal(parseFreshBooksTimestamp('2024-05-01', 'America/New_York'), '2024-05-01T04:00:00.000Z');
  });

  it('rejects values that are not timestamps rather than guessing', () => {
    for (const bad of ['', 'yesterday', '2024-02-30 10:00:00', '2024-13-01', '2024-01-01 25:00:00']) {
      assert.throws(() => parseFreshBooksTimestamp(bad, 'America/New_York'), RangeError, bad);
    }
  });
});
