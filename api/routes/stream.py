"""POST /v1/coach/stream: the coach as server-sent events, readable with fetch()."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from api.coach_errors import CoachError
from api.deps import CoachDep, JsonBody, SettingsDep
from api.errors import error_envelope
from api.errors_doc import ERROR_RESPONSES
from api.observability import observe_coach
from api.schemas import CoachRequest

router = APIRouter(prefix="/v1", tags=["coach"])

_STREAM_DESCRIPTION = """Server-sent events, in order:

- `local`: `{scores, critiques, critiques_omitted}` from the local scorer, at once;
- `critique`: one model critique (a Critique) as it arrives, zero or more;
- `rewrite`: `{text, scores}` once the rewrite has passed the server's checks;
- `result`: exactly the body `POST /v1/coach` would return; or, instead, `error`: the error envelope
  when engine "llm" was asked for and the model failed.

Lines starting with `:` are keep-alive comments. Closing the connection cancels the model call.
"""


@router.post(
    "/coach/stream",
    dependencies=[JsonBody],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": _STREAM_DESCRIPTION}, **ERROR_RESPONSES},
)
async def coach_stream(request: CoachRequest, service: CoachDep, settings: SettingsDep, http: Request) -> StreamingResponse:
    """Like /v1/coach, streamed: local scores first, then the model's critiques and rewrite, then the result."""
    events = service.coach_stream(request)
    return StreamingResponse(
        server_sent_events(events, http, settings.stream_keepalive_s),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},  # and no-store, as every response (api.middleware)
    )


def sse_frame(name: str, data: Any) -> str:
    """One event in the text/event-stream format; JSON data never contains a raw newline."""
    return f"event: {name}\ndata: {json.dumps(jsonable_encoder(data), separators=(',', ':'))}\n\n"


async def server_sent_events(
    events: AsyncIterator[tuple[str, Any]], http: Request, keepalive_s: float
) -> AsyncIterator[str]:
    """Frames events as they come, with keep-alive comments while waiting; stops the work if the client leaves."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for name, data in events:
                if name == "result":
                    observe_coach(data)
                await queue.put(sse_frame(name, error_envelope(data) if isinstance(data, CoachError) else data))
        except Exception:
            # The status line has gone out already, so a failure becomes an error event, not a 500.
            await queue.put(sse_frame("error", {"error": {
                "code": "internal_error", "message": "Something went wrong on our side; please try again.",
                "field": None}}))
        finally:
            await queue.put(None)

    async def watch_disconnect() -> None:
        # The body has been read, so the next message is the client going away.
        while (await http.receive())["type"] != "http.disconnect":
            pass
        producer.cancel()
        await queue.put(None)

    producer = asyncio.create_task(produce())
    watcher = asyncio.create_task(watch_disconnect())
    try:
        yield ": stream open\n\n"
        while True:
            try:
                frame = await asyncio.wait_for(queue.get(), timeout=keepalive_s)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if frame is None:
                break
            yield frame
    finally:
        producer.cancel()
        watcher.cancel()
        await asyncio.gather(producer, watcher, return_exceptions=True)
