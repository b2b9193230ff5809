import { defaultGrpcRetryOptions, type GrpcRetryOptions } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';

type GrpcStatus = Parameters<GrpcRetryOptions['delayFunction']>[1];

const RESOURCE_EXHAUSTED = 8;
const RESOURCE_EXHAUSTED_FAILURE = 'type.googleapis.com/temporal.api.errordetails.v1.ResourceExhaustedFailure';
const { RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW } = temporal.api.enums.v1.ResourceExhaustedCause;

/** A busy workflow is retried from this interval, ×BUSY_FACTOR each attempt, up to BUSY_MAX_MS. */
const BUSY_FIRST_MS = 50;
const BUSY_FACTOR = 1.3;
const BUSY_MAX_MS = 500;
/** ~16 s of retries in all: a close takes as long as the run's replay (below a second); longer means something else is wrong. */
const BUSY_MAX_ATTEMPTS = 40;

/**
 * The client's retry policy, the SDK's default but for one case. When a run's continue-as-new is refused
 * because a signal overtook it (UNHANDLED_COMMAND), Temporal refuses further signals to that workflow until
 * the close goes through (RESOURCE_EXHAUSTED, cause BUSY_WORKFLOW, "workflow is closing"; temporalio/temporal
 * #8097), typically for a few hundred milliseconds. The default treats every RESOURCE_EXHAUSTED as overload and
 * waits 1.7 s, then 2.9 s: webhook changes signalled to a busy connection at that moment waited 2–5 s
 * (bench/looker.ts; bench/closing-signals.ts at 40 signals/s: 38–117 of 1,201 signals over 1 s). That refusal concerns one
 * workflow, not the cluster, so it is retried soon and often; overload keeps the default's long backoff.
 */
export function serviceRetryOptions(): GrpcRetryOptions {
  const fallback = defaultGrpcRetryOptions();
  return {
    delayFunction(attempt, status) {
      if (!isBusyWorkflow(status)) return fallback.delayFunction(attempt, status);
      return Math.min(BUSY_MAX_MS, BUSY_FIRST_MS * BUSY_FACTOR ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
    },
    retryableDecider(attempt, status) {
      if (isBusyWorkflow(status)) return attempt < BUSY_MAX_ATTEMPTS;
      return fallback.retryableDecider(attempt, status);
    },
  };
}

/** RESOURCE_EXHAUSTED whose details (google.rpc.Status in `grpc-status-details-bin`) name a busy workflow. */
export function isBusyWorkflow(status: Pick<GrpcStatus, 'code' | 'metadata'>): boolean {
  if (status.code !== RESOURCE_EXHAUSTED) return false;
  const raw = status.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return false;
  try {
    return google.rpc.Status.decode(raw).details.some((d) => d.type_url === RESOURCE_EXHAUSTED_FAILURE && !!d.value
      && temporal.api.errordetails.v1.ResourceExhaustedFailure.decode(d.value).cause === RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW);
  } catch {
    return false;
  }
}
