from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CoachDep
from api.judge.text.readability import pronouncing_dictionary_loaded
from api.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> HealthResponse:
    """The process is alive."""
    return HealthResponse()


@router.get("/readyz", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
async def readyz(service: CoachDep) -> JSONResponse:
    """Ready to serve, and which engines can: local once its dictionary is loaded, llm once a model is
    configured and its client loaded (in the background at start-up). Redis being down does not make
    the service unready (it keeps limits and cache per process meanwhile); `redis` says so."""
    engines = {"local": pronouncing_dictionary_loaded(), "llm": service.llm_ready()}
    body = ReadyResponse(ready=engines["local"], engines=engines, redis=await service.shared.check())
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)
