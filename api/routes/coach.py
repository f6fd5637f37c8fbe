from fastapi import APIRouter

from api.deps import CoachDep, JsonBody
from api.errors_doc import ERROR_RESPONSES
from api.observability import observe_coach
from api.schemas import CoachRequest, CoachResponse

router = APIRouter(prefix="/v1", tags=["coach"])


@router.post("/coach", response_model=CoachResponse, dependencies=[JsonBody], responses=ERROR_RESPONSES)
async def coach(request: CoachRequest, service: CoachDep) -> CoachResponse:
    """Score the draft, critique it with spans, and rewrite it."""
    response = await service.coach(request)
    observe_coach(response)
    return response
