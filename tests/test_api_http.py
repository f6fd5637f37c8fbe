"""The API over real HTTP: a uvicorn server on a loopback port, exercised with httpx as a client would."""

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer, assert_envelope, local_settings

EXTENSION_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
# A draft that is personal and recognisable, so a leak into a response or a log is easy to spot.
SECRET = "Quokka-Zanzibar-7731"
HOSTILE_DRAFT = f"Hi Sam,\n\nYou clowns wasted my time, {SECRET}. Never contact me again!!!\n\nPriya"
GRACEFUL_DRAFT = (
    "Dear Ms. Chen,\n\nThank you for letting me know. I understand your decision, and I learned a lot from "
    "our conversations. Please keep me in mind for future openings.\n\nKind regards,\nAlex"
)
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
PRINCIPLE_IDS = {"reputation", "door_open", "resilience", "feedback", "networking", "confidence"}


@pytest.fixture(scope="session")
def server() -> Iterator[LiveServer]:
    with LiveServer(local_settings()) as live:
        yield live


@pytest.fixture(scope="session")
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def cors_server() -> Iterator[LiveServer]:
    with LiveServer(local_settings(cors_origins=[EXTENSION_ORIGIN])) as live:
        yield live


def assert_spans_match(draft: str, critiques: list[dict]) -> None:
    for critique in critiques:
        if critique["start"] is not None:
            assert draft[critique["start"]:critique["end"]] == critique["quote"], critique
        else:
            assert critique["quote"] is None and critique["end"] is None


def assert_scores_shape(scores: dict) -> None:
    assert set(scores["principles"]) == PRINCIPLE_IDS
    assert 0 <= scores["overall"] <= 100
    assert scores["verdict"] in {"ready", "revise", "rethink"}
    assert set(scores["tone"]) == {"label", "sentiment", "politeness", "hostility", "anxiety"}
    assert set(scores["readability"]) == {"flesch_reading_ease", "grade", "words", "sentences", "reading_time_s"}


# ---------------------------------------------------------------- happy paths


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_local_ready_and_llm_not_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "engines": {"local": True, "llm": False}, "redis": None}


def test_principles_lists_the_six(client):
    response = client.get("/v1/principles")
    assert response.status_code == 200
    principles = response.json()
    assert [p["id"] for p in principles] == [
        "reputation", "door_open", "resilience", "feedback", "networking", "confidence"
    ]
    for principle in principles:
        assert principle["title"] and principle["shown_by"] and principle["broken_by"]


def test_score_returns_scores_for_the_text(client):
    graceful = client.post("/v1/score", json={"text": GRACEFUL_DRAFT})
    hostile = client.post("/v1/score", json={"text": HOSTILE_DRAFT})
    assert graceful.status_code == hostile.status_code == 200
    assert_scores_shape(graceful.json())
    assert graceful.json()["overall"] > hostile.json()["overall"]
    assert hostile.json()["verdict"] == "rethink"
    assert SECRET not in hostile.text  # scores only: no quotes of the draft


def test_score_with_critiques_gives_an_editor_underlines_and_fixes_that_raise_the_score(client):
    response = client.post("/v1/score", json={"text": HOSTILE_DRAFT, "options": {"critiques": True}})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"  # it quotes the draft
    body = response.json()
    assert body["overall"] == client.post("/v1/score", json={"text": HOSTILE_DRAFT}).json()["overall"]
    spanned = [c for c in body["critiques"] if c["start"] is not None]
    assert spanned and all(c["replacements"] for c in spanned if c["severity"] != "info")
    assert_spans_match(HOSTILE_DRAFT, body["critiques"])
    text = HOSTILE_DRAFT
    for start, end, replacement in sorted({(c["start"], c["end"], c["replacements"][0]) for c in spanned}, reverse=True):
        text = text[:start] + replacement + text[end:]
    fixed = client.post("/v1/score", json={"text": text}).json()
    assert fixed["overall"] > body["overall"] and SECRET not in text


def test_coach_returns_scores_sorted_critiques_with_spans_and_a_rewrite(client):
    response = client.post("/v1/coach", json={"draft": HOSTILE_DRAFT})
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["id"], str) and body["id"]
    assert_scores_shape(body["scores"])
    critiques = body["critiques"]
    assert critiques
    assert_spans_match(HOSTILE_DRAFT, critiques)
    ranks = [SEVERITY_RANK[c["severity"]] for c in critiques]
    assert ranks == sorted(ranks), "critiques must come most severe first"
    assert {"reputation.insult", "door_open.closed", "reputation.shouting"} <= {c["rule"] for c in critiques}
    rewrite = body["rewrite"]
    assert rewrite["text"] and SECRET not in rewrite["text"]
    assert rewrite["scores"]["overall"] > body["scores"]["overall"]
    assert rewrite["scores"]["verdict"] == "ready"
    assert body["engine"]["name"] == "local" and body["engine"]["degraded"] is False
    assert body["usage"]["latency_ms"] >= 0


