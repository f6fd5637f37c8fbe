"""The `reply-coach` command as a user runs it: a real process, files and standard input."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HOSTILE = "Hi Sam,\n\nYou clowns wasted my time. Never contact me again!!!\n\nPriya\n"


def _command() -> list[str]:
    script = Path(sys.executable).parent / "reply-coach"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def run_cli(*args: str, stdin: str | None = None, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
    # A clean environment and an empty working directory: no model, no .env, so the local engine answers.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPLY_COACH_", "OPENAI", "ANTHROPIC"))
           and k not in {"HOST", "PORT"}} | (env or {})
    env["COLUMNS"] = "250"  # rich wraps to the terminal; wide enough that the rewrite keeps its lines
    return subprocess.run([*_command(), *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every invocation the tests below look at, started together: each is a cold start of a few seconds."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "long.txt").write_text("a" * 10_001, encoding="utf-8")
    (folder / "invisible.txt").write_text("\u200b\u200d\ufeff\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Merci, Ren\u00e9e.".encode("latin-1"))
    invocations = {
        "score_json": (["score", "hostile.txt", "--json"], None),
        "coach_stdin_json": (["coach", "-", "--json", "--recipient", "Sam Ortiz", "--sender", "Priya Raman"], HOSTILE),
        # Same draft and names as coach_stdin_json, so the report must show that very rewrite.
        "coach_report": (["coach", "hostile.txt", "--recipient", "Sam Ortiz", "--sender", "Priya Raman"], None),
        "missing_file": (["coach", "no-such-draft.txt"], None),
        "too_long": (["score", "long.txt", "--json"], None),
        "llm_without_model": (["coach", "hostile.txt", "--engine", "llm"], None),
        "invisible": (["score", "invisible.txt"], None),
        "latin1": (["score", "latin1.txt"], None),
        "company_too_long": (["coach", "hostile.txt", "--company", "C" * 201], None),
        "coach_help": (["coach", "--help"], None),
        "bad_port": (["serve"], None, {"PORT": "abc"}),
        "bad_timeout": (["coach", "hostile.txt"], None, {"REPLY_COACH_TIMEOUT_S": "-1"}),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run_cli, *spec[0], stdin=spec[1], cwd=folder, env=spec[2] if len(spec) > 2 else None)
                   for name, spec in invocations.items()}
        return {name: future.result() for name, future in futures.items()}


def flatten(report: str) -> str:
    """The report's words without rich's box drawing and line wrapping."""
    for box in "│╭╮╰╯─":
        report = report.replace(box, " ")
    return " ".join(report.split())


def test_score_file_json(runs):
    result = runs["score_json"]
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["verdict"] == "rethink"
    assert scores["principles"]["reputation"]["status"] == "broken"
    assert set(scores["principles"]) == {"reputation", "door_open", "resilience", "feedback", "networking",
                                         "confidence"}


def test_coach_stdin_json(runs):
    result = runs["coach_stdin_json"]
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["engine"]["name"] == "local"
    assert body["critiques"]
    for critique in body["critiques"]:
        if critique["start"] is not None:
            assert HOSTILE[critique["start"]:critique["end"]] == critique["quote"]
    rewrite = body["rewrite"]["text"]
    assert "Sam Ortiz" in rewrite and "Priya Raman" in rewrite
    assert body["rewrite"]["scores"]["verdict"] == "ready"



def test_human_report_shows_verdict_critiques_and_rewrite(runs):
    rewrite = json.loads(runs["coach_stdin_json"].stdout)["rewrite"]["text"]
    result = runs["coach_report"]
    assert result.returncode == 0, result.stderr
    report = flatten(result.stdout)
    assert "RETHINK" in report  # the draft's verdict
    assert "READY" in report  # the rewrite's verdict
    assert "reputation.insult" in report
    assert "Suggested rewrite" in report
    assert flatten(rewrite) in report



def test_missing_file_exits_2_with_a_message(runs):
    result = runs["missing_file"]
    assert result.returncode == 2
    assert "no-such-draft.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_too_long_draft_exits_2(runs):
    result = runs["too_long"]
    assert result.returncode == 2
    assert "10000" in result.stderr and "Traceback" not in result.stderr



@pytest.mark.parametrize(("run", "says"), [
    ("invisible", "reply-coach: the draft must not be blank"),
    ("latin1", "latin1.txt is not UTF-8 text"),
    ("company_too_long", "reply-coach: --company must be at most 200 characters"),
    ("bad_port", "reply-coach: bad setting PORT: Input should be a valid integer"),
    ("bad_timeout", "reply-coach: bad setting REPLY_COACH_TIMEOUT_S: Input should be greater than 0"),
])
def test_bad_input_or_settings_get_one_plain_line_and_exit_2(runs, run, says):
    result = runs[run]
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr and "Value error" not in result.stderr and "pydantic" not in result.stderr
    assert result.stdout == ""


def test_every_coach_option_has_help(runs):
    result = runs["coach_help"]
    assert result.returncode == 0
    assert "the company that wrote to you" in result.stdout and "the role you applied for" in result.stdout
    assert "scores and critiques only" in result.stdout


def test_llm_engine_without_a_model_exits_1(runs):
    result = runs["llm_without_model"]
    assert result.returncode == 1
    assert "llm_unavailable" in result.stderr and "Traceback" not in result.stderr



def test_a_rule_with_two_spans_in_one_sentence_is_reported_once():
    from fakes.sentence_reader import reading
    from rich.console import Console

    from api.engines.local import coach_locally
    from api.report import print_coach_report
    from api.schemas import CoachOptions, CoachRequest

    draft = "Hi Dana, THANK YOU SO MUCH for the chance!!! I understand your decision."
    # A sentence model reading the sentence as shouting too would join the two spans into one: the
    # model reads every sentence as fine here, so the rule keeps its two.
    with reading(lambda sentence: {}):
        response = coach_locally(CoachRequest(draft=draft, options=CoachOptions(rewrite=False)))
    assert sum(c.rule == "reputation.shouting" for c in response.critiques) >= 2
    console = Console(record=True, width=200)
    print_coach_report(draft, response, console)
    assert console.export_text().count("reputation.shouting") == 1


def test_serve_with_two_workers_answers_from_two_processes(tmp_path):
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPLY_COACH_", "OPENAI", "ANTHROPIC"))}
    server = subprocess.Popen([*_command(), "serve", "--workers", "2", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert ready is not None and ready.status_code == 200
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        commands = [Path(f"/proc/{child}/cmdline").read_bytes() for child in children]
        assert sum(b"spawn_main" in command for command in commands) == 2  # besides multiprocessing's tracker
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(4):
                response = client.post("/v1/score", json={"text": HOSTILE})
                assert response.status_code == 200 and response.json()["verdict"] == "rethink"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)


def test_serve_refuses_zero_workers(tmp_path):
    result = run_cli("serve", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 2 and "between 1 and 64" in result.stderr
