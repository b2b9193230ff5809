#!/usr/bin/env bash
# The whole test suite: unit, integration (real Temporal dev server, real Postgres, sandboxes,
# BigQuery emulator) and replay tests. Installs what it needs first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-tools.sh
source .tools/env
# The workflow bundle, webpacked once for every test file and child worker (test/support/workflow-bundle.ts),
# while the type check runs (each keeps one core busy).
BUNDLE_DIR="$(mktemp -d)"
trap 'rm -rf "$BUNDLE_DIR"' EXIT
npx tsx scripts/build-workflow-bundle.ts "$BUNDLE_DIR/workflow-bundle.js" >/dev/null &
BUNDLE_PID=$!
npx tsc --noEmit -p .
# Import rules (.dependency-cruiser.cjs): no cycles, nothing imports upward.
npm run --silent check:deps
# Unit tests mirror the source (test/unit/<folder>/); each simulator's self-tests sit beside it.
wait "$BUNDLE_PID" || { echo "[test] building the workflow bundle failed" >&2; exit 1; }
export TEST_WORKFLOW_BUNDLE="$BUNDLE_DIR/workflow-bundle.js"
npx tsx scripts/with-stack.ts bash scripts/test-lanes.sh "$@"
