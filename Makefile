# The virtual environment is rebuilt from the hashed lock file whenever the lock or pyproject changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test lint bench eval openapi cues model judgement lock clean

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

lint: $(STAMP)
	$(BIN)/ruff check api evals tests bench training

bench: $(STAMP)
	$(BIN)/python -m bench

# The CI gate: the local engine and offline judge, no key needed. Override for a model, e.g.
# make eval EVAL_ARGS="--engine llm --model openai/gpt-4o-mini --repeat 3 --min-pass-rate 0.9"
EVAL_ARGS ?= --engine local --min-pass-rate 0.95 --min-phrase-rate 0.85
# python -m runs from the checkout, so evals/ is found even by a venv installed before it existed.
eval: $(STAMP)
	$(BIN)/python -m api eval $(EVAL_ARGS)

# Relearns the word cues (api/judge/detectors/cues.json) from the tuned reply sets in corpus/replies.
cues: $(STAMP)
	$(BIN)/python -m evals.learn_cues

# Trains the sentence model (api/judge/detectors/sentence_model.*) on the training and tuned sets in
# corpus/. Torch is needed for training only, in a venv of its own; the service never loads it.
TRAIN_VENV := .venv-train
$(TRAIN_VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

model: $(TRAIN_VENV)/.installed
	HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python -m training.sentence_model

# The judgement measures on the held-out reply sets (docs/judgement.md says what they are).
judgement: $(STAMP)
	$(BIN)/python -m evals.judgement corpus/replies/heldout_*.jsonl

openapi: $(STAMP)
	$(BIN)/python -m api.openapi > openapi.yaml

# Regenerates the lock with exact versions and hashes (needs uv; run only when dependencies change).
lock:
	uv pip compile pyproject.toml --extra dev --override requirements-overrides.txt --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) $(TRAIN_VENV)
