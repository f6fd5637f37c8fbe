"""/readyz says which engines can serve; with a model configured, its client loads in the background."""

import time

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


def test_llm_engine_becomes_ready_once_its_client_has_loaded():
    settings = Settings(_env_file=None, model="openai/fake-coach", api_base="http://127.0.0.1:9/v1")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 60
        body = client.get("/readyz").json()
        while not body["engines"]["llm"] and time.monotonic() < deadline:
            time.sleep(0.1)
            body = client.get("/readyz").json()
        assert body == {"ready": True, "engines": {"local": True, "llm": True}, "redis": None}


def test_llm_engine_is_not_ready_without_a_model():
    with TestClient(create_app(Settings(_env_file=None))) as client:  # type: ignore[call-arg]
        assert client.get("/readyz").json()["engines"] == {"local": True, "llm": False}
