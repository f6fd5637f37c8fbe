from fastapi import APIRouter

from api.deps import JsonBody
from api.errors_doc import ERROR_RESPONSES
from api.schemas import ScoreRequest, Scores
from api.scoring.scorer import score_draft

router = APIRouter(prefix="/v1", tags=["score"])


@router.post("/score", response_model=Scores, dependencies=[JsonBody], responses=ERROR_RESPONSES)
async def score(request: ScoreRequest) -> Scores:
    """Scores only: no model, no rewrite; fast enough for every pause in typing."""
    return score_draft(request.text, request.context).scores
