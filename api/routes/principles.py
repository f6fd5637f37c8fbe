from fastapi import APIRouter

from api.errors_doc import READ_ERRORS
from api.judge.principles import PRINCIPLES
from api.schemas import PrincipleOut

router = APIRouter(prefix="/v1", tags=["principles"])


@router.get("/principles", response_model=list[PrincipleOut], responses=READ_ERRORS)
def principles() -> list[PrincipleOut]:
    """The six principles a graceful reply is scored against."""
    return [PrincipleOut(id=p.id, title=p.title, shown_by=p.shown_by, broken_by=p.broken_by) for p in PRINCIPLES]
