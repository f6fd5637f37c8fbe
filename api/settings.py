"""Configuration from the environment or a .env file (SPEC §6)."""

from functools import cache
from typing import Annotated

from pydantic import AliasChoices, BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]


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
    retry_backoff_s: float = Field(0.5, ge=0, description="First pause before a retry; it doubles each time.")
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(1500, gt=0, description="Cap on the model's answer.")
    cache_size: int = Field(256, ge=0, description="Coach answers kept in memory; 0 turns the cache off.")
    cache_ttl_s: float = Field(3600.0, ge=0, description="How long a cached coach answer is served.")
    stream_keepalive_s: float = Field(10.0, gt=0, description="Seconds between keep-alive comments on a stream.")
    cors_origins: CommaList = Field(default_factory=list)
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "REPLY_COACH_HOST"))
    port: int = Field(8000, ge=0, le=65535, validation_alias=AliasChoices("PORT", "REPLY_COACH_PORT"))
    max_body_bytes: int = Field(256_000, gt=0, description="Larger request bodies are refused with 413.")
    body_timeout_s: float = Field(10.0, gt=0, description="A request body that takes longer to arrive is refused with 408.")

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
