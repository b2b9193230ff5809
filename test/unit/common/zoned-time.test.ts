import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instantToWallMs, wallToInstantMs } from '../../../common/zoned-time';
import { toNaiveSec } from '../../../sandbox/freshbooks/clock';

const HOUR = 3_600_000;

test('instant → Eastern wall time agrees with the sandbox\'s independent clock, every 15 minutes of 2027', () => {
  for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2028, 0, 1); t += 15 * 60_000) {
    assert.equal(instantToWallMs(t, 'America/New_York'), toNaiveSec(t, 'America/New_York') * 1000, new Date(t).toISOString());
  }
});

test('wall → instant → wall round-trips except inside the spring-forward gap', () => {
  for (let w = Date.UTC(2027, 0, 1); w < Date.UTC(2028, 0, 1); w += 30 * 60_000) {
    const inGap = w >= Date.UTC(2027, 2, 14, 2) && w < Date.UTC(2027, 2, 14, 3);
    const back = instantToWallMs(wallToInstantMs(w, 'America/New_York'), 'America/New_York');
    assert.equal(back, inGap ? w + HOUR : w, new Date(w).toISOString());
  }
});

test('the repeated fall-back hour resolves to its first (EDT) instant; UTC is identity', () => {
  assert.equal(new Date(wallToInstantMs(Date.UTC(2027, 10, 7, 1, 30), 'America/New_York')).toISOString(), '2027-11-07T05:30:00.000Z');
  assert.equal(new Date(wallToInstantMs(Date.UTC(2027, 2, 14, 2, 30), 'America/New_York')).toISOString(), '2027-03-14T07:30:00.000Z');
  assert.equal(wallToInstantMs(Date.UTC(2027, 10, 7, 1, 30), 'UTC'), Date.UTC(2027, 10, 7, 1, 30));
});
