from fastapi import APIRouter, Response

from api.deps import JsonBody
from api.engines.local import read_off_loop, score_off_loop
from api.engines.response import critiques_with_fixes
from api.errors_doc import ERROR_RESPONSES
from api.judge import score_draft
from api.observability import observe_scores
from api.schemas import CoachContext, ScoreRequest, ScoreResponse

router = APIRouter(prefix="/v1", tags=["score"])


@router.post("/score", response_model=ScoreResponse, dependencies=[JsonBody], responses=ERROR_RESPONSES)
async def score(request: ScoreRequest) -> Response:
    """Scores: no model, no rewrite; fast enough for every pause in typing. With options.critiques, also
    the critiques an editor underlines, with their one-click fixes."""
    # The bodies are already validated; serialising them directly skips FastAPI's second validation pass.
    if not (request.options and request.options.critiques):
        scores = (await score_off_loop(request.text, request.context)).scores
        observe_scores(scores)
        return Response(scores.model_dump_json(), media_type="application/json")
    body = await read_off_loop(request.text, _with_critiques, request.text, request.context)
    observe_scores(body)
    return Response(body.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"})


def _with_critiques(text: str, context: CoachContext | None) -> ScoreResponse:
    scored = score_draft(text, context)
    critiques, omitted = critiques_with_fixes(text, scored, context)
    return ScoreResponse(**dict(scored.scores), critiques=critiques, critiques_omitted=omitted)
