"""Fixtures shared by the test modules that talk to a model."""

import pytest
from fakes.openai_server import FakeOpenAI


@pytest.fixture(scope="module")
def fake():
    """A fake OpenAI-compatible server on a free loopback port, one per test module."""
    with FakeOpenAI() as server:
        yield server
