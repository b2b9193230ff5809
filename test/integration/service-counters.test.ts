import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from '../../db/migrate';
import { createPool, type Db } from '../../db/pool';
import { ServiceCounters } from '../../db/service-counters';
import { freshDatabase, infrastructure, stopOwnStack } from '../support/harness';

/**
 * Every delivery adds to the same counter row, so a worker's concurrent deliveries used to queue on that row's
 * lock, each upsert waiting for the one before it to commit. Adds made meanwhile now go as one summed statement.
 */
describe('service counters: concurrent adds (real Postgres)', () => {
  let db: Db;
  before(async () => {
    const infra = await infrastructure();
    db = createPool(await freshDatabase(infra.databaseUrl), 4);
    await migrate(db);
  });
  after(async () => {
    await db?.end();
    await stopOwnStack();
  });

  test('a hundred adds at once are stored whole, in a few statements, each resolving once its delta is stored', async () => {
    let statements = 0;
    const counted = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (...args: Parameters<Db['query']>) => { statements += 1; return (target.query as (...a: unknown[]) => unknown)(...args); };
      },
    });
    const counters = new ServiceCounters(counted);
    const totalOf = async (metric: string, label: string) => (await counters.totals()).find((t) => t.metric === metric && t.label === label);

    await Promise.all(Array.from({ length: 100 }, (_, i) => counters.add([
      { metric: 'records_delivered', label: i % 2 ? 'powerbi' : 'bigquery', events: 1 },
      // The same row twice in one add: the upsert may touch it once, so the deltas are summed first.
      { metric: 'freshbooks_budget_wait', events: 1, seconds: 0.5 },
      { metric: 'freshbooks_budget_wait', events: 1, seconds: 0.25 },
    ]).then(async () => {
      // Resolved: this add's delta is in the table already.
      assert.ok((await db.query(`SELECT events FROM service_counters WHERE metric = 'freshbooks_budget_wait'`)).rows[0].events >= 2);
    })));
    const writes = statements; // the checks above go straight to the pool
    assert.ok(writes >= 1 && writes <= 10, `100 concurrent adds took ${writes} statements`);
    assert.equal((await totalOf('records_delivered', 'powerbi'))?.events, 50);
    assert.equal((await totalOf('records_delivered', 'bigquery'))?.events, 50);
    const wait = await totalOf('freshbooks_budget_wait', '');
    assert.equal(wait?.events, 200);
    assert.equal(wait?.seconds, 75);
    // Nothing with no events nor seconds is written.
    const before = statements;
    await counters.add([{ metric: 'records_delivered', label: 'powerbi', events: 0 }]);
    assert.equal(statements, before);
  });
});
