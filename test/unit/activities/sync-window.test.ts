import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRESHBOOKS_ENTITIES } from '../../../common/freshbooks-entities';
import { incrementalFilterFor } from '../../../activities/sync-window';

describe('incrementalFilterFor', () => {
  const since = '2025-03-10T03:30:00.000Z';

  test('accounting lists: search[updated_min], the Eastern day a full day before the cursor', () => {
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.invoices, since), { updatedMin: '2025-03-08' });
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.bills, since), { updatedMin: '2025-03-09' }, 'bills compare in UTC');
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.other_incomes, since), { updatedMin: '2025-03-08' });
  });

  test('project-like lists: bare updated_since, UTC without Z, a day before the cursor', () => {
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.projects, since), { updatedSince: '2025-03-09T03:30:00' });
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.time_entries, since), { updatedSince: '2025-03-09T03:30:00' });
  });

  test('no filter without a cursor, nor for records re-read whole (ledger lines, services, credit notes)', () => {
    assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES.projects, undefined), {});
    for (const e of ['journal_entry_details', 'services', 'credit_notes', 'accounts'] as const) assert.deepEqual(incrementalFilterFor(FRESHBOOKS_ENTITIES[e], since), {});
  });
});
