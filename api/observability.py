"""Prometheus metrics, the request id and the JSON log lines. Labels are routes, statuses, engines,
verdicts and models: never anything the user sent.

With several worker processes, set PROMETHEUS_MULTIPROC_DIR to an empty directory writable by
all of them (prometheus-client's multiprocess mode) so that /metrics adds up every worker.
"""

import contextvars
import itertools
import json
import logging
import os
import re
import secrets
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import CoachResponse, Scores

disable_created_metrics()  # the *_created series only double what a scrape shows
REQUESTS = Counter("reply_coach_requests_total", "HTTP requests answered, by route template, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("reply_coach_request_duration_seconds", "Time to answer an HTTP request, by route template.",
                    ["route"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
COACHES = Counter("reply_coach_coaches_total", "Coach answers, by engine, verdict of the draft and whether degraded.",
                  ["engine", "verdict", "degraded"])
SCORES = Counter("reply_coach_scores_total", "Drafts scored by /v1/score, by verdict.", ["verdict"])
MODEL_ANSWERS = Counter("reply_coach_model_answers_total", "Coach answers that called the model, by model.", ["model"])
MODEL_TOKENS = Counter("reply_coach_model_tokens_total", "Tokens the model was sent and wrote, by kind.", ["kind"])
MODEL_COST = Counter("reply_coach_model_cost_usd_total", "Model spend in US dollars, where the provider prices it.")
CACHE = Counter("reply_coach_answer_cache_total", "Model-answer cache look-ups, by result (hit or miss).", ["result"])
REFUSALS = Counter("reply_coach_refusals_total", "Requests refused before any work, by error code.", ["code"])
REDIS_UP = Gauge("reply_coach_redis_up", "1 while the shared Redis answers; 0 while this process keeps limits and "
                 "cache in its own memory (and always without Redis).", multiprocess_mode="min")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id a proxy or client sent is kept when it is short and plain, so one id follows a request end to end.
_ACCEPTABLE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


def observe_coach(response: CoachResponse) -> None:
    engine = response.engine
    COACHES.labels(engine.name, response.scores.verdict, str(engine.degraded).lower()).inc()
    usage = response.usage
    if engine.name == "llm" and (usage.prompt_tokens or usage.completion_tokens):
        MODEL_ANSWERS.labels(engine.model or "unknown").inc()
        MODEL_TOKENS.labels("prompt").inc(usage.prompt_tokens)
        MODEL_TOKENS.labels("completion").inc(usage.completion_tokens)
        if usage.cost_usd:
            MODEL_COST.inc(usage.cost_usd)


def observe_scores(scores: Scores) -> None:
    SCORES.labels(scores.verdict).inc()


def metrics_body() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the request id it happened in."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname.lower(),
                 "logger": record.name, "message": record.getMessage(), "request_id": current_request_id()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str = "info") -> dict:
    """uvicorn's and the app's logs as JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLogFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
                    for name in ("reply_coach", "uvicorn", "uvicorn.error")},
    }


logger = logging.getLogger("reply_coach")
SLOW_REQUEST_S = 1.0
_METHODS = {"GET", "POST", "OPTIONS", "HEAD", "PUT", "PATCH", "DELETE"}
# Ids are a random prefix, the process id and a count: unique across workers (forked or not) and
# replicas, and cheaper than a random id per request on the /v1/score path.
_ID_PREFIX = secrets.token_hex(6)
_next_id = itertools.count(1).__next__


def _new_request_id() -> str:
    return f"{_ID_PREFIX}{os.getpid():x}-{_next_id():x}"


class _LabelledChildren(dict):
    """A metric's child per label values, kept so that the request path skips prometheus-client's lock."""

    def __init__(self, metric) -> None:  # noqa: ANN001
        super().__init__()
        self.metric = metric

    def __missing__(self, labels: tuple[str, ...]):  # noqa: ANN204
        child = self[labels] = self.metric.labels(*labels)
        return child


_REQUEST_COUNTS = _LabelledChildren(REQUESTS)
_LATENCIES = _LabelledChildren(LATENCY)


class ObservabilityMiddleware:
    """Gives every request an id (returned as X-Request-Id), counts and times it by route template,
    and logs it as one JSON line when it failed or was slow, or always with access_log."""

    def __init__(self, app: ASGIApp, known_paths: frozenset[str] = frozenset(), access_log: bool = False) -> None:
        self.app = app
        # A request refused before routing (401, 413, 429) is still counted under its route.
        self.known_paths = known_paths
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_id = next((value for name, value in scope["headers"] if name == b"x-request-id"), None)
        request_id = sent_id.decode() if sent_id and _ACCEPTABLE_ID.match(sent_id) else _new_request_id()
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or (
                scope["path"] if scope["path"] in self.known_paths else "unmatched")
            method = scope["method"] if scope["method"] in _METHODS else "other"
            _REQUEST_COUNTS[route, method, status].inc()
            _LATENCIES[(route,)].observe(elapsed)
            if self.access_log or status >= 400 or elapsed > SLOW_REQUEST_S:
                logger.info("request", extra={"fields": {"method": method, "route": route, "status": status,
                                                         "duration_ms": round(elapsed * 1000, 1)}})
            _request_id.reset(token)
