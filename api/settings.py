"""Configuration from the environment or a .env file (SPEC §6)."""

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]


def _keys_from_file_or_commas(value: object) -> object:
    """`@path` reads the keys from a file, one a line (blank lines and # comments skipped)."""
    if isinstance(value, str) and value.strip().startswith("@"):
        path = Path(value.strip()[1:]).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read the key file {path}") from error
        keys = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        if not keys:
            raise ValueError(f"the key file {path} holds no key")
        return keys
    return _split_commas(value)


KeyList = Annotated[list[str], NoDecode, BeforeValidator(_keys_from_file_or_commas)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPLY_COACH_", env_file=".env", extra="ignore")

    model: str | None = Field(None, description="litellm model string for the llm engine; unset means local.")
    api_base: str | None = None
    api_key: str | None = Field(None, repr=False)
    fallback_models: CommaList = Field(default_factory=list)
    allowed_models: CommaList = Field(default_factory=list)
    timeout_s: float = Field(30.0, gt=0, description="Overall deadline for one request's model work, retries included.")
    call_timeout_s: float = Field(20.0, gt=0, description="Deadline for a single model call.")
    retries: int = Field(2, ge=0, le=10, description="Retries of a model call after a 429, 5xx or lost connection.")
    answer_retries: int = Field(
        1, ge=0, le=3, description="Re-asks of the model after an answer that fails validation or the server's checks."
    )
    response_format: Literal["auto", "json_schema", "json_object", "none"] = Field(
        "auto", description="What the model server is asked to enforce; auto picks per provider."
    )
    seed: int | None = Field(None, description="Sampling seed sent to the model, for servers that take one.")
    breaker_failures: int = Field(
        5, ge=0, description="Failed model requests in a row after which auto requests go local at once; 0 = never."
    )
    breaker_cooldown_s: float = Field(30.0, gt=0, description="How long the breaker stays open before a probe.")
    retry_backoff_s: float = Field(0.5, ge=0, description="First pause before a retry; it doubles each time.")
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(1500, gt=0, description="Cap on the tokens of the model's answer.")
    cache_size: int = Field(256, ge=0, description="Coach answers kept in memory; 0 turns the cache off.")
    cache_bytes: int = Field(16 * 2**20, gt=0, description="Memory the in-process answer cache may hold.")
    cache_ttl_s: float = Field(3600.0, ge=0, description="How long a cached coach answer is served.")
    stream_keepalive_s: float = Field(10.0, gt=0, description="Seconds between keep-alive comments on a stream.")
    cors_origins: CommaList = Field(default_factory=list)
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "REPLY_COACH_HOST"))
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `reply-coach serve`; with more than one, "
                         "share limits and the answer cache through REPLY_COACH_REDIS_URL.")
    port: int = Field(8000, ge=0, le=65535, validation_alias=AliasChoices("PORT", "REPLY_COACH_PORT"))
    max_body_bytes: int = Field(256_000, gt=0, description="Larger request bodies are refused with 413.")
    api_keys: KeyList = Field(default_factory=list, repr=False, description=(
        "Keys a /v1 request must present as `Authorization: Bearer <key>`: comma-separated, or @path "
        "to a file of them, one a line. None: no authentication."))
    rate_limit: str | None = Field(None, description="Requests allowed per key (per client address without keys), "
                                   "e.g. 60/minute or 5/second; unset: no limit.")
    redis_url: str | None = Field(None, repr=False, description="Redis shared by every worker and replica for the "
                                  "rate limits and the model-answer cache, e.g. redis://127.0.0.1:6379/0.")
    redis_key_prefix: str = Field("reply-coach:", description="Prefix of every key this service keeps in Redis.")
    redis_timeout_s: float = Field(0.5, gt=0, description="Deadline for one Redis call; past it this process "
                                   "falls back to its own memory for a while.")
    access_log: bool = Field(False, description="Log every request as a JSON line (failed and slow ones always are).")
    body_timeout_s: float = Field(10.0, gt=0, description="A request body that takes longer to arrive is refused with 408.")

    @field_validator("rate_limit")
    @classmethod
    def _a_rate(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError("must be a number of requests per period, e.g. 60/minute or 5/second") from None
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _a_redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value.strip()

    @property
    def configured_models(self) -> list[str]:
        return [m for m in [self.model, *self.fallback_models] if m]

    @property
    def model_allow_list(self) -> list[str]:
        return self.allowed_models or self.configured_models


@cache
def get_settings() -> Settings:
    return Settings()


def setting_name(loc: tuple) -> str:
    """The environment variable a pydantic error location names, e.g. ("port",) -> PORT."""
    field = str(loc[0]) if loc else ""
    if not field:
        return "a setting"
    for name, info in Settings.model_fields.items():
        aliases = info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices) else []
        if field == name or field in aliases:
            return str(aliases[0]) if aliases else f"REPLY_COACH_{name.upper()}"
    return field
