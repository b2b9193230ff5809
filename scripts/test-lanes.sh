#!/usr/bin/env bash
# Runs inside scripts/with-stack.ts (one Temporal dev server, BigQuery emulator and Postgres). Two lanes at
# once: the integration tests one file at a time, as they always ran, and beside them the unit tests,
# simulator self-tests and replay tests, which start no service of their own and mostly keep one core busy
# loading TypeScript while the integration lane waits on its stack. The side lane's TAP is printed after the
# integration lane's; each lane ends with its files' times (scripts/file-times-reporter.mjs) on stderr.
set -uo pipefail
shopt -s globstar nullglob
run() {
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 \
    --test-reporter=tap --test-reporter-destination=stdout --test-reporter=./scripts/file-times-reporter.mjs --test-reporter-destination=stderr \
    "$@"
}
SIDE_LOG="$(mktemp)"
trap 'rm -f "$SIDE_LOG"' EXIT
run "$@" test/unit/**/*.test.ts sandbox/**/*.test.ts test/replay/*.test.ts >"$SIDE_LOG" 2>&1 &
SIDE_PID=$!
run "$@" test/integration/*.test.ts
INTEGRATION=$?
wait "$SIDE_PID"
SIDE=$?
echo "# ---- unit, simulator and replay tests (run beside the integration tests) ----"
cat "$SIDE_LOG"
echo "[test] integration tests exit $INTEGRATION, unit/simulator/replay tests exit $SIDE" >&2
[ "$INTEGRATION" -eq 0 ] && [ "$SIDE" -eq 0 ]
