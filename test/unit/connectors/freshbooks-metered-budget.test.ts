import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeteredBudget, type PacingTally, type RequestBudget } from '../../../connectors/freshbooks';

/** A budget whose acquire takes as long as the test says, on a clock the test moves. */
function fakeBudget(clock: { t: number }, waits: number[]): RequestBudget & { paused: [string, number][] } {
  const paused: [string, number][] = [];
  return {
    paused,
    async acquire() { clock.t += waits.shift() ?? 0; return () => undefined; },
    pause(key, ms) { paused.push([key, ms]); },
  };
}

describe('MeteredBudget', () => {
  test('counts 429 pauses with their wait and acquisitions that waited, and passes both through', async () => {
    const clock = { t: 0 };
    const inner = fakeBudget(clock, [0, 250, 0.5, 1000]);
    const reports: PacingTally[] = [];
    const b = new MeteredBudget(inner, { report: async (t) => { reports.push(t); }, now: () => clock.t, reportAfterMs: 60_000 });
    for (let i = 0; i < 4; i++) await b.acquire('acct');
    b.pause('acct', 2000);
    b.pause('acct', 500);
    assert.deepEqual(inner.paused, [['acct', 2000], ['acct', 500]]);
    await b.flush();
    assert.deepEqual(reports, [{ rateLimited: { events: 2, seconds: 2.5 }, budgetWait: { events: 2, seconds: 1.25 } }]);
    await b.flush();
    assert.equal(reports.length, 1, 'nothing new, nothing reported');
  });

  test('a failed report is kept and sent with the next one', async () => {
    const clock = { t: 0 };
    let fail = true;
    const reports: PacingTally[] = [];
    const errors: unknown[] = [];
    const b = new MeteredBudget(fakeBudget(clock, []), {
      report: async (t) => { if (fail) throw new Error('db down'); reports.push(t); }, onReportError: (e) => errors.push(e), now: () => clock.t, reportAfterMs: 60_000,
    });
    b.pause('a', 1000);
    await b.flush();
    assert.equal(errors.length, 1);
    fail = false;
    b.pause('a', 1000);
    await b.flush();
    assert.deepEqual(reports, [{ rateLimited: { events: 2, seconds: 2 }, budgetWait: { events: 0, seconds: 0 } }]);
  });

  test('reports by itself shortly after an event', async () => {
    const reports: PacingTally[] = [];
    const b = new MeteredBudget(fakeBudget({ t: 0 }, []), { report: async (t) => { reports.push(t); }, reportAfterMs: 10 });
    b.pause('a', 100);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(reports.length, 1);
  });
});
