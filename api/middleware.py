"""Pure ASGI middleware (no per-request overhead beyond a header or two): bounded request bodies,
the headers every response carries, and the envelope for errors nothing else caught."""

import json
import logging

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("reply_coach")


async def send_error(send: Send, status: int, code: str, message: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """The SPEC's error envelope, sent straight from middleware."""
    body = json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuses a body over max_bytes with 413 before it is read into memory, and a body that takes
    longer than timeout_s to arrive with 408, so a slow client cannot hold a connection open."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        # Read the body here, bounded in size and time, so an oversized or trickled body is refused
        # before any route sees it; the app then reads the buffered body as usual.
        chunks: list[bytes] = []
        received = 0
        with anyio.move_on_after(self.timeout_s) as deadline:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message]), send)
                    return
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    await self._refuse(send)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        if deadline.cancelled_caught:
            await send_error(send, 408, "request_timeout",
                             f"The request body did not arrive within {self.timeout_s:g} seconds.",
                             [(b"connection", b"close")])
            return
        body_message: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body_message], receive), send)

    async def _refuse(self, send: Send) -> None:
        await send_error(send, 413, "payload_too_large", f"The request body is larger than {self.max_bytes} bytes.")


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


# Every response: never stored by a browser or a shared cache (a response may quote the draft),
# never sniffed as another content type.
_RESPONSE_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


class ResponseGuardMiddleware:
    """Adds _RESPONSE_HEADERS to every response that does not set them itself, and answers an error
    no handler caught with the envelope. It runs inside CORS, so an extension can read that 500 too;
    only the error's type is logged, never the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in _RESPONSE_HEADERS if header[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as error:
            logger.error("unexpected error on %s %s: %s", scope.get("method"), scope.get("path"), type(error).__name__)
            if started:
                raise
            await send_error(guarded_send, 500, "internal_error", "Something went wrong on our side; please try again.")
