from fastapi import APIRouter, Response

from api.deps import JsonBody
from api.engines.response import critiques_with_fixes
from api.errors_doc import ERROR_RESPONSES
from api.judge import score_draft
from api.schemas import ScoreRequest, ScoreResponse

router = APIRouter(prefix="/v1", tags=["score"])


@router.post("/score", response_model=ScoreResponse, dependencies=[JsonBody], responses=ERROR_RESPONSES)
async def score(request: ScoreRequest) -> Response:
    """Scores: no model, no rewrite; fast enough for every pause in typing. With options.critiques, also
    the critiques an editor underlines, with their one-click fixes."""
    scored = score_draft(request.text, request.context)
    # The bodies are already validated; serialising them directly skips FastAPI's second validation pass.
    if not (request.options and request.options.critiques):
        return Response(scored.scores.model_dump_json(), media_type="application/json")
    critiques = critiques_with_fixes(request.text, scored, request.context)
    body = ScoreResponse(**dict(scored.scores), critiques=critiques)
    return Response(body.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"})
