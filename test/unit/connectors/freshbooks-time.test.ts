import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utcToEasternDate } from '../../../connectors/freshbooks/time';

// Timestamp parsing and the DST edge cases are tested in mapping-time and zoned-time.
describe('FreshBooks filter date', () => {
  it('gives the Eastern calendar date of an instant, which differs from the UTC date in the evening', () => {
    assert.equal(utcToEasternDate(Date.parse('2024-07-01T03:59:59Z')), '2024-06-30');
    assert.equal(utcToEasternDate(Date.parse('2024-07-01T04:00:00Z')), '2024-07-01');
    assert.equal(utcToEasternDate(Date.parse('2024-01-01T04:59:59Z')), '2023-12-31');
    assert.equal(utcToEasternDate(Date.parse('2024-11-03T06:30:00Z')), '2024-11-03');
  });
});
