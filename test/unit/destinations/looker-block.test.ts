import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookerBlockInput } from '../../../destinations/looker-block';
import { announcePlan } from '../../../destinations/plan';
import { destinationModule } from '../../../destinations/registry';

const block = { baseUrl: 'https://example.cloud.looker.com', clientId: 'id', clientSecret: 'secret', datagroups: ['finance::etl'] };
const bq = { type: 'bigquery' as const, projectId: 'my-project', datasetId: 'fb', location: 'US', tables: {}, credentialId: 'cred_1' };

describe('the looker block', () => {
  it('defaults the window to 60 s and refuses names that are not model::datagroup', () => {
    assert.equal(lookerBlockInput.parse(block).windowSec, 60);
    const bad = lookerBlockInput.safeParse({ ...block, datagroups: ['etl'] });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['datagroups', 0]);
    assert.equal(lookerBlockInput.safeParse({ ...block, windowSec: 0 }).success, false);
  });

  it('BigQuery takes it as an optional part of its input', () => {
    const input = destinationModule('bigquery').input;
    const { credentialId: _, ...entered } = bq;
    assert.equal(input.safeParse({ ...entered, serviceAccountKey: '{}', looker: block }).success, true);
    assert.equal(input.safeParse({ ...entered, serviceAccountKey: '{}' }).success, true);
    assert.equal(input.safeParse({ ...entered, serviceAccountKey: '{}', looker: { ...block, extra: 1 } }).success, false);
  });

  it('the plan announces only for a config with a block, at its window, without naming Looker to the workflow', () => {
    const looker = { baseUrl: block.baseUrl, clientId: 'id', credentialId: 'cred_2', datagroups: [{ name: 'finance::etl', id: '7' }], windowSec: 15 };
    assert.deepEqual(announcePlan({ ...bq, looker }), { windowSec: 15 });
    assert.equal(announcePlan(bq), undefined);
    assert.equal(destinationModule('powerbi').afterDelivery, undefined);
  });
});
