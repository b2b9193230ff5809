import assert from 'node:assert/strict';

/** What sdk-core's LocalActivityMarkerData holds (coresdk.external_data.LocalActivityMarkerData). */
const MARKER_FIELDS = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time'];

interface MarkerPayload { metadata?: Record<string, unknown> | null; data?: unknown }

/**
 * A local activity's marker carries sdk-core's own record of the call (sequence, attempt, activity type, times) as
 * plain JSON, written by the worker's core beside the result (which is ours, and goes through the codec). Checks
 * that each such record holds those fields and nothing of ours (`forbidden`: ids, secrets), and returns the
 * payloads checked, for the caller to leave out of its "every payload is ciphertext" check. `text` reads a
 * payload's bytes: Uint8Array from the SDK, base64 in an exported JSON history.
 */
export function checkLocalActivityMarkers(events: unknown[], text: (bytes: unknown) => string, forbidden: string[]): Set<MarkerPayload> {
  const checked = new Set<MarkerPayload>();
  for (const e of events as { markerRecordedEventAttributes?: { markerName?: string | null; details?: Record<string, { payloads?: MarkerPayload[] | null }> | null } | null }[]) {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') continue;
    for (const p of m.details?.data?.payloads ?? []) {
      assert.equal(text(p.metadata?.encoding), 'json/plain');
      const body = text(p.data);
      const fields = JSON.parse(body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(fields).filter((k) => !MARKER_FIELDS.includes(k)), [], `marker fields ${Object.keys(fields)}`);
      for (const f of forbidden) assert.ok(f && !body.includes(f), 'nothing of ours in a marker');
      checked.add(p);
    }
  }
  return checked;
}
