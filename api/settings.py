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
    timeout_s: float = Field(30.0, gt=0)
    cors_origins: CommaList = Field(default_factory=list)
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "REPLY_COACH_HOST"))
    port: int = Field(8000, ge=0, le=65535, validation_alias=AliasChoices("PORT", "REPLY_COACH_PORT"))
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
