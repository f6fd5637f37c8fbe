"""What an operator or a fuzzer throws at the API: malformed bodies, strict types, invisible drafts,
over-long fields, slow clients, and the headers every response carries."""

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer, assert_envelope, local_settings

from api.app import create_app
from api.deps import get_coach_service

ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
DRAFT = "Dear Sam, thank you for letting me know. Please keep me in mind for future roles. Best, Alex"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(local_settings(cors_origins=[ORIGIN], body_timeout_s=0.5, max_body_bytes=20_000)) as live:
        yield live


@pytest.fixture(scope="module")
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        yield http


def post_raw(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(("body", "message"), [
    (b'{"text": "Merci, Ren\xe9e."}', "not valid UTF-8"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b'{"text": "Thanks", "context": {"ask_for_feedback": ' + b"7" * 5000 + b"}}", "number too long"),
    (b'{"text": "Thanks"', "not valid JSON"),
])
def test_a_body_that_cannot_be_read_is_invalid_json_in_the_envelope(client, body, message):
    error = assert_envelope(post_raw(client, "/v1/score", body), 422, "invalid_json")
    assert message in error["message"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"draft": DRAFT, "context": {"ask_for_feedback": 0}}, "context.ask_for_feedback"),
    ({"draft": DRAFT, "context": {"ask_for_feedback": "true"}}, "context.ask_for_feedback"),
    ({"draft": DRAFT, "options": {"rewrite": 1}}, "options.rewrite"),
    ({"draft": 12345}, "draft"),
])
def test_only_true_and_false_are_booleans_and_only_strings_are_text(client, payload, field):
    error = assert_envelope(client.post("/v1/coach", json=payload), 422, "invalid_request")
    assert error["field"] == field


@pytest.mark.parametrize("invisible", ["\u200b\u200b\u200b", "\ufeff\u200d \n\u2060", "\u2800\u3164", "\u200e\u200f"])
@pytest.mark.parametrize(("path", "field"), [("/v1/coach", "draft"), ("/v1/score", "text")])
def test_a_draft_of_invisible_characters_is_blank(client, path, field, invisible):
    error = assert_envelope(client.post(path, json={field: invisible}), 422, "invalid_request")
    assert error["field"] == field and "blank" in error["message"]


def test_a_draft_with_a_zero_width_joiner_in_an_emoji_is_coached(client):
    response = client.post("/v1/coach", json={"draft": "Thanks so much \U0001f469\u200d\U0001f4bb"})
    assert response.status_code == 200


@pytest.mark.parametrize(("payload", "code", "field"), [
    ({"draft": "a" * 10_001}, "draft_too_long", "draft"),
    ({"draft": DRAFT, "context": {"received_message": "a" * 10_001}}, "field_too_long", "context.received_message"),
    ({"draft": DRAFT, "context": {"company": "a" * 201}}, "field_too_long", "context.company"),
    ({"draft": DRAFT, "options": {"model": "a" * 201}}, "field_too_long", "options.model"),
])
def test_every_text_over_its_length_is_413_naming_the_field(client, payload, code, field):
    error = assert_envelope(client.post("/v1/coach", json=payload), 413, code)
    assert error["field"] == field


def test_an_oversized_body_is_413_with_cors_headers_the_extension_can_read(client):
    response = post_raw(client, "/v1/coach", b'{"draft": "' + b"a" * 30_000 + b'"}')
    assert_envelope(response, 413, "payload_too_large")
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_an_unexpected_error_is_a_500_envelope_with_cors_headers_and_no_traceback():
    def broken() -> None:
        raise RuntimeError("a bug")

    app = create_app(local_settings(cors_origins=[ORIGIN]))
    app.dependency_overrides[get_coach_service] = broken
    with LiveServer(local_settings(), app=app) as live:
        response = httpx.post(f"{live.url}/v1/coach", json={"draft": DRAFT}, headers={"Origin": ORIGIN})
    assert_envelope(response, 500, "internal_error")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "a bug" not in response.text


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("POST", "/v1/coach", {"draft": DRAFT}),
    ("POST", "/v1/score", {"text": DRAFT}),
    ("POST", "/v1/coach/stream", {"draft": DRAFT}),
    ("POST", "/v1/coach", {"draft": ""}),
    ("GET", "/v1/principles", None),
    ("GET", "/healthz", None),
])
def test_every_response_is_no_store_and_nosniff(client, method, path, payload):
    response = client.request(method, path, json=payload)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_client_that_trickles_its_body_is_timed_out_with_408(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"text\": ")
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408")
    assert b'"request_timeout"' in answer
    assert waited < 3


def test_every_unicode_format_character_counts_as_invisible():
    import sys
    import unicodedata

    from api.schemas import _BLANK

    format_characters = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf")
    assert _BLANK.fullmatch(format_characters)
