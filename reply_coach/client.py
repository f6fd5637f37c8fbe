"""Client and AsyncClient: one method per endpoint of SPEC §2, errors raised with their envelope."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import httpx

from reply_coach.types import (
    CoachContext,
    CoachOptions,
    CoachResponse,
    ErrorBody,
    PrincipleOut,
    ReadyResponse,
    ScoreResponse,
)

DEFAULT_TIMEOUT_S = 60.0


class ReplyCoachError(Exception):
    """An error answer from the API: its HTTP status and the error envelope's code, message and field."""

    def __init__(self, status: int, error: ErrorBody, retry_after: str | None = None) -> None:
        super().__init__(f"{status} {error['code']}: {error['message']}")
        self.status = status
        self.error = error
        self.code = error["code"]
        self.message = error["message"]
        self.field = error.get("field")
        self.retry_after = retry_after


def _raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        error = {"code": f"http_{response.status_code}", "message": response.text[:200] or response.reason_phrase,
                 "field": None}
    raise ReplyCoachError(response.status_code, cast(ErrorBody, error), response.headers.get("retry-after"))


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _score_body(text: str, context: CoachContext | None, critiques: bool) -> dict[str, Any]:
    return {"text": text, "context": context, "options": {"critiques": critiques}}


def _coach_body(draft: str, context: CoachContext | None, options: CoachOptions | None) -> dict[str, Any]:
    return {"draft": draft, "context": context, "options": options}


class _EventReader:
    """Server-sent events from lines: feed each line; a blank line completes an event."""

    def __init__(self) -> None:
        self.name, self.data = "message", []

    def feed(self, line: str) -> tuple[str, Any] | None:
        if line.startswith("event:"):
            self.name = line[6:].strip()
        elif line.startswith("data:"):
            self.data.append(line[5:].lstrip())
        elif not line and self.data:
            event = (self.name, json.loads("\n".join(self.data)))
            self.name, self.data = "message", []
            return event
        elif not line:
            self.name = "message"
        return None


class Client:
    """The Reply Coach API, blocking."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", api_key: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout_s)
        self._http.headers.update(_headers(api_key))

    def score(self, text: str, context: CoachContext | None = None, critiques: bool = False) -> ScoreResponse:
        """Scores of a text; with critiques=True also the critiques, spans and one-click fixes."""
        return cast(ScoreResponse, self._post("/v1/score", _score_body(text, context, critiques)))

    def coach(self, draft: str, context: CoachContext | None = None,
              options: CoachOptions | None = None) -> CoachResponse:
        """Scores, critiques (most severe first) and a rewrite."""
        return cast(CoachResponse, self._post("/v1/coach", _coach_body(draft, context, options)))

    def coach_stream(self, draft: str, context: CoachContext | None = None,
                     options: CoachOptions | None = None) -> Iterator[tuple[str, Any]]:
        """The coach's server-sent events as (name, data): local, critique..., rewrite, then result (or error)."""
        with self._http.stream("POST", "/v1/coach/stream", json=_coach_body(draft, context, options)) as response:
            if not response.is_success:
                response.read()
                _raise_for_error(response)
            reader = _EventReader()
            for line in response.iter_lines():
                if (event := reader.feed(line)) is not None:
                    yield event

    def principles(self) -> list[PrincipleOut]:
        return cast(list[PrincipleOut], self._get("/v1/principles"))

    def ready(self) -> ReadyResponse:
        response = self._http.get("/readyz")
        if response.status_code not in (200, 503):
            _raise_for_error(response)
        return cast(ReadyResponse, response.json())

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self._http.post(path, json=body)
        _raise_for_error(response)
        return response.json()

    def _get(self, path: str) -> Any:
        response = self._http.get(path)
        _raise_for_error(response)
        return response.json()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient:
    """The Reply Coach API, for asyncio."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", api_key: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, http: httpx.AsyncClient | None = None) -> None:
        self._http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._http.headers.update(_headers(api_key))

    async def score(self, text: str, context: CoachContext | None = None, critiques: bool = False) -> ScoreResponse:
        return cast(ScoreResponse, await self._post("/v1/score", _score_body(text, context, critiques)))

    async def coach(self, draft: str, context: CoachContext | None = None,
                    options: CoachOptions | None = None) -> CoachResponse:
        return cast(CoachResponse, await self._post("/v1/coach", _coach_body(draft, context, options)))

    async def coach_stream(self, draft: str, context: CoachContext | None = None,
                           options: CoachOptions | None = None) -> AsyncIterator[tuple[str, Any]]:
        async with self._http.stream("POST", "/v1/coach/stream", json=_coach_body(draft, context, options)) as response:
            if not response.is_success:
                await response.aread()
                _raise_for_error(response)
            reader = _EventReader()
            async for line in response.aiter_lines():
                if (event := reader.feed(line)) is not None:
                    yield event

    async def principles(self) -> list[PrincipleOut]:
        response = await self._http.get("/v1/principles")
        _raise_for_error(response)
        return cast(list[PrincipleOut], response.json())

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self._http.post(path, json=body)
        _raise_for_error(response)
        return response.json()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
