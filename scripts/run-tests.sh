#!/usr/bin/env bash
# Runs the whole pytest suite; fails when pytest collected no test (exit code 5)
# or when fewer tests ran than the floor below (protects against a broken collection).
set -uo pipefail
VENV="${VENV:-.venv}"
PHOENIX_VENV="${PHOENIX_VENV:-.venv-phoenix}"
export PHOENIX_VENV
export MCP_LLM_TRACE_STRICT="${MCP_LLM_TRACE_STRICT:-1}"
"$VENV/bin/python" -m pytest tests "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests — failing on purpose" >&2
  exit 1
fi
exit "$rc"
