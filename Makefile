# The virtual environment is installed from hashed lock files whenever a lock or pyproject changes:
# requirements.lock holds what the service runs on, requirements-dev.lock the same pins plus the
# dev tools (pytest, ruff). `make serve` installs the first only; tests and lint the second.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: install install-runtime serve test lint bench eval openapi cues lock clean

install: $(DEV)

install-runtime: $(RUNTIME)

$(RUNTIME): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes --no-deps -r requirements.lock
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $(RUNTIME)

$(DEV): requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes --no-deps -r requirements-dev.lock
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $(DEV) $(RUNTIME)

serve: $(RUNTIME)
	$(BIN)/reply-coach serve

test: $(DEV)
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/ruff check api evals tests bench

bench: $(RUNTIME)
	$(BIN)/python -m bench

# The CI gate: the local engine and offline judge, no key needed. Override for a model, e.g.
# make eval EVAL_ARGS="--engine llm --model openai/gpt-4o-mini --repeat 3 --min-pass-rate 0.9"
EVAL_ARGS ?= --engine local --min-pass-rate 0.95
# python -m runs from the checkout, so evals/ is found even by a venv installed before it existed.
eval: $(RUNTIME)
	$(BIN)/python -m api eval $(EVAL_ARGS)

# Relearns the word cues (api/judge/detectors/cues.json) from the labelled drafts in tests/data.
cues: $(RUNTIME)
	$(BIN)/python -m evals.learn_cues

openapi: $(RUNTIME)
	$(BIN)/python -m api.openapi > openapi.yaml

# Regenerates the locks with exact versions and hashes (needs uv; run only when dependencies change).
# uv keeps the versions already pinned in each file unless pyproject.toml rules them out.
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV)
