from fastapi import APIRouter, Response

from api.deps import JsonBody
from api.engines.local import score_off_loop
from api.errors_doc import ERROR_RESPONSES
from api.observability import observe_scores
from api.schemas import ScoreRequest, Scores

router = APIRouter(prefix="/v1", tags=["score"])


@router.post("/score", response_model=Scores, dependencies=[JsonBody], responses=ERROR_RESPONSES)
async def score(request: ScoreRequest) -> Response:
    """Scores only: no model, no rewrite; fast enough for every pause in typing."""
    # Scores is already validated; serialising it directly skips FastAPI's second validation pass.
    scores = (await score_off_loop(request.text, request.context)).scores
    observe_scores(scores)
    return Response(scores.model_dump_json(), media_type="application/json")
