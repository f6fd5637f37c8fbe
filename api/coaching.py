"""Chooses the engine for a request (SPEC §3) and enforces the model allow-list."""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from api.coach_errors import ModelNotAllowed
from api.engines.local import LocalEngine
from api.schemas import CoachOptions, CoachRequest, CoachResponse
from api.settings import Settings
from api.shared_state import SharedState

if TYPE_CHECKING:
    from api.engines.llm import LlmEngine


class CoachService:
    def __init__(self, settings: Settings, shared: SharedState | None = None) -> None:
        self.settings = settings
        self.shared = shared or SharedState(settings)
        self.local = LocalEngine()
        self._llm: LlmEngine | None = None

    def llm_engine(self) -> "LlmEngine":
        """The llm engine and its answer cache, made on first use: litellm loads only when a model is used."""
        if self._llm is None:
            from api.engines.llm import LlmEngine

            self._llm = LlmEngine(self.settings, self.shared)
        return self._llm

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.model)

    def llm_ready(self) -> bool:
        """A model is configured and its client is loaded."""
        if not self.llm_configured:
            return False
        from api.llm_client import litellm_loaded

        return litellm_loaded()

    async def warm_up(self) -> None:
        """Load the model client in the background when a model is configured, so the first request need not."""
        if self.llm_configured:
            from api.llm_client import load_litellm

            await load_litellm()

    def _wants_llm(self, request: CoachRequest) -> bool:
        options = request.options or CoachOptions()
        if options.model is not None and options.model not in self.settings.model_allow_list:
            raise ModelNotAllowed("This model is not on the server's allow-list.")
        wants_llm = options.engine == "llm" or (options.engine == "auto" and self.llm_configured)
        if wants_llm and not self.llm_configured and options.model is None:
            from api.llm_client import LlmUnavailable

            raise LlmUnavailable("No model is configured on this server; use engine 'local'.")
        return wants_llm

    async def coach(self, request: CoachRequest) -> CoachResponse:
        options = request.options or CoachOptions()
        if not self._wants_llm(request):
            return await self.local.coach(request)
        return await self.llm_engine().coach(request, options.model, strict=options.engine == "llm")

    def coach_stream(self, request: CoachRequest) -> AsyncIterator[tuple[str, Any]]:
        """The coach as events (see LlmEngine.coach_stream); request errors are raised before the stream starts."""
        options = request.options or CoachOptions()
        if not self._wants_llm(request):
            return self._local_stream(request)
        return self.llm_engine().coach_stream(request, options.model, strict=options.engine == "llm")

    async def _local_stream(self, request: CoachRequest) -> AsyncIterator[tuple[str, Any]]:
        response = await self.local.coach(request)
        yield "local", {"scores": response.scores, "critiques": response.critiques,
                        "critiques_omitted": response.critiques_omitted}
        if response.rewrite:
            yield "rewrite", response.rewrite
        yield "result", response
