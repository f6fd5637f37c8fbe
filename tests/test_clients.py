"""The Python client against the live service over real HTTP, and both clients' types against the spec."""

import asyncio
import typing
from pathlib import Path

import pytest
import yaml
from fakes.server import ThreadedServer

from api.app import create_app
from api.settings import Settings
from reply_coach import AsyncClient, Client, ReplyCoachError
from reply_coach import types as api_types
from reply_coach.generate import PYTHON_TYPES, TYPESCRIPT_TYPES, load_schemas, python_module, typescript_module

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "Hi Dana, you clowns wasted my time and I will leave a review on Glassdoor.\n\nSam"


@pytest.fixture(scope="module")
def url():
    with ThreadedServer(create_app(Settings(_env_file=None, model=None))) as server:
        yield server.url


def test_the_generated_types_are_those_of_openapi_yaml():
    schemas = load_schemas()
    assert PYTHON_TYPES.read_text("utf-8") == python_module(schemas), "run make clients"
    assert TYPESCRIPT_TYPES.read_text("utf-8") == typescript_module(schemas), "run make clients"
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8"))["components"]["schemas"]
    typescript = TYPESCRIPT_TYPES.read_text("utf-8")
    for name, schema in spec.items():
        hints = typing.get_type_hints(getattr(api_types, name))
        assert set(hints) == set(schema.get("properties", {})), name
        assert f"export interface {name} {{" in typescript
    critique = typing.get_type_hints(api_types.Critique, include_extras=True)
    assert critique["replacements"] == typing.NotRequired[list[str]]
    assert "replacements?: string[];" in typescript


def test_the_client_scores_coaches_and_streams(url):
    with Client(url) as coach:
        plain = coach.score(HOSTILE)
        assert "critiques" not in plain and plain["verdict"] == "rethink"
        scored = coach.score(HOSTILE, critiques=True)
        fixes = [c for c in scored["critiques"] if c["replacements"]]
        assert fixes and all(HOSTILE[c["start"]:c["end"]] == c["quote"] for c in fixes)
        result = coach.coach(HOSTILE, context={"recipient_name": "Dana", "sender_name": "Sam"})
        assert result["rewrite"]["scores"]["overall"] > result["scores"]["overall"]
        events = [name for name, _ in coach.coach_stream(HOSTILE)]
        assert events[0] == "local" and events[-1] == "result"
        assert [p["id"] for p in coach.principles()][0] == "reputation"
        assert coach.ready()["ready"] is True


def test_an_error_is_raised_with_its_envelope(url):
    with Client(url) as coach:
        with pytest.raises(ReplyCoachError) as raised:
            coach.score("x" * 10_001)
        assert raised.value.status == 413 and raised.value.code == "draft_too_long"
        assert raised.value.field and raised.value.message
        with pytest.raises(ReplyCoachError) as raised:
            coach.coach("Thanks.", options={"engine": "llm"})
        assert raised.value.status == 503 and raised.value.code == "llm_unavailable"


def test_the_async_client(url):
    async def run():
        async with AsyncClient(url) as coach:
            scored = await coach.score(HOSTILE, critiques=True)
            result = await coach.coach(HOSTILE, options={"rewrite": False})
            events = [name async for name, _ in coach.coach_stream(HOSTILE)]
            with pytest.raises(ReplyCoachError) as raised:
                await coach.score("   ")
            return scored, result, events, raised.value

    scored, result, events, error = asyncio.run(run())
    assert scored["critiques"] and result["rewrite"] is None
    assert events[0] == "local" and events[-1] == "result"
    assert error.status == 422 and error.field
