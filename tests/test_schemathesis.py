"""schemathesis against the app as served and openapi.yaml: every answer is one the schema lists,
every valid request is served and every invalid one refused in the envelope (ST checks, all)."""

import shutil
import subprocess
import sys
from pathlib import Path

from live_server import ServerProcess

ROOT = Path(__file__).resolve().parent.parent


def schemathesis_command() -> list[str]:
    script = Path(sys.executable).parent / "schemathesis"
    return [str(script)] if script.exists() else [shutil.which("schemathesis") or "schemathesis"]


def test_schemathesis_finds_no_failure_against_the_running_app():
    with ServerProcess(REPLY_COACH_API_KEYS="fuzz-key") as server:
        # schemathesis.toml at the root says which documented statuses count as refusals and faults.
        result = subprocess.run(
            [*schemathesis_command(), "run", "openapi.yaml", "--url", server.url, "--checks", "all",
             "--max-examples", "40", "--seed", "20261130", "--header", "Authorization: Bearer fuzz-key",
             "--no-color"],
            cwd=ROOT, capture_output=True, text=True, timeout=400,
        )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
