"""The llm engine: one model call per coach, checked by the server before anything reaches the client.

Scores come from one judge: the local rules plus the model's critiques, once their quotes are
found in the draft here (spans are never trusted from the model). The model also writes a rewrite, which must score at least as well as the draft, trip no rule, invent no
name or number and keep the given names; otherwise the model gets one retry listing the problems,
then the local rewrite is used and the response says degraded: true with the reason.

Failures are raised as LlmError when the client asked for engine "llm" (strict), which the web
layer maps to the SPEC's errors, and answered by the local engine with degraded: true otherwise:

- the overall deadline (REPLY_COACH_TIMEOUT_S) passes          -> 504 llm_timeout
- connection refused, 429 or 5xx after retries, every fallback
  model failed, bad credentials, unknown model                  -> 503 llm_unavailable (+ Retry-After on 429)
- empty, truncated, malformed or wrong-schema output, twice     -> 502 llm_bad_output
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
    CoachAnswer,
    ModelCritique,
    cache_key,
    coach_messages,
    complete_critiques,
    model_critiques,
    repair_messages,
    rewrite_problems,
)
from api.engines.local import coach_locally, score_off_loop
from api.engines.response import capped_critiques, critique_from_finding, response_id
from api.engines.rewrite import local_rewrite
from api.judge import ScoredDraft, model_finding, score_draft
from api.llm_client import LlmBadOutput, LlmError, LlmUsage, complete_structured, stream_structured
from api.schemas import CoachContext, CoachOptions, CoachRequest, CoachResponse, Critique, EngineInfo, Rewrite, Usage
from api.settings import Settings
from api.shared_state import SharedState

StreamEvent = tuple[str, Any]


class LlmEngine:
    def __init__(self, settings: Settings, shared: SharedState | None = None) -> None:
        self.settings = settings
        self.cache = AnswerCache(settings, shared)

    async def coach(self, request: CoachRequest, model: str | None, strict: bool) -> CoachResponse:
        started = time.perf_counter()
        model = model or self.settings.model
        if not model:
            return self._failed(request, LlmError("No model is configured on this server."), strict)
        key = cache_key(request, model)
        cached = await self.cache.get(key)
        if cached is not None:
            return _from_cache(cached, started)
        messages = coach_messages(request)
        call = asyncio.create_task(complete_structured(
            model, messages, CoachAnswer, settings=self.settings, timeout_s=self.settings.timeout_s,
            fallbacks=self._fallbacks(model),
        ))
        try:
            # Scoring a draft of usual length takes a millisecond or two; on the event loop it costs
            # less than the hand-off to a thread would, which matters with hundreds of requests in flight.
            scored = await score_off_loop(request.draft, request.context or CoachContext())
            answer, usage = await call
        except LlmError as error:
            return self._failed(request, error, strict)
        finally:
            call.cancel()
        response = await self._checked_response(request, scored, messages, answer, usage, started)
        if not response.engine.degraded:
            await self.cache.put(key, response)
        return response

    async def coach_stream(self, request: CoachRequest, model: str | None, strict: bool) -> AsyncIterator[StreamEvent]:
        """Events: 'local' at once, a 'critique' per model critique as it arrives, 'rewrite', then 'result'.

        The 'result' event carries the /v1/coach body and is the one to trust: critiques streamed
        before a repair retry may differ from it. With strict, a failure ends the stream with 'error'.
        """
        started = time.perf_counter()
        model = model or self.settings.model
        context = request.context or CoachContext()
        scored = await score_off_loop(request.draft, context)
        local = [critique_from_finding(f) for f in scored.findings]
        shown, omitted = capped_critiques(scored.findings)
        yield "local", {"scores": scored.scores, "critiques": shown, "critiques_omitted": omitted}
        if not model:
            yield self._failed_event(request, LlmError("No model is configured on this server."), strict)
            return
        key = cache_key(request, model)
        cached = await self.cache.get(key)
        if cached is not None:
            response = _from_cache(cached, started)
            for critique in response.critiques:
                if critique.rule.endswith(".llm"):
                    yield "critique", critique
            if response.rewrite:
                yield "rewrite", response.rewrite
            yield "result", response
            return
        messages = coach_messages(request)
        buffer = ""
        sent: list[Critique] = []
        seen = 0
        answer: CoachAnswer | None = None
        usage = LlmUsage()
        try:
            async for part in stream_structured(
                model, messages, CoachAnswer, settings=self.settings, timeout_s=self.settings.timeout_s,
                fallbacks=self._fallbacks(model),
            ):
                if part.text:
                    buffer += part.text
                    items = complete_critiques(buffer)
                    for index, item in enumerate(items[seen:], start=seen):
                        critique = _streamed_critique(request.draft, item, index, [*local, *sent])
                        if critique is not None:
                            sent.append(critique)
                            yield "critique", critique
                    seen = len(items)
                if part.answer is not None:
                    answer = part.answer  # type: ignore[assignment]
                    usage = part.usage or usage
        except LlmError as error:
            yield self._failed_event(request, error, strict)
            return
        if answer is None:
            yield self._failed_event(request, LlmBadOutput("The model's stream ended without an answer."), strict)
            return
        response = await self._checked_response(request, scored, messages, answer, usage, started)
        if not response.engine.degraded:
            await self.cache.put(key, response)
        if response.rewrite:
            yield "rewrite", response.rewrite
        yield "result", response

    def _fallbacks(self, model: str) -> list[str]:
        return [m for m in self.settings.fallback_models if m != model]

    async def _checked_response(
        self, request: CoachRequest, scored: ScoredDraft, messages: list[dict], answer: CoachAnswer,
        usage: LlmUsage, started: float,
    ) -> CoachResponse:
        context = request.context or CoachContext()
        options = request.options or CoachOptions()
        local = [critique_from_finding(f) for f in scored.findings]
        located = model_critiques(request.draft, answer.critiques, local)
        if located:
            # One judge: the model's critiques count in the statuses, the grace score and the verdict.
            scored = score_draft(request.draft, context, extra_findings=[model_finding(c) for c in located])
        critiques, omitted = capped_critiques(scored.findings)
        rewrite = None
        reason = None
        if options.rewrite:
            text = answer.rewrite
            scored_rewrite = score_draft(text, context) if text and text.strip() else None
            problems = rewrite_problems(text, request, scored.scores.overall, scored_rewrite)
            if problems:
                text, scored_rewrite, problems = await self._retry_rewrite(
                    request, scored, messages, answer, problems, usage, started
                )
            if problems or text is None or scored_rewrite is None:
                text = local_rewrite(request.draft, context, scored.findings)
                scored_rewrite = score_draft(text, context)
                reason = "The model's rewrite failed the server's checks twice (" + problems[0].rstrip(".") + \
                    "); the rewrite is the local engine's."
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
        )

    async def _retry_rewrite(
        self, request: CoachRequest, scored: ScoredDraft, messages: list[dict], answer: CoachAnswer,
        problems: list[str], usage: LlmUsage, started: float,
    ) -> tuple[str | None, ScoredDraft | None, list[str]]:
        """One more model call listing what was wrong with the rewrite; the new rewrite, its scores and problems."""
        remaining = self.settings.timeout_s - (time.perf_counter() - started)
        if remaining <= 0.05:
            return None, None, problems
        try:
            retried, retry_usage = await complete_structured(
                usage.model or self.settings.model or "", repair_messages(messages, answer, problems), CoachAnswer,
                settings=self.settings, timeout_s=remaining,
            )
        except LlmError:
            return None, None, problems
        usage.prompt_tokens += retry_usage.prompt_tokens
        usage.completion_tokens += retry_usage.completion_tokens
        if retry_usage.cost_usd is not None:
            usage.cost_usd = (usage.cost_usd or 0.0) + retry_usage.cost_usd
        text = retried.rewrite
        scored_rewrite = score_draft(text, request.context or CoachContext()) if text and text.strip() else None
        return text, scored_rewrite, rewrite_problems(text, request, scored.scores.overall, scored_rewrite)

    def _failed(self, request: CoachRequest, error: LlmError, strict: bool) -> CoachResponse:
        if strict:
            raise error
        return coach_locally(request, degraded_reason=f"{error.message} The local engine answered instead.")

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
    return kept[0] if kept else None
