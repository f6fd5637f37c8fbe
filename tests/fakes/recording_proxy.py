"""A pass-through proxy in front of a real OpenAI-compatible server on a loopback port: it forwards
every chat call unchanged (streamed or not) and records what was sent, what came back and whether
the client left before the answer was complete."""

import json
import threading
import time
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from fakes.server import ThreadedServer


@dataclass
class ProxiedCall:
    body: dict
    at: float
    status: int | None = None
    answer: bytes = b""
    finished: bool = False
    disconnected: bool = False


class RecordingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[ProxiedCall] = []
        self._lock = threading.Lock()
        self._server: ThreadedServer | None = None

    @property
    def url(self) -> str:
        return f"{self._server.url}/v1" if self._server else ""

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    async def _chat(self, request: Request) -> Response:
        raw = await request.body()
        call = ProxiedCall(body=json.loads(raw), at=time.monotonic())
        with self._lock:
            self.calls.append(call)
        client = httpx.AsyncClient(timeout=None)
        upstream = client.build_request("POST", f"{self.upstream}/chat/completions", content=raw,
                                        headers={"content-type": "application/json"})
        response = await client.send(upstream, stream=True)
        call.status = response.status_code

        async def relay():
            try:
                async for piece in response.aiter_raw():
                    call.answer += piece
                    yield piece
                call.finished = True
            except BaseException:
                call.disconnected = True  # the client left: closing the upstream stream tells the server
                raise
            finally:
                await response.aclose()
                await client.aclose()

        return StreamingResponse(relay(), status_code=response.status_code,
                                 media_type=response.headers.get("content-type"))

    def start(self) -> "RecordingProxy":
        app = Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])
        self._server = ThreadedServer(app).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
