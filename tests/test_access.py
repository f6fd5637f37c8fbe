"""API keys and the rate limit over real HTTP (SPEC §2): 401 and 429 in the envelope, health endpoints open."""

from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer, assert_envelope, local_settings

ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
DRAFT = "Dear Sam, thank you for letting me know. Please keep me in mind for future roles. Best, Alex"
KEYS = ["k-alpha-0123456789", "k-beta-9876543210"]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory) -> Iterator[LiveServer]:
    key_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    key_file.write_text(f"# one key a line\n{KEYS[0]}\n\n{KEYS[1]}\n", encoding="utf-8")
    # The @path form, read as the environment variable would be.
    with LiveServer(local_settings(api_keys=f"@{key_file}", cors_origins=[ORIGIN])) as live:
        yield live


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("headers", [{}, bearer("wrong-key"), {"Authorization": KEYS[0]},
                                     {"Authorization": f"Basic {KEYS[0]}"}, bearer(KEYS[0] + "x")])
@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/coach"), ("POST", "/v1/score"),
                                              ("POST", "/v1/coach/stream"), ("GET", "/v1/principles")])
def test_without_a_valid_key_every_v1_route_is_401(keyed, headers, method, path):
    response = httpx.request(method, keyed.url + path, json={"draft": DRAFT}, headers=headers)
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert KEYS[0] not in response.text


@pytest.mark.parametrize("key", KEYS)
def test_each_key_from_the_key_file_is_let_in(keyed, key):
    response = httpx.post(keyed.url + "/v1/score", json={"text": DRAFT}, headers=bearer(key))
    assert response.status_code == 200
    assert response.json()["verdict"] in {"ready", "revise", "rethink"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_need_no_key(keyed, path):
    assert httpx.get(keyed.url + path).status_code == 200


def test_a_401_carries_cors_headers_so_the_extension_can_read_it(keyed):
    response = httpx.post(keyed.url + "/v1/coach", json={"draft": DRAFT}, headers={"Origin": ORIGIN})
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_a_cors_preflight_needs_no_key(keyed):
    response = httpx.options(keyed.url + "/v1/coach", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_over_the_limit_a_client_gets_429_with_retry_after_and_ratelimit_headers():
    with LiveServer(local_settings(rate_limit="3/minute")) as live, httpx.Client(base_url=live.url) as client:
        answers = [client.post("/v1/score", json={"text": DRAFT}) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
        assert all(a.headers["ratelimit-limit"] == "3" for a in answers)
        assert answers[0].headers["ratelimit-policy"] == "3;w=60"
        refused = answers[3]
        assert_envelope(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert 0 <= int(refused.headers["ratelimit-reset"]) <= 60
        # Other routes share the budget; health checks are never counted or refused.
        assert client.get("/v1/principles").status_code == 429
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_with_keys_each_key_has_its_own_budget():
    with LiveServer(local_settings(api_keys=",".join(KEYS), rate_limit="2/minute")) as live:
        first = [httpx.post(live.url + "/v1/score", json={"text": DRAFT}, headers=bearer(KEYS[0])).status_code
                 for _ in range(3)]
        second = httpx.post(live.url + "/v1/score", json={"text": DRAFT}, headers=bearer(KEYS[1]))
    assert first == [200, 200, 429]
    assert second.status_code == 200


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/v1/coach", 405), ("TRACE", "/v1/score", 405),
                                                        ("POST", "/v1/nothing-here", 404)])
def test_what_no_route_answers_is_404_or_405_without_a_key(keyed, method, path, status):
    assert_envelope(httpx.request(method, keyed.url + path), status)
