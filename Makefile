# qwen-lsp — `make demo` and `make test` work on a fresh machine (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BUILD  := build
TINY_MODEL := $(BUILD)/tiny-model

# Extra prerequisites of `make test` (editor installs): mk/*.mk files append to these, and are
# included here, before the rules that use them.
TEST_PREREQS :=
PYTEST_ARGS ?=
-include mk/*.mk

.PHONY: install demo test lint format bench settings-docs wheel test-unit test-protocol test-worker test-editors clean
.DEFAULT_GOAL := install

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

$(TINY_MODEL)/config.json: scripts/make_tiny_model.py | install
	$(BIN)/python scripts/make_tiny_model.py $(TINY_MODEL)

tiny-model: $(TINY_MODEL)/config.json

demo: install trained-model
	$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check server scripts tests
	$(BIN)/ruff format --check server scripts tests
	$(BIN)/mypy

# A wheel of the server (the package is not on PyPI): pip install dist/qwen_lsp-*.whl
wheel: install
	$(BIN)/python -m pip wheel -q --no-deps -w dist .

# README's Settings section and the VS Code settings, from server/qwen_lsp/settings.py.
settings-docs: install
	$(BIN)/python scripts/settings_docs.py

format: install
	$(BIN)/ruff check --fix server scripts tests
	$(BIN)/ruff format server scripts tests

test: install lint tiny-model $(TEST_PREREQS)
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/pytest -m unit $(PYTEST_ARGS)

test-protocol: install tiny-model
	$(BIN)/pytest -m protocol $(PYTEST_ARGS)

test-worker: install tiny-model
	$(BIN)/pytest -m worker $(PYTEST_ARGS)

test-editors: install tiny-model $(TEST_PREREQS)
	$(BIN)/pytest -m editor $(PYTEST_ARGS)

bench: install tiny-model
	$(BIN)/python scripts/bench_typing.py --model $(TINY_MODEL)

clean:
	rm -rf $(BUILD) dist .pytest_cache .mypy_cache .ruff_cache

