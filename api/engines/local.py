"""The embedded engine: deterministic, offline, no key; scores, critiques with spans and a rewrite."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from api.engines.response import critiques_with_fixes, response_id
from api.engines.rewrite import local_rewrite
from api.judge import ScoredDraft, score_draft
from api.schemas import CoachContext, CoachOptions, CoachRequest, CoachResponse, EngineInfo, Rewrite, Usage

T = TypeVar("T")

# Drafts longer than this are read on a worker thread, so that a few maximum-size drafts at once
# hold up neither /healthz nor other users' short drafts (the interpreter switches threads every
# few milliseconds); a shorter draft is read in a few milliseconds, less than the hand-off costs.
THREAD_FROM_CHARS = 2_000
# Long drafts read at once; more would only take turns on the interpreter lock and starve the
# event loop. The others wait their turn without holding anything up.
LONG_DRAFTS_AT_ONCE = 2
_long_draft_limiter: anyio.CapacityLimiter | None = None


class LocalEngine:
    async def coach(self, request: CoachRequest, model: str | None = None) -> CoachResponse:
        if len(request.draft) >= THREAD_FROM_CHARS:
            return await _on_worker_thread(coach_locally, request)
        return coach_locally(request)


async def score_off_loop(text: str, context: CoachContext | None) -> ScoredDraft:
    """score_draft, on a worker thread for a long draft (see THREAD_FROM_CHARS)."""
    if len(text) >= THREAD_FROM_CHARS:
        return await _on_worker_thread(score_draft, text, context)
    return score_draft(text, context)


async def read_off_loop(text: str, function: Callable[..., T], *args: Any) -> T:
    """function(*args), on a worker thread when text is a long draft (see THREAD_FROM_CHARS)."""
    if len(text) >= THREAD_FROM_CHARS:
        return await _on_worker_thread(function, *args)
    return function(*args)


async def _on_worker_thread(function: Callable[..., T], *args: Any) -> T:
    global _long_draft_limiter
    if _long_draft_limiter is None:  # made on first use: it needs a running event loop
        _long_draft_limiter = anyio.CapacityLimiter(LONG_DRAFTS_AT_ONCE)
    return await anyio.to_thread.run_sync(function, *args, limiter=_long_draft_limiter)


def coach_locally(request: CoachRequest, degraded_reason: str | None = None) -> CoachResponse:
    started = time.perf_counter()
    context = request.context or CoachContext()
    options = request.options or CoachOptions()
    scored = score_draft(request.draft, context)
    rewrite = None
    if options.rewrite:
        text = local_rewrite(request.draft, context, scored.findings)
        rewrite_scores = scored.scores if text == request.draft else score_draft(text, context).scores
        rewrite = Rewrite(text=text, scores=rewrite_scores)
    critiques, omitted = critiques_with_fixes(request.draft, scored, context)
    return CoachResponse(
        id=response_id(),
        scores=scored.scores,
        critiques=critiques,
        critiques_omitted=omitted,
        rewrite=rewrite,
        engine=EngineInfo(name="local", degraded=degraded_reason is not None, reason=degraded_reason),
        usage=Usage(latency_ms=round((time.perf_counter() - started) * 1000, 3)),
    )
