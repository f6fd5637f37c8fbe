"""A fake OpenAI-compatible chat server on a loopback port: enqueue scripted answers and faults,
then read back every call it received. litellm reaches it over real HTTP as model
'openai/<anything>' with api_base=server.url.
"""

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fakes.server import ThreadedServer


@dataclass
class Reply:
    """One scripted answer: content, or a fault (status, delay, hang, raw body, cut stream)."""

    content: str | None = None
    status: int = 200
    delay_s: float = 0.0
    hang: bool = False
    chunks: list[str] | None = None
    chunk_delay_s: float = 0.0
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: str | None = None
    usage: tuple[int, int] | None = None
    served_model: str | None = None  # the model name the server reports; default: the one asked for

    @classmethod
    def json(cls, answer: Any, **kwargs: Any) -> "Reply":
        return cls(content=json.dumps(answer), **kwargs)

    @classmethod
    def error(cls, status: int, message: str = "scripted failure", **kwargs: Any) -> "Reply":
        body = json.dumps({"error": {"message": message, "type": "server_error", "code": status}})
        return cls(status=status, raw_body=body, **kwargs)


Script = Reply | Callable[[dict], Reply]


@dataclass
class Call:
    """What the server received: the JSON body and when."""

    body: dict
    at: float
    disconnected: bool = False

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def prompt_text(self) -> str:
        return "\n".join(str(m.get("content")) for m in self.messages)


class FakeOpenAI:
    """Serves /v1/chat/completions from a queue of replies (or a default) in a background thread."""

    def __init__(self, default: Script | None = None) -> None:
        self.default = default
        self.queue: deque[Script] = deque()
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._server: ThreadedServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *replies: Script) -> None:
        with self._lock:
            self.queue.extend(replies)

    def reset(self, default: Script | None = None) -> None:
        with self._lock:
            self.queue.clear()
            self.calls.clear()
            self.default = default

    def _next(self, body: dict) -> Reply:
        with self._lock:
            script = self.queue.popleft() if self.queue else self.default
        if script is None:
            return Reply.error(500, "no scripted reply left")
        return script(body) if callable(script) else script

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        call = Call(body=body, at=time.monotonic())
        with self._lock:
            self.calls.append(call)
        reply = self._next(body)
        if reply.hang or reply.delay_s:
            waited = 0.0
            while reply.hang or waited < reply.delay_s:
                await asyncio.sleep(0.02)
                waited += 0.02
                if await request.is_disconnected():
                    call.disconnected = True
                    return Response(status_code=499)
        if reply.status != 200 or reply.raw_body is not None:
            return Response(reply.raw_body or "", status_code=reply.status, headers=reply.headers,
                            media_type="application/json")
        content = reply.content or ""
        prompt_tokens, completion_tokens = reply.usage or (
            sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4, len(content) // 4
        )
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        model = reply.served_model or body.get("model", "fake")
        if body.get("stream"):
            chunks = reply.chunks if reply.chunks is not None else [content[i:i + 40] for i in range(0, len(content), 40)]
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self._stream(call, model, chunks, reply, usage if include_usage else None),
                                     media_type="text/event-stream")
        return JSONResponse({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                         "message": {"role": "assistant", "content": reply.content}}],
            "usage": usage,
        }, headers=reply.headers)

    async def _stream(self, call: Call, model: str, chunks: list[str], reply: Reply, usage: dict | None):
        def event(choices: list, extra: dict | None = None) -> str:
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": model, "choices": choices, **(extra or {})}
            return f"data: {json.dumps(data)}\n\n"

        try:
            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for piece in chunks:
                if reply.chunk_delay_s:
                    await asyncio.sleep(reply.chunk_delay_s)
                yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            yield event([{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}])
            if usage is not None:
                yield event([], {"usage": usage})
            yield "data: [DONE]\n\n"
        except (asyncio.CancelledError, GeneratorExit):
            call.disconnected = True
            raise

    def app(self) -> Starlette:
        routes = [Route(path, self._chat, methods=["POST"]) for path in ("/v1/chat/completions", "/chat/completions")]
        return Starlette(routes=routes)

    def start(self) -> "FakeOpenAI":
        self._server = ThreadedServer(self.app()).start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
