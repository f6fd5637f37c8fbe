"""The llm engine: one model call per coach on the happy path, checked by the server before anything
reaches the client.

Scores come from one judge: the local rules plus the model's critiques, once their quotes are
found in the draft here (spans are never trusted from the model). The answer checks itself against
the draft (CoachAnswer.problems: quotes found, the rewrite scores at least as well as the draft, trips
no rule, invents no name or number and keeps the given names; each one-click replacement passes the
same checks where it stands); the one answer loop in api.llm_client re-asks with the errors under one
retry budget. If the last answer still fails only the rewrite checks, its critiques are used with the
local rewrite, and the response says degraded: true; a replacement that still fails is dropped for the
local engine's fix.

`coach()` is the last event of `coach_stream()`. Failures are raised as LlmError when the client
asked for engine "llm" (strict), which the web layer maps to the SPEC's errors, and answered by the
local engine with degraded: true otherwise:

- the overall deadline (REPLY_COACH_TIMEOUT_S) or a call's timeout passes -> 504 llm_timeout
- connection refused, 429 or 5xx after retries, every fallback
  model failed, bad credentials, unknown model, the breaker is open     -> 503 llm_unavailable (+ Retry-After)
- empty, truncated, malformed or wrong-schema output on every attempt   -> 502 llm_bad_output
"""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from api.answer_cache import AnswerCache
from api.engines.llm_checks import (
    MAX_MODEL_CRITIQUES,
    PROMPT_VERSION,
    AnswerContext,
    CoachAnswer,
    ModelCritique,
    cache_key,
    checked_replacements,
    coach_messages,
    complete_critiques,
    model_critiques,
)
from api.engines.local import coach_locally, read_off_loop, score_off_loop
from api.engines.response import critique_from_finding, critiques_with_fixes, response_id
from api.engines.rewrite import local_rewrite
from api.judge import model_finding, score_draft
from api.llm_client import (
    LlmBadOutput,
    LlmError,
    LlmTimeout,
    LlmUnavailable,
    LlmUsage,
    StreamPart,
    answer_loop,
)
from api.schemas import CoachContext, CoachOptions, CoachRequest, CoachResponse, Critique, EngineInfo, Rewrite, Usage
from api.settings import Settings
from api.shared_state import SharedState

StreamEvent = tuple[str, Any]


class CircuitBreaker:
    """Opens after `failures` model requests in a row failed (unreachable, 5xx, timeout); while open,
    requests skip the model at once. After `cooldown_s` one request probes the model again: its
    success closes the breaker, its failure opens it for another cooldown."""

    def __init__(self, failures: int, cooldown_s: float) -> None:
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    def allows(self) -> bool:
        """Whether this request may call the model (taking the probe when the cooldown is over)."""
        if self.threshold <= 0 or self.opened_at is None:
            return True
        if not self.probing and time.monotonic() - self.opened_at >= self.cooldown_s:
            self.probing = True
            return True
        return False

    def retry_after(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown_s - (time.monotonic() - self.opened_at))

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self) -> None:
        self.failures += 1
        self.probing = False
        if self.threshold > 0 and self.failures >= self.threshold:
            self.opened_at = time.monotonic()

    def abandoned(self) -> None:
        """A request that took the probe ended without a verdict (e.g. the client left)."""
        self.probing = False


