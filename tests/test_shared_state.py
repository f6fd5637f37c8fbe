"""Rate limits and the model-answer cache shared through the machine's real Redis by separate
`reply-coach serve` processes, and the service carrying on when Redis is away."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fakes.openai_server import FakeOpenAI, Reply
from live_server import ServerProcess, free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
DRAFT = "Hi Dana,\n\nThanks for letting me know. Honestly, your loss.\n\nBest,\nSam"
SECRET = "Quokka-Zanzibar-7731"


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A key prefix of this run's own, removed afterwards; skips when no Redis answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {REDIS_URL}: start one (e.g. `redis-server`) to run the shared-state tests")
    prefix = f"reply-coach-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def shared_env(prefix: str, **extra: str) -> dict[str, str]:
    return {"REPLY_COACH_REDIS_URL": REDIS_URL, "REPLY_COACH_REDIS_KEY_PREFIX": prefix, **extra}


def test_two_processes_share_one_rate_limit(redis_prefix):
    env = shared_env(redis_prefix + "limit:", REPLY_COACH_RATE_LIMIT="4/minute")
    with ServerProcess(**env) as first, ServerProcess(**env) as second:
        statuses = [httpx.post(server.url + "/v1/score", json={"text": DRAFT}, timeout=10).status_code
                    for server in (first, second, first, second, first, second)]
        ready = httpx.get(second.url + "/readyz").json()
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert ready["redis"] is True


def test_a_model_answer_cached_by_one_process_is_served_by_another(redis_prefix):
    answer = {"summary": "Bitter in places.", "critiques": [
        {"principle": "reputation", "severity": "warning", "quote": "Honestly, your loss.",
         "message": "This reads as a parting shot.", "suggestion": "Thank them instead."}],
        "rewrite": "Hi Dana,\n\nThank you for letting me know, and for your time. I respect your decision and "
                   "learned a lot. Please keep me in mind for future openings; I would be glad to stay in touch."
                   "\n\nBest,\nSam"}
    with FakeOpenAI(default=Reply.json(answer)) as fake:
        env = shared_env(redis_prefix + "cache:", REPLY_COACH_MODEL="openai/fake-coach", REPLY_COACH_API_BASE=fake.url,
                         REPLY_COACH_API_KEY="test-key")
        with ServerProcess(**env) as first, ServerProcess(**env) as second:
            payload = {"draft": DRAFT, "options": {"engine": "llm"}}
            made = httpx.post(first.url + "/v1/coach", json=payload, timeout=60)
            served = httpx.post(second.url + "/v1/coach", json=payload, timeout=60)
        calls = len(fake.calls)
    assert made.status_code == served.status_code == 200
    assert calls == 1, "the second process should have answered from the shared cache"
    assert served.json()["critiques"] == made.json()["critiques"]
    assert served.json()["rewrite"] == made.json()["rewrite"]
    assert served.json()["usage"]["prompt_tokens"] == 0  # no model call, no tokens


def test_with_redis_away_the_service_serves_limits_per_process_and_says_so():
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    server = ServerProcess(REPLY_COACH_REDIS_URL=nowhere, REPLY_COACH_RATE_LIMIT="2/minute")
    with server:
        statuses = [httpx.post(server.url + "/v1/coach", json={"draft": f"{DRAFT} {SECRET}"}, timeout=10).status_code
                    for _ in range(3)]
        ready = httpx.get(server.url + "/readyz")
    log = server.output()
    assert statuses == [200, 200, 429]
    assert ready.status_code == 200 and ready.json()["ready"] is True and ready.json()["redis"] is False
    assert log.count("Redis is unreachable") == 1
    assert SECRET not in log


def test_without_redis_the_answer_cache_is_bounded_by_bytes():
    import asyncio

    from api.answer_cache import AnswerCache
    from api.engines.local import coach_locally
    from api.schemas import CoachRequest
    from api.settings import Settings

    response = coach_locally(CoachRequest(draft=DRAFT))
    size = len(response.model_dump_json().encode())
    cache = AnswerCache(Settings(_env_file=None, cache_size=1000, cache_bytes=size * 3 + 10))

    async def fill() -> None:
        for index in range(10):
            await cache.put(f"key-{index}", response)

    asyncio.run(fill())
    assert len(cache) == 3 and cache.bytes <= size * 3 + 10
    assert asyncio.run(cache.get("key-9")) is not None and asyncio.run(cache.get("key-0")) is None
