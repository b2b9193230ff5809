import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure, type Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { castFailures } from '../../../activities/failure-casting';
import { OrderRefusedError } from '../../../activities/order-steps';
import { BigCommerceApiError, BigCommerceRateLimitedError } from '../../../connectors/bigcommerce';
import { SchemaConflictError } from '../../../connectors/bigquery';
import { FreshBooksApiError } from '../../../connectors/freshbooks';
import { PowerBiRequestError } from '../../../connectors/powerbi';
import { FAILURES, NON_RETRYABLE_FAILURES } from '../../../contracts/failures';

/** What an activity of this type throws once the worker's interceptor has seen `err`. */
async function thrownBy(activityType: string, err: unknown): Promise<unknown> {
  const { inbound } = castFailures({ info: { activityType } } as unknown as Context);
  if (!inbound?.execute) return err;
  try {
    await inbound.execute({ args: [] } as unknown as ActivityExecuteInput, async () => { throw err; });
  } catch (thrown) {
    return thrown;
  }
  assert.fail('the failure was swallowed');
}

async function castTo(activityType: string, err: unknown): Promise<ApplicationFailure> {
  const thrown = await thrownBy(activityType, err);
  assert.ok(thrown instanceof ApplicationFailure, `${String(thrown)} is an ApplicationFailure`);
  return thrown;
}

describe('the activity interceptor that casts connector errors', () => {
  test('a connector error becomes its failure type, non-retryable exactly when the type says so', async () => {
    const rejected = await castTo('syncPages', new PowerBiRequestError({ status: 400, message: 'bad rows' }));
    assert.deepEqual([rejected.type, rejected.nonRetryable, rejected.message], ['DestinationRejected', true, 'bad rows']);
    const auth = await castTo('ensureStoreHooks', new BigCommerceApiError(403, 'scope missing'));
    assert.deepEqual([auth.type, auth.nonRetryable], ['SourceAuth', true]);
    const limited = await castTo('readOrder', new BigCommerceRateLimitedError('quota', 250));
    assert.deepEqual([limited.type, limited.nonRetryable, limited.nextRetryDelay], ['RateLimited', false, 1000]);
    const refused = await castTo('ensureInvoice', new OrderRefusedError('totals do not add up'));
    assert.deepEqual([refused.type, refused.nonRetryable], ['OrderRefused', true]);
    // A BigQuery column of another type waits for a person; it used to be retried (its error's name is
    // 'SchemaConflictError', which no failure type matched).
    const conflict = await castTo('syncPages', new SchemaConflictError('invoices', 'amount', 'STRING', 'NUMERIC'));
    assert.deepEqual([conflict.type, conflict.nonRetryable], ['SchemaConflict', true]);
  });

  test('activities that never cast for themselves are cast too (one place for all)', async () => {
    const f = await castTo('loadSyncPlan', new FreshBooksApiError({ status: 422, message: 'invalid' }));
    assert.deepEqual([f.type, f.nonRetryable], ['FreshBooksRejected', true]);
  });

  test('errors it does not know, and failures already typed, pass through untouched', async () => {
    const plain = new Error('socket hang up');
    assert.equal(await thrownBy('syncPages', plain), plain);
    const typed = ApplicationFailure.nonRetryable('gone', 'ConnectionNotFound');
    assert.equal(await thrownBy('syncPages', typed), typed);
  });

  test("the credential workflow's activities are left to retry whatever the token endpoint says", async () => {
    const err = new FreshBooksApiError({ status: 422, message: 'token endpoint failed' });
    assert.equal(await thrownBy('refreshFreshBooksGrant', err), err);
  });

  test("the workflows' non-retryable list holds every type their three hand-kept lists held, and no retryable one", () => {
    const before = [
      'NeedsReauth', 'SchemaMismatch', 'InvalidServiceAccountKey', 'SchemaConflict', 'ConnectionNotFound', 'DestinationRejected', 'DestinationAuth',
      'OrderRefused', 'FreshBooksRejected', 'SourceRejected', 'SourceAuth',
    ];
    // Added since: a Tableau PAT expired or revoked waits for a new one (PUT …/tableau-pat), never retried.
    const added = ['DestinationReauth'];
    assert.deepEqual([...NON_RETRYABLE_FAILURES].sort(), [...before, ...added].sort());
    for (const t of NON_RETRYABLE_FAILURES) assert.equal(FAILURES[t].retryable, false);
  });
});
