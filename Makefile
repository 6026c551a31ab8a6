# mailx — the two commands that matter are `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install browser dev test lint typecheck cfn-lint pytest unit integration bench build fuzz clean

$(STAMP): pyproject.toml requirements.lock tests/e2e/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@command -v npm >/dev/null || { echo "make: npm (Node 20+) is needed for the e2e suite's jmap-jam driver (tests/e2e)" >&2; exit 1; }
	npm ci --prefix tests/e2e --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

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

pytest: install browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

## unit: the unit tests only (tests/unit: pure code, template and layout checks; seconds, no moto)
unit: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) tests/unit

## integration: the integration tests only (tests/integration: the app, handlers and store on moto);
## tests/e2e (real JMAP clients, needs npm) and tests/fuzz (hypothesis) run in `make test` and `make fuzz`
integration: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) tests/integration

## fuzz: the hypothesis fuzz suites (tests/fuzz) at length; `make test` runs them short
fuzz: install
	MAILX_FUZZ_EXAMPLES=$${MAILX_FUZZ_EXAMPLES:-2000} $(BIN)/pytest -q tests/fuzz
	MAILX_SOAK_ROUNDS=$${MAILX_SOAK_ROUNDS:-60} MAILX_SOAK_PROCESSES=$${MAILX_SOAK_PROCESSES:-3} \
		$(BIN)/pytest -q -p no:xdist tests/integration/system/test_concurrency_soak.py

## bench: benchmarks, run on demand, printing figures
bench: install
	$(BIN)/python -m bench

## build: sam build (needs the SAM CLI in its own virtualenv, see README)
build:
	sam build --template-file template.yaml

clean:
	rm -rf $(VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache
