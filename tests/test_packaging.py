"""The runtime install holds what the service runs on, and not the dev tools."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "ruff", "pluggy", "iniconfig"}


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {name.lower(): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def test_the_runtime_lock_has_no_dev_tools_and_the_dev_lock_pins_the_same_runtime():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {"fastapi", "uvicorn", "limits", "redis", "prometheus-client"} <= set(runtime)
    assert not DEV_TOOLS & set(runtime)
    assert DEV_TOOLS <= set(dev)
    assert {name: dev.get(name) for name in runtime} == runtime


def test_make_serve_installs_the_runtime_lock_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve: \$\(RUNTIME\)$", makefile, re.M)
    runtime_recipe = makefile.split("$(RUNTIME): ", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.lock" in runtime_recipe and "requirements-dev.lock" not in runtime_recipe
