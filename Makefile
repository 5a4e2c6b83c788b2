# The README's commands. Each target creates .venv when it is missing and installs
# what it needs; a stamp file per extra keeps repeat runs fast.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint format docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.stamp-%: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[$*]"
	@touch $@

# pyBregMan 0.1.1, a peer used as a test reference (tests/statistics/test_pybregman.py),
# declares numpy<2 but runs on numpy 2.x: it is installed without its pins (its other
# dependencies, scipy, autograd and matplotlib, come with .[test]).
PYBREGMAN := pyBregMan==0.1.1

$(VENV)/.stamp-test: pyproject.toml Makefile | $(BIN)/python
	$(PIP) install -e ".[test]"
	$(PIP) install --no-deps "$(PYBREGMAN)"
	@touch $@

demo: $(VENV)/.stamp-plot
	MPLBACKEND=Agg $(BIN)/python examples/flagship.py

test: $(VENV)/.stamp-test
	MPLBACKEND=Agg $(BIN)/python -m pytest

lint: $(VENV)/.stamp-lint
	$(BIN)/ruff check infogeo tests examples benchmarks
	$(BIN)/ruff format --check infogeo tests examples benchmarks

format: $(VENV)/.stamp-lint
	$(BIN)/ruff format infogeo tests examples benchmarks
	$(BIN)/ruff check --fix infogeo tests examples benchmarks

docs: $(VENV)/.stamp-docs
	$(BIN)/mkdocs build --strict

bench: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/run.py $(BENCH)

clean:
	rm -rf $(VENV) site build *.egg-info .pytest_cache .ruff_cache output
