#!/usr/bin/env bash
# Creates (once) the separate virtualenv that holds the Arize Phoenix *server*.
# The server is Elastic-2.0 licensed and ~850 MB: it is never a dependency of the SDK,
# only a tool for the demo, the integration tests and the notebooks.
# Usage: scripts/phoenix-venv.sh [VENV_DIR]   (default: .venv-phoenix)
set -euo pipefail
PY="${PYTHON:-python3}"
VENV="${1:-${PHOENIX_VENV:-.venv-phoenix}}"
PHOENIX_SPEC="${PHOENIX_SPEC:-arize-phoenix==20.26.1}"
STAMP="$VENV/.installed-$(echo "$PHOENIX_SPEC" | tr -c 'A-Za-z0-9._-' '_')"
if [ -f "$STAMP" ]; then
  exit 0
fi
echo "[phoenix-venv] creating $VENV with $PHOENIX_SPEC (one-time, ~1 min)" >&2
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q -U pip >&2
"$VENV/bin/pip" install -q "$PHOENIX_SPEC" >&2
touch "$STAMP"
echo "[phoenix-venv] ready: $VENV/bin/phoenix" >&2
