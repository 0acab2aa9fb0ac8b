# Comity: every target bootstraps its own virtual environment from the lock files.
# Needs only python3 (>= 3.11, with venv) and make; `make test` also starts
# loopback PostgreSQL and Redis and installs the Debian packages the tests need
# (tools/system-deps.sh; as root it installs them, otherwise it names them).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test test-fast fuzz walk lint bench lock clean services-stop

$(STAMP): requirements/dev.lock pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Comity needs Python >= 3.11 (found $$($(PY) --version))"; exit 1; }
	@$(PY) -c 'import ensurepip, venv' 2>/dev/null || \
	  { echo "python3 cannot create virtual environments: run 'apt-get install python3-venv'"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/dev.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# The OpenAPI client generator lives apart (its typer pin conflicts with ours):
# requirements/client-gen.in says why.
GEN := .venv-gen
GEN_STAMP := $(GEN)/.installed-$(shell cat requirements/client-gen.lock | cksum | cut -d' ' -f1)

$(GEN_STAMP): requirements/client-gen.lock $(STAMP)
	@test -x $(GEN)/bin/python || $(PY) -m venv $(GEN)
	$(BIN)/uv pip install -q --python $(GEN)/bin/python -r requirements/client-gen.lock
	@rm -f $(GEN)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/comity demo

# The fuzz suite is left out here (pyproject's addopts deselect `-m fuzz`): `make fuzz`.
test: $(STAMP) $(GEN_STAMP)
	@bash tools/system-deps.sh
	@bash tools/services.sh start
	. var/test-services.env && COMITY_CLIENT_GENERATOR=$(CURDIR)/$(GEN)/bin/openapi-python-client $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Hypothesis over CSV rows, URLs and every API parameter: no 500, no unhandled
# exception. 100,000 examples per target (CI); `make fuzz FUZZ_EXAMPLES=2000` is quick.
FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	COMITY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider -m fuzz $(PYTEST_ARGS)

# The whole job in Chromium as each role in en, ru and kk, axe-core on every page,
# screenshots into docs/screenshots/ (pyproject's addopts deselect `-m walk` from
# `make test`): a few minutes, so CI runs it once, not once per database.
walk: $(STAMP)
	@bash tools/system-deps.sh
	$(BIN)/pytest -q -p no:cacheprovider -m walk $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

bench: $(STAMP)
	@bash tools/services.sh start
	. var/test-services.env && $(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Re-pin the lock files after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/runtime.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements/dev.lock
	$(BIN)/uv pip compile requirements/client-gen.in --python-version 3.11 --generate-hashes -q -o requirements/client-gen.lock

services-stop:
	@bash tools/services.sh stop

clean: services-stop
	rm -rf $(VENV) $(GEN) var/test-services.env var/services
