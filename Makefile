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

.PHONY: install demo test lint format bench cost-model test-unit test-protocol test-worker test-editors clean
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

# The typing replay side by side (scripts/bench_typing.py): qwen-lsp, Continue on mlx_lm.server,
# llama.vim on llama.cpp's server (run when mk/llama.mk builds it), on the cost-realistic and
# the trained test models. BENCH_ARGS passes options (e.g. --keystrokes 40 --rounds 1).
BENCH_ARGS ?=
bench: install cost-model trained-model $(if $(LLAMA_SERVER),llama-server)
	$(BIN)/python scripts/bench_typing.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) .pytest_cache .mypy_cache .ruff_cache

