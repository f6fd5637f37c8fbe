"""Why a coach request cannot be answered, as the engines and the service say it; the web layer
(api.errors) turns each into its HTTP status and the SPEC's error envelope."""


class CoachError(Exception):
    """A request the service cannot answer; code is the SPEC's, field the request field at fault."""

    code = "coach_error"
    field: str | None = None

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class ModelNotAllowed(CoachError):
    code = "model_not_allowed"
    field = "options.model"
