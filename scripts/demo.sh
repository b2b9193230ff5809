#!/usr/bin/env bash
# Quick start, command 1: install (pinned) and run the service on embedded defaults with demo data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-tools.sh
source .tools/env
exec npx tsx scripts/demo.ts
