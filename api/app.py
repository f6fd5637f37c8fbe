"""The application factory: routes, the error envelope, CORS, body limits and start-up loading."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers
from starlette.responses import Response

from api.access import AccessMiddleware
from api.coaching import CoachService
from api.errors import error_response, install_error_handlers
from api.judge import prepare_scoring
from api.middleware import BodyLimitMiddleware, ResponseGuardMiddleware
from api.observability import REFUSALS, ObservabilityMiddleware
from api.routes import coach, health, metrics, principles, score, stream, web
from api.settings import Settings, get_settings
from api.shared_state import SharedState

API_VERSION = "1.0.0"


class EnvelopedCORSMiddleware(CORSMiddleware):
    """CORS whose refused preflight answers in the error envelope like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 400:
            return error_response(400, "cors_rejected", "This origin, method or header is not allowed by CORS.")
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepare_scoring()
        # The pronouncing dictionary is a few hundred thousand long-lived objects; frozen, the
        # garbage collector stops re-scanning them on every full collection.
        gc.freeze()
        # litellm takes seconds to import; with a model configured it loads while the local engine
        # already serves, and /readyz reports the llm engine once it is in. With several workers the
        # others serve meanwhile, so each worker loads it before it takes connections.
        if settings.workers > 1:
            await app.state.coach_service.warm_up()
        warm_up = asyncio.create_task(app.state.coach_service.warm_up())
        yield
        warm_up.cancel()
        await shared.close()

    app = FastAPI(
        title="Reply Coach",
        version=API_VERSION,
        summary="Coaches a candidate's reply to a rejection email: scores, span-level critiques and a rewrite.",
        lifespan=lifespan,
    )
    shared = SharedState(settings)
    app.state.settings = settings
    app.state.shared = shared
    app.state.coach_service = CoachService(settings, shared)
    routers = (coach.router, stream.router, score.router, principles.router, health.router, metrics.router,
               web.router)
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    # The last added runs first: CORS, then the headers of every response and the envelope of a
    # bug, then keys and limits (a caller without a key uploads nothing), then the body's bounds;
    # so every error (the 401, 413 and 429 of the middleware and a 500 included) carries CORS headers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)
    if settings.api_keys or settings.rate_limit:
        guarded = {route.path: frozenset(route.methods) for router in routers  # type: ignore[attr-defined]
                   for route in router.routes if route.path.startswith("/v1/")}  # type: ignore[attr-defined]
        app.add_middleware(AccessMiddleware, settings=settings, shared=shared, guarded=guarded,
                           on_refusal=lambda code: REFUSALS.labels(code).inc())
    app.add_middleware(ResponseGuardMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            EnvelopedCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization"],
            expose_headers=["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
                            "RateLimit-Policy", "X-Request-Id"],
        )
    known_paths = frozenset(route.path for router in routers for route in router.routes)  # type: ignore[attr-defined]
    app.add_middleware(ObservabilityMiddleware, known_paths=known_paths, access_log=settings.access_log)
    return app
