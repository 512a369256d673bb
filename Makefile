# Zwrotnica: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt functions/requirements.txt | cksum | cut -d' ' -f1)

.PHONY: help venv checkov browser axe openapi run demo cli test unit integration crash-points lint format template bench cold load screenshots build deploy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt functions/requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## create the virtualenv and install everything (runs by itself when needed)

CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV): requirements-checkov.txt
	@test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

checkov: $(CHECKOV) ## the IaC scanner in its own venv (it pins its own boto3 and pydantic)

browser: ## Debian's Chromium for the browser tests (Playwright drives it; no browser downloads)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	@touch $@

axe: $(AXE) ## axe-core for the accessibility tests (npm ci from package-lock.json; read from disk at test time)

run: venv ## start the whole system locally: moto (AWS), the API on :3000, the sweeper
	PYTHONPATH=functions:. $(PY) -m infra.local.run

demo: venv ## play an order's life against `make run` (in a second terminal)
	PYTHONPATH=functions:. $(PY) -m infra.local.demo

cli: venv ## the operator CLI, e.g. make cli ARGS="--local tickets list --breached" (python -m infra.cli --help)
	@PYTHONPATH=functions:. $(PY) -m infra.cli $(ARGS)

# The layer contracts in pyproject.toml ([tool.importlinter]); a broken one fails the target.
LINT_IMPORTS := PYTHONPATH=functions $(VENV)/bin/lint-imports --no-cache --no-logo

test: venv browser checkov $(AXE) ## lint and the layer contracts, then every test (unit, integration on moto, browser, template checks)
	$(VENV)/bin/ruff check .
	$(LINT_IMPORTS)
	$(PY) -m pytest

unit: venv ## pure-rule tests only (no AWS)
	$(PY) -m pytest tests/unit

integration: venv ## handlers in-process against moto
	$(PY) -m pytest tests/integration

crash-points: venv ## every AWS call of an order's life failing in turn, both modes (make test runs a sample; CRASH_POINTS=17,42 for some)
	CRASH_POINTS=$${CRASH_POINTS:-all} $(PY) -m pytest -q tests/integration/test_crash_points.py

lint: venv ## ruff, the layer contracts (import-linter) and the template gate (SAM transform + cfn-lint)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(LINT_IMPORTS)
	PYTHONPATH=functions:. $(PY) -m infra.build.template_check

format: venv ## format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: venv ## write docs/openapi.json from the handlers (the local stack serves it at /openapi.json)
	PYTHONPATH=functions:. AWS_DEFAULT_REGION=eu-central-1 $(PY) -m infra.build.openapi

screenshots: venv browser $(AXE) ## regenerate docs/screenshots from the browser tests
	SCREENSHOTS=1 $(PY) -m pytest -q tests/integration/test_browser_return_form.py \
	  tests/integration/test_browser_status_page.py tests/integration/test_browser_team.py

bench: venv ## benchmarks: cold import, warm latency, DynamoDB units, sweeper, load, cost (docs/benchmarks.md)
	PYTHONPATH=functions:. $(PY) -m infra.perf.bench

cold: venv ## cold import of every handler vs bare boto3, in a venv of Lambda's packages only (.local/)
	PYTHONPATH=functions:. $(PY) -m infra.perf.cold

load: venv ## load test on the local stack: 10,000 webhooks, 50 senders (ARGS="-n 2000 -c 20", --url for a running stack)
	PYTHONPATH=functions:. $(PY) -m infra.perf.load --doc docs/load-test.md $(ARGS)

build: ## sam build (needs the AWS SAM CLI and Python 3.12)
	sam build

deploy: build ## sam deploy with samconfig.toml (next to template.yaml, where SAM looks; needs AWS credentials)
	sam deploy

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .venv-checkov .aws-sam .pytest_cache .ruff_cache node_modules
