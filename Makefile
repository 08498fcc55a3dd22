# mcp-llm-trace — every target sets itself up (virtualenvs included) on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PHOENIX_VENV ?= .venv-phoenix
STAMP  := $(VENV)/.installed
export PHOENIX_VENV

.PHONY: demo test test-fast lint typecheck bench scrub-eval phoenix phoenix-venv prometheus-server notebooks clean install soak

$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e '.[all]' -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

phoenix-venv:
	bash scripts/phoenix-venv.sh $(PHOENIX_VENV)

## A real Prometheus server + promtool for the dashboard/alert tests (Debian package via apt).
prometheus-server:
	bash scripts/prometheus.sh >/dev/null

## The offline demo: writes OTLP/JSON lines under ./traces/ and prints a summary.
demo: $(STAMP)
	$(VENV)/bin/mcp-llm-trace demo

LINT_PATHS := src tests $(wildcard examples scripts)

lint: $(STAMP)
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)
	$(PY) -m mypy

typecheck: $(STAMP)
	$(PY) -m mypy

## The whole suite: lint + types + unit + integration (real OTLP receivers, Phoenix, Prometheus, MCP) + notebooks.
test: $(STAMP) phoenix-venv prometheus-server
	$(MAKE) --no-print-directory lint
	bash scripts/run-tests.sh

## Unit tests only (no Phoenix).
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit -q

## Issue 17 outage soak: 4,000 spans at 200/s, 30 s of 503/UNAVAILABLE + Retry-After: 1,
## 10 runs per protocol (HTTP, gRPC) with a CPU-bound neighbour (~30 min).
soak: $(STAMP)
	$(PY) -m tests.support.outage_scenario soak --runs $${SOAK_RUNS:-10} --out soak-results.json

bench: $(STAMP)
	$(PY) -m tests.benchmarks.run --out bench-results.json --doc docs/performance.md

## Issue 18: leak/damage per family of the default scrubber on the external corpus
## (tests/corpus/external); rewrites the recall table in docs/privacy.md.
scrub-eval: $(STAMP)
	$(PY) -m tests.corpus.external.build --check
	$(PY) -m tests.corpus.external.evaluate --repeats 5 --markdown

phoenix: $(STAMP) phoenix-venv
	$(VENV)/bin/mcp-llm-trace phoenix serve

clean:
	rm -rf $(VENV) $(PHOENIX_VENV) traces build dist .mypy_cache .ruff_cache
