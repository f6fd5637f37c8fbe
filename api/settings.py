"""Configuration from the environment or a .env file (SPEC §6)."""

from functools import cache
from typing import Annotated, Literal

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
    cache_ttl_s: float = Field(3600.0, ge=0, description="How long a cached coach answer is served.")
    stream_keepalive_s: float = Field(10.0, gt=0, description="Seconds between keep-alive comments on a stream.")
    cors_origins: CommaList = Field(default_factory=list)
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "REPLY_COACH_HOST"))
    port: int = Field(8000, ge=0, le=65535, validation_alias=AliasChoices("PORT", "REPLY_COACH_PORT"))
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `reply-coach serve`.")
    max_body_bytes: int = Field(256_000, gt=0, description="Larger request bodies are refused with 413.")

    @property
    def configured_models(self) -> list[str]:
        return [m for m in [self.model, *self.fallback_models] if m]

    @property
    def model_allow_list(self) -> list[str]:
        return self.allowed_models or self.configured_models


@cache
def get_settings() -> Settings:
    return Settings()
