"""The app served as `reply-coach serve` serves it, on a free loopback port, for tests over real HTTP."""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import uvicorn

from api.app import create_app
from api.settings import Settings


def local_settings(**overrides) -> Settings:
    # No .env and no model, whatever the developer's machine has configured.
    values = {"model": None, "fallback_models": [], "allowed_models": [], "cors_origins": []} | overrides
    return Settings(_env_file=None, **values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn in a thread, as `reply-coach serve` runs it, so the whole HTTP stack is exercised."""

    def __init__(self, settings: Settings, app=None) -> None:
        self.port = free_port()
        self.app = app or create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                log_config=None, lifespan="on", access_log=True)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)



def assert_envelope(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert body["error"]["field"] is None or isinstance(body["error"]["field"], str)
    if code is not None:
        assert body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body["error"]


class ServerProcess:
    """`reply-coach serve` in its own process, configured by environment variables alone, as an
    operator runs it; for what only separate processes show (one event loop each, shared state)."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Nothing from the developer's own configuration leaks in; the working directory holds no .env.
        base = {k: v for k, v in os.environ.items() if not k.startswith("REPLY_COACH_") and k not in {"HOST", "PORT"}}
        self.env = base | {"PORT": str(self.port), "HOST": "127.0.0.1"} | env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServerProcess":
        self.workdir = tempfile.TemporaryDirectory()
        # Output goes to a file: a pipe nobody reads would fill up and stall the server mid-request.
        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve"], env=self.env, cwd=self.workdir.name,
            stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"reply-coach serve exited: {self._read_log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("reply-coach serve did not start")
            time.sleep(0.05)

    def output(self) -> str:
        """What the server printed, once it has stopped."""
        assert self.process is not None and self.process.poll() is not None
        return self._read_log()

    def _read_log(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.workdir.cleanup()

    def __del__(self) -> None:
        if getattr(self, "log", None) is not None:
            self.log.close()
