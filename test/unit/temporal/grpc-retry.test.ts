import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGrpcRetryOptions, type GrpcRetryOptions } from '@temporalio/client';
import { isBusyWorkflow, serviceRetryOptions } from '../../../temporal/grpc-retry';

type GrpcStatus = Parameters<GrpcRetryOptions['delayFunction']>[1];

/**
 * `grpc-status-details-bin` as the Temporal dev server (CLI 1.5) sent it to a signal that met a run whose
 * continue-as-new had just been refused (bench/closing-signals.ts): google.rpc.Status carrying a
 * ResourceExhaustedFailure with cause BUSY_WORKFLOW (5), scope NAMESPACE.
 */
const CLOSING_DETAILS = 'CAgSQXdvcmtmbG93IG9wZXJhdGlvbiBjYW4gbm90IGJlIGFwcGxpZWQgYmVjYXVzZSB3b3JrZmxvdyBpcyBjbG9zaW5nGlEKSXR5cGUuZ29vZ2xlYXBpcy5jb20vdGVtcG9yYWwuYXBpLmVycm9yZGV0YWlscy52MS5SZXNvdXJjZUV4aGF1c3RlZEZhaWx1cmUSBAgFEAE=';
/** The same refusal with cause RPS_LIMIT (1): overload, not one workflow. The cause is the third byte from the end. */
const RATE_LIMITED_DETAILS = (() => {
  const bytes = Buffer.from(CLOSING_DETAILS, 'base64');
  bytes[bytes.length - 3] = 1;
  return bytes.toString('base64');
})();

function status(code: number, details?: string): GrpcStatus {
  const values = details ? [Buffer.from(details, 'base64')] : [];
  return { code, details: 'workflow operation can not be applied because workflow is closing', metadata: { get: () => values } } as unknown as GrpcStatus;
}

test('a workflow closing after a refused continue-as-new is recognised from the status details', () => {
  assert.equal(isBusyWorkflow(status(8, CLOSING_DETAILS)), true);
  assert.equal(isBusyWorkflow(status(8, RATE_LIMITED_DETAILS)), false);
  assert.equal(isBusyWorkflow(status(8)), false);
  assert.equal(isBusyWorkflow(status(14, CLOSING_DETAILS)), false);
  assert.equal(isBusyWorkflow(status(8, Buffer.from('not a status').toString('base64'))), false);
});

test('a busy workflow is retried within tens of milliseconds and for longer; overload keeps the SDK default', () => {
  const ours = serviceRetryOptions();
  const sdk = defaultGrpcRetryOptions();
  const busy = status(8, CLOSING_DETAILS);
  const overload = status(8, RATE_LIMITED_DETAILS);
  assert.ok(ours.delayFunction(1, busy) <= 60, 'first retry of a busy workflow');
  assert.ok(sdk.delayFunction(1, busy) >= 1_300, 'the SDK waits 1.7 s (±20 %) for the same status');
  for (let attempt = 1; attempt < 40; attempt++) assert.ok(ours.delayFunction(attempt, busy) <= 600);
  assert.equal(ours.retryableDecider(20, busy), true);
  assert.equal(sdk.retryableDecider(20, busy), false);
  assert.equal(ours.retryableDecider(40, busy), false);
  assert.ok(ours.delayFunction(1, overload) >= 1_300);
  assert.equal(ours.retryableDecider(10, overload), false);
});
