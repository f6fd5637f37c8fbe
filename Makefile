# The virtual environment is rebuilt from the hashed lock file whenever the lock or pyproject changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test lint bench eval openapi clients cues lock clean browser

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/reply-coach serve

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (never a browser download of its own); installed with apt when missing.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check api evals tests bench reply_coach

bench: $(STAMP)
	$(BIN)/python -m bench

# The CI gate: the local engine and offline judge, no key needed. Override for a model, e.g.
# make eval EVAL_ARGS="--engine llm --model openai/gpt-4o-mini --repeat 3 --min-pass-rate 0.9"
EVAL_ARGS ?= --engine local --min-pass-rate 0.95
# python -m runs from the checkout, so evals/ is found even by a venv installed before it existed.
eval: $(STAMP)
	$(BIN)/python -m api eval $(EVAL_ARGS)

# Relearns the word cues (api/judge/detectors/cues.json) from the labelled drafts in tests/data.
cues: $(STAMP)
	$(BIN)/python -m evals.learn_cues

openapi: $(STAMP)
	$(BIN)/python -m api.openapi > openapi.yaml
	$(BIN)/python -m reply_coach.generate

# The Python client's TypedDicts and the extension's TypeScript types, from openapi.yaml.
clients: $(STAMP)
	$(BIN)/python -m reply_coach.generate

# Regenerates the lock with exact versions and hashes (needs uv; run only when dependencies change).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV)
