"""The error responses each route documents in the OpenAPI schema: every error the API can return."""

from typing import Any

from api.schemas import ErrorResponse


def _responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse, "description": text} for status, text in described.items()}


# Every /v1 route: a missing or wrong key, a request over the limit, a bug.
_ACCESS = {
    401: "unauthorized: REPLY_COACH_API_KEYS is set and the request has no valid `Authorization: Bearer <key>`",
    429: "rate_limited: over REPLY_COACH_RATE_LIMIT for this key or client; see Retry-After and the RateLimit headers",
    500: "internal_error",
}
READ_ERRORS = _responses(_ACCESS)
ERROR_RESPONSES = _responses({
    408: "request_timeout: the body did not arrive in time",
    413: "draft_too_long (the draft or text) / field_too_long (any other text over its length) / payload_too_large",
    415: "unsupported_media_type",
    403: "model_not_allowed: options.model is not on the server's allow-list",
    422: "invalid_request / invalid_json (malformed, not UTF-8, nested too deeply, a number too long)",
    **_ACCESS,
    502: "llm_bad_output",
    503: "llm_unavailable",
    504: "llm_timeout",
})
