"""The error responses each POST route documents in the OpenAPI schema."""

from typing import Any

from api.schemas import ErrorResponse

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        413: "draft_too_long / payload_too_large",
        415: "unsupported_media_type",
        422: "invalid_request / invalid_json / model_not_allowed",
        429: "rate_limited",
        502: "llm_bad_output",
        503: "llm_unavailable",
        504: "llm_timeout",
    }.items()
}