class LlmEngine:
    def __init__(self, settings: Settings, shared: SharedState | None = None) -> None:
        self.settings = settings
        self.cache = AnswerCache(settings, shared)
        self.breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, model: str) -> CircuitBreaker:
        if model not in self.breakers:
            self.breakers[model] = CircuitBreaker(self.settings.breaker_failures, self.settings.breaker_cooldown_s)
        return self.breakers[model]

    async def coach(self, request: CoachRequest, model: str | None, strict: bool) -> CoachResponse:
        """The /v1/coach body: the last event of the same events coach_stream yields (without streaming)."""
        async for name, data in self._events(request, model, strict, stream=False):
            if name == "result":
                return data
            if name == "error":
                raise data
        raise LlmBadOutput("The model's answer ended without a result.")

    def coach_stream(self, request: CoachRequest, model: str | None, strict: bool) -> AsyncIterator[StreamEvent]:
        """Events: 'local' at once, a 'critique' per model critique as it arrives, 'rewrite', then 'result'.

        The 'result' event carries the /v1/coach body and is the one to trust: critiques streamed
        before a re-ask may differ from it. With strict, a failure ends the stream with 'error'.
        """
        return self._events(request, model, strict, stream=True)

    async def _events(self, request: CoachRequest, model: str | None, strict: bool,
                      stream: bool) -> AsyncIterator[StreamEvent]:
        started = time.perf_counter()
        model = model or self.settings.model
        checks = AnswerContext(request)
        key = cache_key(request, model) if model else ""
        cached = await self.cache.get(key) if model else None
        breaker = self.breaker(model) if model else None
        parts: asyncio.Queue[StreamPart | LlmError] = asyncio.Queue()
        call = None
        if model and cached is None and breaker is not None and breaker.allows():
            # The model call starts first; scoring a draft of usual length on the event loop meanwhile
            # costs less than a hand-off to a thread, which matters with hundreds of requests in flight.
            call = asyncio.create_task(self._ask(model, request, checks, stream, parts))
        verdict_given = False
        try:
            # A long draft is read on a worker thread (see api.engines.local.THREAD_FROM_CHARS).
            scored = checks.use_scored(await score_off_loop(request.draft, request.context or CoachContext()))
            local = [critique_from_finding(f) for f in scored.findings]
            if stream:  # coach() keeps only the result: the local critiques' fixes are for a stream
                shown, omitted = await read_off_loop(request.draft, critiques_with_fixes, request.draft, scored,
                                                     request.context)
                yield "local", {"scores": scored.scores, "critiques": shown, "critiques_omitted": omitted}
            if not model:
                yield self._failed_event(request, LlmError("No model is configured on this server."), strict)
                return
            if cached is not None:
                response = _from_cache(cached, started)
                for critique in response.critiques:
                    if critique.rule.endswith(".llm"):
                        yield "critique", critique
                if response.rewrite:
                    yield "rewrite", response.rewrite
                yield "result", response
                return
            if call is None:
                wait = breaker.retry_after() if breaker else 0.0
                error = LlmUnavailable(f"The model failed {self.settings.breaker_failures} requests in a row; it is "
                                       f"tried again in {wait:.0f} s.", retry_after=wait)
                yield self._failed_event(request, error, strict)
                return
            buffer = ""
            seen = 0
            sent: list[Critique] = []
            while True:
                part = await parts.get()
                if isinstance(part, LlmError):
                    if breaker is not None:
                        breaker.failed() if isinstance(part, LlmUnavailable | LlmTimeout) else breaker.succeeded()
                    verdict_given = True
                    yield self._failed_event(request, part, strict)
                    return
                if part.retrying is not None:
                    buffer, seen = "", 0  # the re-asked answer streams from its start
                if part.text:
                    buffer += part.text
                    items = complete_critiques(buffer)
                    for index, item in enumerate(items[seen:], start=seen):
                        critique = _streamed_critique(request.draft, item, index, [*local, *sent])
                        if critique is not None and all(c.id != critique.id for c in sent):
                            sent.append(critique)
                            yield "critique", critique
                    seen = len(items)
                if part.answer is not None:
                    break
            if breaker is not None:
                breaker.succeeded()
            verdict_given = True
            response = await read_off_loop(request.draft, self._checked_response, request, checks, part.answer,
                                           part.usage or LlmUsage(), started)
            if not response.engine.degraded:
                await self.cache.put(key, response)
            if response.rewrite:
                yield "rewrite", response.rewrite
            yield "result", response
        finally:
            if call is not None:
                call.cancel()
                if breaker is not None and not verdict_given:
                    breaker.abandoned()

    async def _ask(self, model: str, request: CoachRequest, checks: AnswerContext, stream: bool,
                   parts: "asyncio.Queue[StreamPart | LlmError]") -> None:
        """Runs the answer loop, passing each part (or the error that ended it) to the queue."""
        try:
            async for part in answer_loop(
                model, coach_messages(request), CoachAnswer, settings=self.settings,
                timeout_s=self.settings.timeout_s, fallbacks=self._fallbacks(model), context=checks, stream=stream,
            ):
                parts.put_nowait(part)
        except LlmError as error:
            parts.put_nowait(error)
        except Exception as error:  # a bug or an unexpected provider reply must still end the request
            parts.put_nowait(LlmUnavailable(f"The model call failed ({type(error).__name__})."))

    def _fallbacks(self, model: str) -> list[str]:
        return [m for m in self.settings.fallback_models if m != model]

    def _checked_response(self, request: CoachRequest, checks: AnswerContext, answer: CoachAnswer,
                          usage: LlmUsage, started: float) -> CoachResponse:
        context = request.context or CoachContext()
        options = request.options or CoachOptions()
        scored = checks.scored_draft()
        local = [critique_from_finding(f) for f in scored.findings]
        located = model_critiques(request.draft, answer.critiques, local)
        if located:
            # One judge: the model's critiques count in the statuses, the grace score and the verdict.
            scored = score_draft(request.draft, context, extra_findings=[model_finding(c) for c in located])
        # The answer loop re-asked for replacements that failed these checks; any still failing are dropped.
        proposed = {c.id: checked_replacements(checks, c) for c in located if c.replacements}
        critiques, omitted = critiques_with_fixes(request.draft, scored, context, proposed)
        rewrite = None
        reason = None
        if options.rewrite:
            text = answer.rewrite
            problems = checks.rewrite_problems(text)
            if problems or not text:
                text = local_rewrite(request.draft, context, scored.findings)
                scored_rewrite = score_draft(text, context)
                attempts = self.settings.answer_retries + 1
                reason = (f"The model's rewrite failed the server's checks after {attempts} "
                          f"attempt{'s' if attempts > 1 else ''} ({problems[0].rstrip('.')}); "
                          "the rewrite is the local engine's.")
            else:
                scored_rewrite = checks.score_rewrite(text)
            rewrite = Rewrite(text=text, scores=scored_rewrite.scores)
        return CoachResponse(
            id=response_id(),
            scores=scored.scores,
            critiques=critiques,
            critiques_omitted=omitted,
            rewrite=rewrite,
            engine=EngineInfo(name="llm", model=usage.model, prompt_version=PROMPT_VERSION,
                              degraded=reason is not None, reason=reason),
            usage=Usage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                        cost_usd=usage.cost_usd, latency_ms=round((time.perf_counter() - started) * 1000, 3)),
            summary=answer.summary.strip() or None,
        )

    def _failed(self, request: CoachRequest, error: LlmError, strict: bool) -> CoachResponse:
        if strict:
            raise error
        response = coach_locally(request, degraded_reason=f"{error.message} The local engine answered instead.")
        if error.usage is not None and error.usage.calls:
            # The model's failed attempts were paid for: the local answer reports them.
            response.usage.prompt_tokens = error.usage.prompt_tokens
            response.usage.completion_tokens = error.usage.completion_tokens
            response.usage.cost_usd = error.usage.cost_usd
        return response

    def _failed_event(self, request: CoachRequest, error: LlmError, strict: bool) -> StreamEvent:
        """The stream's last event: the local answer, or with strict the error itself."""
        return ("error", error) if strict else ("result", self._failed(request, error, strict))


def _from_cache(cached: CoachResponse, started: float) -> CoachResponse:
    # No model call was made for this answer, so it costs no tokens.
    return cached.model_copy(update={
        "id": response_id(),
        "usage": Usage(cost_usd=0.0, latency_ms=round((time.perf_counter() - started) * 1000, 3)),
    })


def _streamed_critique(draft: str, item: dict, index: int, earlier: list[Critique]) -> Critique | None:
    try:
        parsed = ModelCritique.model_validate(item)
    except ValidationError:
        return None
    if index >= MAX_MODEL_CRITIQUES:
        return None
    kept = model_critiques(draft, [parsed], earlier, first_index=index)
    # The model's replacements are checked with the whole answer; the result event carries them.
    return kept[0].model_copy(update={"replacements": []}) if kept else None
