# One place for the install step: torch is pinned to the CPU build first, so that
# sentence-transformers finds it satisfied and never pulls a CUDA wheel.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH := torch==2.13.0

.PHONY: setup setup-test run test lint

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(PY)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e .

setup-test: $(PY)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[test,dev]'

run: setup
	$(VENV)/bin/cableqa serve

# pytest's exit code 5 means "no tests collected": not a failure of the code under test.
test: setup-test
	$(VENV)/bin/pytest -q || [ $$? -eq 5 ]

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy qa embeddings api eval bench
	$(VENV)/bin/lint-imports
