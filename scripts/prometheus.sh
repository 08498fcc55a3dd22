#!/usr/bin/env bash
# Makes a real Prometheus server (and promtool) available for the test-suite:
# Debian's `prometheus` package via apt-get (as root, or through passwordless sudo).
# Prints the directory holding the binaries. Exit 1 in CI when it cannot be installed;
# elsewhere a warning (the Prometheus tests then skip with that reason).
set -uo pipefail
have() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }
if ! have; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
  fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "prometheus.sh: installing Debian's prometheus package (apt-get)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -q --no-install-recommends prometheus >/tmp/mcp-llm-trace-apt.log 2>&1; then
      # An empty package index on a fresh machine: refresh it once and retry.
      $SUDO apt-get update -q >>/tmp/mcp-llm-trace-apt.log 2>&1
      $SUDO apt-get install -y -q --no-install-recommends prometheus >>/tmp/mcp-llm-trace-apt.log 2>&1
    fi
  fi
fi
if have; then
  # The package's service is not wanted: tests start their own server on a free port.
  dirname "$(command -v prometheus)"
  exit 0
fi
msg="prometheus.sh: no prometheus/promtool and apt-get is not usable here (see /tmp/mcp-llm-trace-apt.log)"
if [ "${CI:-}" = "true" ]; then
  echo "$msg — failing (CI must run the Prometheus tests)" >&2
  exit 1
fi
echo "$msg — the real-Prometheus tests will skip" >&2
exit 0
