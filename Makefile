# mailx — the two commands that matter are `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
comma := ,
PYTEST_WORKERS ?= 2

E2E_STAMP := tests/e2e/node_modules/.installed-stamp
LAMBDA_PYTHON_VERSION := 3.12

.PHONY: install e2e-install test-deps browser dev test lint typecheck cfn-lint pytest unit integration bench build lock fuzz clean

# The runtime dependencies come from the hashed lock that `sam build` installs too (same files as in
# Lambda); the development tools from requirements.lock (exact pins, the same runtime versions).
$(STAMP): pyproject.toml requirements.lock layers/shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r layers/shared/requirements.txt
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Only the e2e tests need Node (the jmap-jam driver): `make dev` works without npm.
$(E2E_STAMP): tests/e2e/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm (Node 20+) is needed for the e2e suite's jmap-jam driver (tests/e2e)" >&2; exit 1; }
	npm ci --prefix tests/e2e --no-audit --no-fund --silent
	touch $(E2E_STAMP)

e2e-install: $(E2E_STAMP)

## browser: Debian's chromium + chromium-driver for the browser e2e test (tests/e2e/test_e2e_browser.py).
## Installed with apt-get when missing and we may (root or passwordless sudo); waits for another
## session's dpkg lock. Otherwise the test skips and says why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "make: no apt-get; the browser e2e test will skip" >&2; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "make: cannot install chromium (not root, no sudo); the browser e2e test will skip" >&2; exit 0; fi; \
	$$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium chromium-driver \
	|| echo "make: installing chromium failed; the browser e2e test will skip" >&2

## dev: install, start moto + the API on http://127.0.0.1:$${PORT:-8000}, print a login
dev: install
	$(BIN)/python functions/jmap/jmap_local.py

## test: install, then lint, type-check, cfn-lint and the whole pytest suite
test: install lint typecheck cfn-lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

cfn-lint: install
	$(BIN)/cfn-lint template.yaml

pytest: install e2e-install test-deps browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

## test-deps: system packages tests need: Debian's dovecot-imapd (a real IMAP server for `mailx import`).
## Installed with apt-get as root or with passwordless sudo; otherwise that test skips and says why.
test-deps:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make: no apt-get here: install dovecot-imapd yourself, or the IMAP import test skips" >&2; exit 0; fi; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null 2>&1 \
	  || { $$SUDO apt-get update -q >/dev/null 2>&1 \
	       && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null 2>&1; } \
	  || echo "make: could not install dovecot-imapd (needs root or sudo): the IMAP import test skips" >&2; }

## unit: the unit tests only (tests/unit: pure code, template and layout checks; seconds, no moto)
unit: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) tests/unit

## integration: the integration tests only (tests/integration: the app, handlers and store on moto);
## tests/e2e (real JMAP clients, needs npm) and tests/fuzz (hypothesis) run in `make test` and `make fuzz`
integration: install test-deps
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) tests/integration

## fuzz: the hypothesis fuzz suites (tests/fuzz) at length; `make test` runs them short
fuzz: install
	MAILX_FUZZ_EXAMPLES=$${MAILX_FUZZ_EXAMPLES:-2000} $(BIN)/pytest -q tests/fuzz
	MAILX_SOAK_ROUNDS=$${MAILX_SOAK_ROUNDS:-60} MAILX_SOAK_PROCESSES=$${MAILX_SOAK_PROCESSES:-3} \
		$(BIN)/pytest -q -p no:xdist tests/integration/system/test_concurrency_soak.py

## bench: benchmarks, run on demand, printing figures
bench: install
	$(BIN)/python -m bench

## build: sam build with Python 3.12, the functions' runtime (SAM CLI in its own virtualenv: docs/deploy.md)
# The layer and the JMAP function are byte-compiled by that Python; bytecode of another version would be
# ignored by Lambda (every cold start compiling again). PYTHON=/path/to/python3.12 picks one.
build:
	@py="$(if $(filter command line environment,$(origin PYTHON)),$(PYTHON),python$(LAMBDA_PYTHON_VERSION))"; \
	if ! "$$py" -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma) ,$(LAMBDA_PYTHON_VERSION))))' 2>/dev/null; then \
		echo "make build: needs Python $(LAMBDA_PYTHON_VERSION) (the Lambda runtime) to byte-compile the code; '$$py' is not it." >&2; \
		echo "  - give one: make build PYTHON=/path/to/python$(LAMBDA_PYTHON_VERSION) (pyenv, uv python install $(LAMBDA_PYTHON_VERSION), deadsnakes)" >&2; \
		echo "  - or build in AWS's build image (Docker): sam build --use-container --template-file template.yaml" >&2; \
		exit 2; \
	fi; \
	command -v sam >/dev/null || { echo "make build: the SAM CLI is not on PATH (docs/deploy.md, step 1)" >&2; exit 2; }; \
	PYTHON="$$py" sam build --template-file template.yaml

## lock: rewrite layers/shared/requirements.txt (hashed, every runtime dependency) from pyproject.toml
lock: install
	$(BIN)/python scripts/lock_runtime.py

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache tests/e2e/node_modules
