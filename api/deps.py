"""Dependencies the routes declare; tests swap them through app.dependency_overrides."""

from typing import Annotated

from fastapi import Depends, Request

from api.coaching import CoachService
from api.errors import ApiError
from api.settings import Settings


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_coach_service(request: Request) -> CoachService:
    return request.app.state.coach_service


async def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the request body as application/json.")


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CoachDep = Annotated[CoachService, Depends(get_coach_service)]
JsonBody = Depends(require_json)