def test_coach_ids_are_unique_per_request(client):
    first = client.post("/v1/coach", json={"draft": GRACEFUL_DRAFT}).json()["id"]
    second = client.post("/v1/coach", json={"draft": GRACEFUL_DRAFT}).json()["id"]
    assert first != second


def test_coach_without_rewrite_gives_null(client):
    response = client.post("/v1/coach", json={"draft": HOSTILE_DRAFT, "options": {"rewrite": False}})
    assert response.status_code == 200
    assert response.json()["rewrite"] is None
    assert response.json()["critiques"]


def test_coach_uses_context_names_in_the_rewrite(client):
    payload = {"draft": "Fine. Whatever.", "context": {"recipient_name": "Marisol Alvarez",
                                                       "sender_name": "Daniel Okafor", "ask_for_feedback": False}}
    response = client.post("/v1/coach", json=payload)
    assert response.status_code == 200
    text = response.json()["rewrite"]["text"]
    assert "Marisol Alvarez" in text and "Daniel Okafor" in text
    assert "feedback" not in text.lower()


def test_engine_auto_is_local_without_a_model(client):
    response = client.post("/v1/coach", json={"draft": GRACEFUL_DRAFT, "options": {"engine": "auto"}})
    assert response.status_code == 200
    assert response.json()["engine"]["name"] == "local"
    assert response.json()["engine"]["model"] is None


def test_engine_llm_without_a_model_is_503_llm_unavailable(client):
    response = client.post("/v1/coach", json={"draft": GRACEFUL_DRAFT, "options": {"engine": "llm"}})
    assert_envelope(response, 503, "llm_unavailable")


def test_model_not_on_the_allow_list_is_403(client):
    response = client.post("/v1/coach", json={"draft": GRACEFUL_DRAFT, "options": {"model": "openai/gpt-4o"}})
    error = assert_envelope(response, 403, "model_not_allowed")
    assert error["field"] == "options.model"


# ---------------------------------------------------------------- CORS


def _preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(f"{url}/v1/coach", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
    })


