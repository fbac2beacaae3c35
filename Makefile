# The two set-up commands the README names: `make run` and `make test`.
# Everything else here is a step they use, or a convenience for developers.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run run-node test lint typecheck pytest fuzz bench clean translations catalogs

# axe-core, which the browser tests inject into pages, from the npm registry (pinned by
# the lock file); without it those tests would skip.
AXE_ASSETS := tests/browser/assets
AXE_STAMP := $(AXE_ASSETS)/node_modules/.installed-$(shell cksum $(AXE_ASSETS)/package-lock.json | cut -d' ' -f1)

$(AXE_STAMP): $(AXE_ASSETS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the browser tests' axe-core: install Node.js (Debian: apt install npm)"; exit 1; }
	npm ci --prefix $(AXE_ASSETS) --no-audit --no-fund --silent
	touch $@

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# The compiled message catalogs (.mo, never committed), built from the .po files.
catalogs: $(STAMP)
	$(BIN)/python scripts/translations.py --compile

## Extract every string marked for translation, update each language's .po, compile
translations: $(STAMP)
	$(BIN)/python scripts/translations.py

## Start the demo federation: the hub (:8000) and four cities (:8001-:8004); Ctrl-C stops all
run: $(STAMP) catalogs
	$(BIN)/python deploy/demo/federation.py

## Serve one demo community node alone (no hub) at http://127.0.0.1:8001
run-node: $(STAMP) catalogs
	$(BIN)/python -m community_node.demo serve

## Install with test extras, then lint, type-check and run every test
test: $(STAMP) lint typecheck pytest

## Lint, check the import contracts, and check every imported package is declared
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/deptry .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(AXE_STAMP) catalogs
	$(BIN)/pytest -n 4 --dist worksteal --durations=25

## A longer hunt for 500s: schemathesis and the fuzz tests with many fresh examples each
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n 4 -p no:cacheprovider \
		tests/hub/test_schemathesis.py tests/community_node/test_schemathesis.py \
		tests/community_node/test_fuzz_api.py

## Run the benchmarks and print each figure beside its target
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache instance $(AXE_ASSETS)/node_modules
