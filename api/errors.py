"""The error envelope of SPEC §2 for every 4xx/5xx, FastAPI's own errors included."""

import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.coach_errors import CoachError, ModelNotAllowed
from api.schemas import MAX_DRAFT_CHARS

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
    415: "unsupported_media_type", 429: "rate_limited",
}
_TEXT_FIELDS = {("body", "draft"), ("body", "text")}
# Why FastAPI could not parse a body it then reports as a bare 400; each is a malformed body.
_UNPARSEABLE_BODY = {
    UnicodeDecodeError: "The request body is not valid UTF-8.",
    RecursionError: "The request body is nested too deeply.",
    ValueError: "The request body holds a number too long to read.",
}


class ApiError(Exception):
    """An error the client should see, with a stable code and, where it applies, the field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


# The HTTP status of each error the engines and the service raise; by code, so the model client
# (and litellm) need not be imported to answer a request that never used a model.
# A model off the allow-list is a well-formed request this server will not serve: 403, not 422.
_COACH_ERROR_STATUS = {ModelNotAllowed.code: 403, "llm_bad_output": 502, "llm_unavailable": 503, "llm_timeout": 504}


def coach_error_status(error: CoachError) -> int:
    return _COACH_ERROR_STATUS.get(error.code, 500)


def error_envelope(error: CoachError) -> dict:
    """The SPEC's error body for an error the engines or the service raised."""
    return {"error": {"code": error.code, "message": error.message, "field": error.field}}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(status_code=status, content=body, headers=headers)


def _field_path(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or None


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "Invalid request.", "type": ""}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "string_too_long":
        # One kind of limit, one status: every text over its length is 413.
        limit = (first.get("ctx") or {}).get("max_length", MAX_DRAFT_CHARS)
        field = _field_path(loc)
        code = "draft_too_long" if loc in _TEXT_FIELDS else "field_too_long"
        return error_response(413, code, f"The {field} is longer than {limit} characters.", field)
    if first.get("type") == "json_invalid":
        return error_response(422, "invalid_json", "The request body is not valid JSON.", None)
    # The message names the problem but never echoes the input: drafts are personal.
    message = str(first.get("msg", "Invalid request.")).removeprefix("Value error, ")
    field = _field_path(loc)
    if first.get("type") == "missing":
        message = "This field is required."
    elif first.get("type") == "extra_forbidden":
        message = "Unknown field."
    return error_response(422, "invalid_request", message, field)


def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


def _coach_error(request: Request, exc: CoachError) -> JSONResponse:
    # A provider's Retry-After is passed on.
    headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))} if exc.retry_after is not None else None
    return JSONResponse(status_code=coach_error_status(exc), content=error_envelope(exc), headers=headers)


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:
        cause = exc.__cause__
        message = next((m for kind, m in _UNPARSEABLE_BODY.items() if isinstance(cause, kind)),
                       "The request body is not valid JSON.")
        return error_response(422, "invalid_json", message, None)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, detail, None, getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(CoachError, _coach_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    # Errors nothing here handles are answered by api.middleware.ResponseGuardMiddleware.
