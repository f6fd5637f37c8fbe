"""The embedded engine: deterministic, offline, no key; scores, critiques with spans and a rewrite."""

import time

from api.engines.response import critiques_with_fixes, response_id
from api.engines.rewrite import local_rewrite
from api.judge import score_draft
from api.schemas import CoachContext, CoachOptions, CoachRequest, CoachResponse, EngineInfo, Rewrite, Usage


class LocalEngine:
    async def coach(self, request: CoachRequest, model: str | None = None) -> CoachResponse:
        return coach_locally(request)


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
    return CoachResponse(
        id=response_id(),
        scores=scored.scores,
        critiques=critiques_with_fixes(request.draft, scored, context),
        rewrite=rewrite,
        engine=EngineInfo(name="local", degraded=degraded_reason is not None, reason=degraded_reason),
        usage=Usage(latency_ms=round((time.perf_counter() - started) * 1000, 3)),
    )
