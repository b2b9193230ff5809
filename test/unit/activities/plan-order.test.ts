import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_FRESHBOOKS_ENTITIES } from '../../../common/freshbooks-entities';
import { largestFirst } from '../../../activities/sync';

describe('the sync plan reads the largest entities first', () => {
  test('the entities that span many pages open the three lanes; the first-pages activity\'s other two are one-page reference lists', () => {
    const plan = largestFirst(ALL_FRESHBOOKS_ENTITIES);
    assert.deepEqual(plan.slice(0, 3), ['journal_entry_details', 'invoices', 'payments']);
    assert.deepEqual(plan.slice(3, 5), ['accounts', 'expense_categories']);
    assert.ok(plan.indexOf('expenses') < plan.indexOf('services'), 'larger before smaller for the lanes as they free up');
  });

  test('only the order changes: every entity asked for, once', () => {
    const wanted = ALL_FRESHBOOKS_ENTITIES.filter((_, i) => i % 2 === 0);
    const plan = largestFirst(wanted);
    assert.deepEqual([...plan].sort(), [...wanted].sort());
    assert.deepEqual(largestFirst(plan), plan, 'ordering an ordered plan changes nothing');
  });
});
