#!/usr/bin/env bash
# Puts hyperd (the Hyper database server) and its licence files into DEST, taken from the pinned tableauhyperapi
# wheel on PyPI. Used by scripts/install-tools.sh (DEST=.tools/hyper) and the Dockerfile (DEST=/opt/hyper).
# The worker writes .hyper files by talking to hyperd over the PostgreSQL wire protocol, so nothing of Python is
# needed at run time. Only the binary (it needs nothing beside it but libc) and the wheel's licence files
# (Apache-2.0 LICENSE, NOTICES.txt, HYPER_API_OSS_disclosure.txt) are kept. Needs python3 with pip, and sha256sum.
# Usage: fetch-hyperd.sh DEST [WHEEL_CACHE_DIR]. Idempotent: nothing happens when DEST holds this version.
set -euo pipefail
HYPER_API_VERSION="0.0.26963"
HYPER_API_WHEEL_SHA256="35376f598c6fdfa52fe25769778f756e2daec1c124ff8f471b5e098cb9cf7863"  # manylinux2014_x86_64
DEST="$1"
WHEEL_DIR="${2:-$(dirname "$DEST")/cache/pypi}"

if [ -x "$DEST/hyperd" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$HYPER_API_VERSION" ]; then exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "[tools] hyperd: only the Linux x86_64 wheel is pinned here; set HYPERD_BIN to a hyperd of your own" >&2; exit 1 ;;
esac
WHEEL="$WHEEL_DIR/tableauhyperapi-$HYPER_API_VERSION-py3-none-manylinux2014_x86_64.whl"
if [ ! -f "$WHEEL" ] || ! echo "$HYPER_API_WHEEL_SHA256  $WHEEL" | sha256sum --check --status; then
  echo "[tools] tableauhyperapi $HYPER_API_VERSION wheel from PyPI (91 MB, for hyperd)" >&2
  mkdir -p "$WHEEL_DIR"
  rm -f "$WHEEL"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
    --dest "$WHEEL_DIR" "tableauhyperapi==$HYPER_API_VERSION"
  echo "$HYPER_API_WHEEL_SHA256  $WHEEL" | sha256sum --check --status || { echo "[tools] tableauhyperapi wheel: sha256 mismatch" >&2; exit 1; }
fi
mkdir -p "$(dirname "$DEST")"
STAGE="$(mktemp -d "$(dirname "$DEST")/.hyper.XXXXXX")"
python3 - "$WHEEL" "$STAGE" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    picks = {n: os.path.basename(n) for n in z.namelist()
             if (n.startswith("tableauhyperapi/bin/hyper/") and not n.endswith("/"))
             or (".dist-info/" in n and os.path.basename(n) in ("LICENSE", "NOTICES.txt", "HYPER_API_OSS_disclosure.txt"))}
    if "tableauhyperapi/bin/hyper/hyperd" not in picks:
        sys.exit("hyperd not found in the wheel")
    for name, base in picks.items():
        with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
chmod 755 "$STAGE" "$STAGE/hyperd"
echo "$HYPER_API_VERSION" > "$STAGE/VERSION"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