def test_cors_preflight_allows_the_configured_extension(cors_server):
    response = _preflight(cors_server.url, EXTENSION_ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == EXTENSION_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    actual = httpx.post(f"{cors_server.url}/v1/score", json={"text": GRACEFUL_DRAFT},
                        headers={"Origin": EXTENSION_ORIGIN})
    assert actual.status_code == 200
    assert actual.headers["access-control-allow-origin"] == EXTENSION_ORIGIN


@pytest.mark.parametrize("origin", ["chrome-extension://someotherextensionid", "https://evil.example", "null"])
def test_cors_preflight_refuses_other_origins(cors_server, origin):
    response = _preflight(cors_server.url, origin)
    assert response.status_code >= 400
    assert "access-control-allow-origin" not in response.headers
    actual = httpx.post(f"{cors_server.url}/v1/score", json={"text": GRACEFUL_DRAFT}, headers={"Origin": origin})
    assert "access-control-allow-origin" not in actual.headers


def test_no_cors_without_configured_origins(server):
    response = _preflight(server.url, EXTENSION_ORIGIN)
    assert "access-control-allow-origin" not in response.headers


def test_refused_cors_preflight_uses_the_error_envelope(cors_server):
    assert_envelope(_preflight(cors_server.url, "https://evil.example"), 400)


# ---------------------------------------------------------------- bad input

ENDPOINTS = [("/v1/coach", "draft"), ("/v1/score", "text")]
TOO_LONG = SECRET + "a" * (10_001 - len(SECRET))


def _bad_json_cases(field: str) -> list[tuple[str, object, int, str | None, str | None]]:
    """(case id, JSON body, status, error code, error field)."""
    return [
        ("empty", {field: ""}, 422, "invalid_request", field),
        ("blank", {field: "  \n\t "}, 422, "invalid_request", field),
        ("too_long", {field: TOO_LONG}, 413, "draft_too_long", field),
        ("number", {field: 12345}, 422, "invalid_request", field),
        ("list", {field: [SECRET]}, 422, "invalid_request", field),
        ("null", {field: None}, 422, "invalid_request", field),
        ("object", {field: {"text": SECRET}}, 422, "invalid_request", field),
        ("body_is_a_list", [SECRET], 422, "invalid_request", None),
        ("body_is_a_string", SECRET, 422, "invalid_request", None),
        ("missing_field", {"context": None}, 422, "invalid_request", field),
        ("unknown_field", {field: SECRET, "tone": "nice"}, 422, "invalid_request", "tone"),
        ("unknown_context_field", {field: SECRET, "context": {"boss": SECRET}}, 422, "invalid_request",
         "context.boss"),
        ("context_wrong_type", {field: SECRET, "context": SECRET}, 422, "invalid_request", "context"),
        ("nul_character", {field: f"Thanks\x00 {SECRET}"}, 422, "invalid_request", field),
        ("bell_character", {field: f"Thanks \x07{SECRET}"}, 422, "invalid_request", field),
        ("c1_character", {field: f"Thanks \x9b{SECRET}"}, 422, "invalid_request", field),
        ("control_in_context", {field: SECRET, "context": {"received_message": "hi\x1b[31m"}}, 422,
         "invalid_request", "context.received_message"),
    ]


BAD_JSON = [(path, *case) for path, field in ENDPOINTS for case in _bad_json_cases(field)]
BAD_JSON += [
    ("/v1/coach", "unknown_option", {"draft": SECRET, "options": {"temperature": 2}}, 422, "invalid_request",
     "options.temperature"),
    ("/v1/coach", "bad_engine", {"draft": SECRET, "options": {"engine": "gpt"}}, 422, "invalid_request",
     "options.engine"),
    ("/v1/coach", "rewrite_not_bool", {"draft": SECRET, "options": {"rewrite": [1]}}, 422, "invalid_request",
     "options.rewrite"),
]


@pytest.mark.parametrize(("path", "case", "body", "status", "code", "field"), BAD_JSON,
                         ids=[f"{c[0]}-{c[1]}" for c in BAD_JSON])
def test_bad_json_input_gets_an_envelope_and_no_echo(client, path, case, body, status, code, field):
    response = client.post(path, json=body)
    error = assert_envelope(response, status, code)
    assert error["field"] == field
    assert SECRET not in response.text, "the error must not echo the draft"


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_exactly_the_limit_is_accepted(client, path, field):
    body = {field: "Thank you. " * 909 + "a"}  # 10,000 characters
    if field == "draft":
        body["options"] = {"rewrite": False}  # the limit is what is tested here; a 10k rewrite takes seconds
    assert client.post(path, json=body).status_code == 200


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_invalid_json_is_refused(client, path, field):
    response = client.post(path, content=f'{{"{field}": "{SECRET}', headers={"content-type": "application/json"})
    error = assert_envelope(response, 422)
    assert error["code"] in {"invalid_json", "invalid_request"}
    assert SECRET not in response.text


MALFORMED_BODIES = {
    "deeply_nested": b'{"draft": "hi", "context": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "invalid_utf8": b'{"draft": "caf\xe9 ' + SECRET.encode() + b'"}',
    "lone_surrogate": b'{"draft": "hi \\ud800 ' + SECRET.encode() + b'"}',
    "nan": b'{"draft": NaN}',
    "trailing_garbage": b'{"draft": "hi"} ' + SECRET.encode(),
}


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
@pytest.mark.parametrize("case", list(MALFORMED_BODIES))
def test_malformed_bodies_get_a_4xx_envelope(client, path, field, case):
    body = MALFORMED_BODIES[case].replace(b'"draft"', f'"{field}"'.encode())
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert_envelope(response, response.status_code)
    assert SECRET not in response.text


@pytest.mark.parametrize("name", ["{0}", "{}", "{x}"])
def test_braces_in_a_context_name_do_not_break_the_rewrite(client, name):
    response = client.post("/v1/coach", json={"draft": "Fine.", "context": {"recipient_name": name}})
    assert response.status_code == 200, response.text
    assert name in response.json()["rewrite"]["text"].splitlines()[0]


@pytest.mark.parametrize("key", ["recipient_name", "sender_name", "company", "role"])
def test_control_characters_in_context_names_are_refused(client, key):
    response = client.post("/v1/coach", json={"draft": "Fine.", "context": {key: "Sam\x00\x1b[31m"}})
    error = assert_envelope(response, 422, "invalid_request")
    assert error["field"] == f"context.{key}"


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_wrong_content_type_is_415(client, path, field, content_type):
    body = json.dumps({field: SECRET})
    response = client.post(path, content=body, headers={"content-type": content_type})
    assert_envelope(response, 415, "unsupported_media_type")
    assert SECRET not in response.text


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_no_content_type_is_415(client, path, field):
    response = client.post(path, content=json.dumps({field: SECRET}).encode())
    assert_envelope(response, 415)


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_json_with_charset_is_accepted(client, path, field):
    response = client.post(path, content=json.dumps({field: GRACEFUL_DRAFT}),
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_missing_body_is_4xx(client, path, field):
    response = client.post(path, headers={"content-type": "application/json"})
    assert_envelope(response, 422)


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_huge_body_is_413(client, path, field):
    # Over max_body_bytes (256 kB) but mostly context, so it is the body limit that answers.
    body = {field: SECRET, "context": {"received_message": "x" * 300_000}}
    response = client.post(path, json=body)
    assert_envelope(response, 413, "payload_too_large")
    assert SECRET not in response.text


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_huge_streamed_body_without_length_is_413(client, path, field):
    # Chunked, with no Content-Length to refuse it up front: the middleware must count as it reads.
    def chunks():
        yield json.dumps({field: SECRET})[:-1].encode() + b', "context": {"received_message": "'
        for _ in range(40):
            yield b"x" * 10_000
        yield b'"}}'

    response = client.post(path, content=chunks(), headers={"content-type": "application/json"})
    assert_envelope(response, 413, "payload_too_large")


@pytest.mark.parametrize(("path", "field"), ENDPOINTS)
def test_get_on_a_post_route_is_405(client, path, field):
    response = client.get(path)
    assert_envelope(response, 405, "method_not_allowed")


def test_unknown_route_is_404_envelope(client):
    assert_envelope(client.get("/v1/nope"), 404, "not_found")


UNUSUAL = {
    "emoji": "Hi Sam \U0001F642,\n\nThanks \U0001F64F\U0001F3FD for letting me know. You clowns \U0001F921 wasted "
             "my time!!! \U0001F468\u200D\U0001F469\u200D\U0001F467\n\nBest,\nPriya",
    "arabic": "\u0634\u0643\u0631\u0627 \u0644\u0643\u0645 \u0639\u0644\u0649 \u0648\u0642\u062a\u0643\u0645. "
              "You idiots never even read my CV. \u0645\u0639 \u0627\u0644\u062a\u062d\u064a\u0629",
    "hebrew": "\u05e9\u05dc\u05d5\u05dd \u202bDana\u202c, thank you. Never contact me again. "
              "\u05ea\u05d5\u05d3\u05d4 \u05e8\u05d1\u05d4",
    "html": "<p>Hi Sam,</p><script>alert('x')</script><b>You clowns</b> wasted my time. "
            "<img src=x onerror=alert(1)> Thanks &amp; regards",
    "crlf": "Hi Sam,\r\n\r\nThank you for letting me know.\r\nYou idiots wasted my time.\r\n\r\nBest,\r\nPriya",
    "curly": "Hi Sam,\n\nDon\u2019t contact me. You\u2019ll regret this \u2014 I\u2019m sure whoever you hired is cheaper.",
    "nbsp_and_tabs": "Hi\u00a0Sam,\tthank you.\u202fYou\u00a0idiots wasted my time.",
}


@pytest.mark.parametrize("name", list(UNUSUAL))
def test_unusual_but_valid_input_is_coached_with_true_offsets(client, name):
    draft = UNUSUAL[name]
    response = client.post("/v1/coach", json={"draft": draft})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["critiques"], "each of these drafts has something to underline"
    assert any(c["start"] is not None for c in body["critiques"])
    assert_spans_match(draft, body["critiques"])
    assert "<script>" not in body["rewrite"]["text"]
    score = client.post("/v1/score", json={"text": draft})
    assert score.status_code == 200
    assert score.json() == body["scores"]


def test_raw_utf8_body_is_decoded(client):
    draft = "Hi Sam \U0001F642, you clowns wasted my time."
    response = client.post("/v1/coach", content=json.dumps({"draft": draft}, ensure_ascii=False).encode("utf-8"),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert_spans_match(draft, response.json()["critiques"])


# ---------------------------------------------------------------- privacy


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.args!r} {record.exc_text or ''}")


def test_the_draft_never_reaches_the_server_logs(client):
    collect = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    touched = {name: logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access",
                                                          "reply_coach", "fastapi", "api")}
    old_levels = {name: logger.level for name, logger in touched.items()}
    for logger in touched.values():
        logger.setLevel(logging.DEBUG)
    try:
        client.post("/v1/coach", json={"draft": HOSTILE_DRAFT})
        client.post("/v1/score", json={"text": HOSTILE_DRAFT})
        client.post("/v1/coach", json={"draft": HOSTILE_DRAFT + "\x00"})
        client.post("/v1/coach", json={"draft": HOSTILE_DRAFT, "options": {"engine": "llm"}})
        client.post("/v1/coach", content=f'{{"draft": "{SECRET}', headers={"content-type": "application/json"})
        time.sleep(0.05)  # the access log line is written after the response is sent
    finally:
        root.removeHandler(collect)
        root.setLevel(old_level)
        for name, logger in touched.items():
            logger.setLevel(old_levels[name])
    assert any("/v1/coach" in line for line in collect.lines), "the capture saw no request at all"
    leaked = [line for line in collect.lines if SECRET in line]
    assert leaked == []
