"""/metrics, the request id and the JSON logs: what an operator watches, with nothing a user sent in it."""

import json
from collections.abc import Iterator

import httpx
import pytest
from fakes.openai_server import FakeOpenAI, Reply
from live_server import LiveServer, ServerProcess, local_settings
from prometheus_client import REGISTRY

from api.observability import SLOW_REQUEST_S

SECRET = "Quokka-Zanzibar-7731"
DRAFT = f"Hi Dana,\n\nThanks for letting me know. Honestly, your loss, {SECRET}.\n\nBest,\nSam"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(local_settings(rate_limit="1000/minute")) as live:
        yield live


def test_metrics_count_requests_verdicts_and_refusals_without_user_text(server):
    coached = sample("reply_coach_requests_total", route="/v1/coach", method="POST", status="200")
    rethink = sample("reply_coach_coaches_total", engine="local", verdict="rethink", degraded="false")
    invalid = sample("reply_coach_requests_total", route="/v1/coach", method="POST", status="422")
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/v1/coach", json={"draft": "You idiots. " + SECRET}).status_code == 200
        assert client.post("/v1/coach", json={"draft": SECRET, "context": {"ask_for_feedback": 0}}).status_code == 422
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert sample("reply_coach_requests_total", route="/v1/coach", method="POST", status="200") == coached + 1
    assert sample("reply_coach_requests_total", route="/v1/coach", method="POST", status="422") == invalid + 1
    assert sample("reply_coach_coaches_total", engine="local", verdict="rethink", degraded="false") == rethink + 1
    assert sample("reply_coach_request_duration_seconds_count", route="/v1/coach") > 0
    assert SECRET not in response.text
    for metric in ("reply_coach_requests_total", "reply_coach_request_duration_seconds", "reply_coach_coaches_total",
                   "reply_coach_model_tokens_total", "reply_coach_answer_cache_total", "reply_coach_refusals_total",
                   "reply_coach_redis_up"):
        assert f"# TYPE {metric}" in response.text


def test_refusals_are_counted_under_their_route():
    before = sample("reply_coach_refusals_total", code="rate_limited")
    with LiveServer(local_settings(rate_limit="1/minute")) as live:
        statuses = [httpx.post(live.url + "/v1/score", json={"text": DRAFT}).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert sample("reply_coach_refusals_total", code="rate_limited") == before + 1
    assert sample("reply_coach_requests_total", route="/v1/score", method="POST", status="429") >= 1


def test_model_calls_tokens_and_cache_hits_are_counted():
    answer = {"summary": "ok", "critiques": [], "rewrite": None}
    with FakeOpenAI(default=Reply.json(answer, usage=(120, 30))) as fake:
        settings = local_settings(model="openai/fake-coach", api_base=fake.url, api_key="test-key")
        tokens = sample("reply_coach_model_tokens_total", kind="prompt")
        hits = sample("reply_coach_answer_cache_total", result="hit")
        answers = sample("reply_coach_model_answers_total", model="openai/fake-coach")
        with LiveServer(settings) as live:
            payload = {"draft": DRAFT, "options": {"engine": "llm", "rewrite": False}}
            first = httpx.post(live.url + "/v1/coach", json=payload, timeout=60)
            second = httpx.post(live.url + "/v1/coach", json=payload, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.json()["engine"]["model"] == "openai/fake-coach"
    assert second.json()["usage"]["prompt_tokens"] == 0  # from the cache
    assert sample("reply_coach_model_tokens_total", kind="prompt") == tokens + 120
    assert sample("reply_coach_answer_cache_total", result="hit") == hits + 1
    assert sample("reply_coach_model_answers_total", model="openai/fake-coach") == answers + 1


@pytest.mark.parametrize(("sent", "kept"), [("trace-42.a:b", True), ("x" * 65, False), ("two words", False)])
def test_every_response_carries_a_request_id_keeping_a_plain_one_sent(server, sent, kept):
    response = httpx.get(server.url + "/healthz", headers={"X-Request-Id": sent})
    assert (response.headers["x-request-id"] == sent) is kept
    assert response.headers["x-request-id"]


def test_logs_are_json_lines_with_the_request_id_and_never_the_draft():
    server = ServerProcess()
    with server:
        refused = httpx.post(server.url + "/v1/coach", json={"draft": DRAFT, "context": {"company": SECRET * 20}})
        served = httpx.post(server.url + "/v1/coach", json={"draft": DRAFT})
    log = server.output()
    assert refused.status_code == 413 and served.status_code == 200
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    request_lines = [line for line in lines if line["message"] == "request"]
    # The refusal is logged; a served request only when it was slow (a loaded machine can make it so).
    assert [(line["route"], line["status"]) for line in request_lines if line["status"] != 200] == [("/v1/coach", 413)]
    assert all(line["duration_ms"] > SLOW_REQUEST_S * 1000 for line in request_lines if line["status"] == 200)
    assert request_lines[0]["request_id"] == refused.headers["x-request-id"]
    assert SECRET not in log and "Honestly" not in log
