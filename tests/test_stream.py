"""POST /v1/coach/stream over real HTTP: the app under uvicorn, the model a fake OpenAI server."""

import json
import time

import httpx
from fakes.openai_server import FakeOpenAI, Reply
from fakes.server import ThreadedServer

from api.app import create_app
from api.settings import Settings

DRAFT = "Hi Dana,\n\nThanks for letting me know. Honestly, your loss.\n\nBest,\nSam"
REWRITE = (
    "Hi Dana,\n\nThank you for letting me know, and for your time. I respect your decision and enjoyed "
    "learning about the team. Please keep me in mind for future openings; I would welcome any feedback and "
    "would be glad to stay in touch.\n\nBest,\nSam"
)
ANSWER = {
    "summary": "One bitter line spoils a good start.",
    "critiques": [
        {"principle": "networking", "severity": "info", "quote": "Thanks for letting me know",
         "message": "Add an offer to stay in touch.", "suggestion": None},
        {"principle": "tone", "severity": "warning", "quote": "Honestly",
         "message": "Sounds like a confession of bitterness.", "suggestion": "Leave it out."},
    ],
    "rewrite": REWRITE,
}


def settings_for(fake: FakeOpenAI, **overrides) -> Settings:
    values = dict(model="openai/fake-coach", api_base=fake.url, api_key="test-key", timeout_s=3.0,
                  call_timeout_s=2.0, retry_backoff_s=0.01, stream_keepalive_s=5.0)
    return Settings(_env_file=None, **{**values, **overrides})


def read_events(response: httpx.Response) -> tuple[list[tuple[str, dict]], list[str]]:
    events, comments, name = [], [], None
    for line in response.iter_lines():
        if line.startswith(":"):
            comments.append(line)
        elif line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events, comments


def stream(url: str, body: dict) -> tuple[int, list[tuple[str, dict]], list[str]]:
    with httpx.stream("POST", f"{url}/v1/coach/stream", json=body, timeout=10) as response:
        if response.status_code != 200:
            response.read()
            return response.status_code, [("error", response.json())], []
        assert response.headers["content-type"].startswith("text/event-stream")
        events, comments = read_events(response)
        return 200, events, comments


def without_volatile(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("id", "usage")}


def test_the_local_engine_streams_its_result_and_the_final_event_equals_coach():
    with ThreadedServer(create_app(Settings(_env_file=None))) as app:
        status, events, _ = stream(app.url, {"draft": DRAFT})
        assert status == 200
        assert [name for name, _ in events] == ["local", "rewrite", "result"]
        plain = httpx.post(f"{app.url}/v1/coach", json={"draft": DRAFT}).json()
        assert without_volatile(events[-1][1]) == without_volatile(plain)
        assert events[0][1]["scores"] == plain["scores"]


def test_the_llm_engine_streams_local_scores_then_model_critiques_then_the_result(fake):
    fake.reset()
    body = json.dumps(ANSWER)
    fake.enqueue(Reply(content=body, chunks=[body[i:i + 30] for i in range(0, len(body), 30)], chunk_delay_s=0.01))
    with ThreadedServer(create_app(settings_for(fake, stream_keepalive_s=0.02))) as app:
        status, events, comments = stream(app.url, {"draft": DRAFT, "options": {"engine": "llm"}})
    assert status == 200
    names = [name for name, _ in events]
    assert names[0] == "local" and names[-2:] == ["rewrite", "result"]
    assert names.count("critique") == 2
    result = events[-1][1]
    assert result["engine"]["name"] == "llm" and not result["engine"]["degraded"]
    assert result["rewrite"]["text"] == REWRITE
    for critique in result["critiques"]:
        if critique["quote"] is not None:
            assert DRAFT[critique["start"]:critique["end"]] == critique["quote"]
    assert ": keep-alive" in comments  # the model took longer than the keep-alive interval


def test_a_strict_failure_ends_the_stream_with_an_error_event(fake):
    fake.reset(default=Reply.error(500))
    with ThreadedServer(create_app(settings_for(fake, retries=0))) as app:
        status, events, _ = stream(app.url, {"draft": DRAFT, "options": {"engine": "llm"}})
        assert status == 200
        assert [name for name, _ in events] == ["local", "error"]
        assert events[-1][1]["error"]["code"] == "llm_unavailable"
        status, events, _ = stream(app.url, {"draft": DRAFT, "options": {"engine": "auto"}})
        assert events[-1][0] == "result" and events[-1][1]["engine"]["degraded"] is True


def test_request_errors_come_before_the_stream(fake):
    with ThreadedServer(create_app(settings_for(fake))) as app:
        status, events, _ = stream(app.url, {"draft": DRAFT, "options": {"model": "openai/not-allowed"}})
        assert status == 403 and events[0][1]["error"]["code"] == "model_not_allowed"
        status, events, _ = stream(app.url, {"draft": "   "})
        assert status == 422 and events[0][1]["error"]["field"] == "draft"


def test_a_client_that_goes_away_cancels_the_model_call(fake):
    fake.reset(default=Reply(hang=True))
    with ThreadedServer(create_app(settings_for(fake, timeout_s=20, call_timeout_s=20))) as app:
        with httpx.stream("POST", f"{app.url}/v1/coach/stream", json={"draft": DRAFT}, timeout=10) as response:
            lines = response.iter_lines()  # kept referenced: a collected iterator closes the connection
            for line in lines:
                if line.startswith("event: local"):
                    break
            deadline = time.monotonic() + 5
            while not fake.calls and time.monotonic() < deadline:
                time.sleep(0.02)
        deadline = time.monotonic() + 5
        while not fake.calls[0].disconnected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.calls[0].disconnected
