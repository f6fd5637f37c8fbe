"""Generated from openapi.yaml by `make clients` (python -m reply_coach.generate); do not edit."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

__all__ = ["CoachContext", "CoachOptions", "CoachRequest", "CoachResponse", "Critique", "EngineInfo", "ErrorBody", "ErrorResponse", "HealthResponse", "PrincipleOut", "PrincipleScore", "Readability", "ReadyResponse", "Rewrite", "ScoreOptions", "ScoreRequest", "ScoreResponse", "Scores", "Tone", "Usage"]


class CoachContext(TypedDict):
    received_message: NotRequired[str | None]
    recipient_name: NotRequired[str | None]
    sender_name: NotRequired[str | None]
    company: NotRequired[str | None]
    role: NotRequired[str | None]
    ask_for_feedback: NotRequired[bool | None]


class CoachOptions(TypedDict):
    engine: NotRequired[Literal["auto", "local", "llm"]]
    model: NotRequired[str | None]
    rewrite: NotRequired[bool]


class CoachRequest(TypedDict):
    draft: str
    context: NotRequired[CoachContext | None]
    options: NotRequired[CoachOptions | None]


class CoachResponse(TypedDict):
    id: str
    scores: Scores
    critiques: list[Critique]
    critiques_omitted: NotRequired[int]
    rewrite: Rewrite | None
    engine: EngineInfo
    usage: Usage
    summary: NotRequired[str | None]


class Critique(TypedDict):
    id: str
    rule: str
    principle: Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"] | Literal["tone", "readability"]
    severity: Literal["info", "warning", "critical"]
    message: str
    suggestion: NotRequired[str | None]
    quote: NotRequired[str | None]
    start: NotRequired[int | None]
    end: NotRequired[int | None]
    replacements: NotRequired[list[str]]


class EngineInfo(TypedDict):
    name: Literal["local", "llm"]
    model: NotRequired[str | None]
    prompt_version: NotRequired[str | None]
    degraded: NotRequired[bool]
    reason: NotRequired[str | None]


class ErrorBody(TypedDict):
    code: str
    message: str
    field: NotRequired[str | None]


class ErrorResponse(TypedDict):
    error: ErrorBody


class HealthResponse(TypedDict):
    status: NotRequired[Literal["ok"]]


class PrincipleOut(TypedDict):
    id: Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"]
    title: str
    shown_by: str
    broken_by: str


class PrincipleScore(TypedDict):
    score: int
    status: Literal["shown", "missing", "broken"]


class Readability(TypedDict):
    flesch_reading_ease: float
    grade: float
    words: int
    sentences: int
    reading_time_s: float


class ReadyResponse(TypedDict):
    ready: bool
    engines: dict[str, bool]
    redis: NotRequired[bool | None]


class Rewrite(TypedDict):
    text: str
    scores: Scores


class ScoreOptions(TypedDict):
    critiques: NotRequired[bool]


class ScoreRequest(TypedDict):
    text: str
    context: NotRequired[CoachContext | None]
    options: NotRequired[ScoreOptions | None]


class ScoreResponse(TypedDict):
    """Scores of the text; with options.critiques, the critiques an editor underlines, most severe first."""

    overall: int
    verdict: Literal["ready", "revise", "rethink"]
    principles: dict[Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"], PrincipleScore]
    tone: Tone
    readability: Readability
    critiques: NotRequired[list[Critique] | None]
    critiques_omitted: NotRequired[int | None]


class Scores(TypedDict):
    overall: int
    verdict: Literal["ready", "revise", "rethink"]
    principles: dict[Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"], PrincipleScore]
    tone: Tone
    readability: Readability


class Tone(TypedDict):
    label: str
    sentiment: float
    politeness: int
    hostility: int
    anxiety: int


class Usage(TypedDict):
    prompt_tokens: NotRequired[int]
    completion_tokens: NotRequired[int]
    cost_usd: NotRequired[float | None]
    latency_ms: NotRequired[float]
