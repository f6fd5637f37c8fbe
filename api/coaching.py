"""Chooses the engine for a request (SPEC §3) and enforces the model allow-list."""

from api.engines.local import LocalEngine
from api.errors import ApiError
from api.schemas import CoachOptions, CoachRequest, CoachResponse
from api.settings import Settings


class CoachService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.local = LocalEngine()

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.model)

    async def coach(self, request: CoachRequest) -> CoachResponse:
        options = request.options or CoachOptions()
        if options.model is not None and options.model not in self.settings.model_allow_list:
            raise ApiError(422, "model_not_allowed", "This model is not on the server's allow-list.", "options.model")
        wants_llm = options.engine == "llm" or (options.engine == "auto" and self.llm_configured)
        if not wants_llm:
            return await self.local.coach(request)
        if not self.llm_configured and options.model is None:
            raise ApiError(503, "llm_unavailable", "No model is configured on this server; use engine 'local'.")
        from api.engines.llm import LlmEngine  # litellm loads only when a model is first used

        return await LlmEngine.shared(self.settings).coach(request, options.model, strict=options.engine == "llm")
