#!/usr/bin/env bash
# Runs inside scripts/with-stack.ts (one Temporal dev server, BigQuery emulator and Postgres), in two lanes
# at once. The integration tests, one file at a time as they always ran; and beside them the unit tests,
# simulator self-tests and replay tests, which mostly keep one core busy loading TypeScript while the
# integration lane waits on its stack, plus SIDE_INTEGRATION below. The side lane's TAP is printed after the
# integration lane's; each lane ends with its files' times (scripts/file-times-reporter.mjs) on stderr.
set -uo pipefail
shopt -s globstar nullglob
run() {
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 \
    --test-reporter=tap --test-reporter-destination=stdout --test-reporter=./scripts/file-times-reporter.mjs --test-reporter-destination=stderr \
    "$@"
}
# Integration files that spend their time waiting (an outage held for a minute, retries backing off) rather
# than working, with nothing shared but the stack: beside the others, not in their queue. Each has a store
# hash and task queue of its own (order workflow ids are global to the namespace).
SIDE_INTEGRATION=(test/integration/fault-destination-outage.test.ts)
INTEGRATION_FILES=()
for f in test/integration/*.test.ts; do
  [[ " ${SIDE_INTEGRATION[*]} " == *" $f "* ]] || INTEGRATION_FILES+=("$f")
done
# The connection workflow's time-skipping tests stay in the integration lane: under a second busy lane their
# test server was seen sleeping the skipped minutes in real time (two minutes for one test).
MAIN_UNIT=(test/unit/workflows/connection-workflow.test.ts)
SIDE_UNIT=()
for f in test/unit/**/*.test.ts; do
  [[ " ${MAIN_UNIT[*]} " == *" $f "* ]] || SIDE_UNIT+=("$f")
done
SIDE_LOG="$(mktemp)"
trap 'rm -f "$SIDE_LOG"' EXIT
run "$@" "${SIDE_UNIT[@]}" sandbox/**/*.test.ts test/replay/*.test.ts "${SIDE_INTEGRATION[@]}" >"$SIDE_LOG" 2>&1 &
SIDE_PID=$!
run "$@" "${MAIN_UNIT[@]}" "${INTEGRATION_FILES[@]}"
INTEGRATION=$?
wait "$SIDE_PID"
SIDE=$?
echo "# ---- unit, simulator and replay tests (run beside the integration tests) ----"
cat "$SIDE_LOG"
echo "[test] integration tests exit $INTEGRATION, unit/simulator/replay tests exit $SIDE" >&2
[ "$INTEGRATION" -eq 0 ] && [ "$SIDE" -eq 0 ]
