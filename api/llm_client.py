"""The one module that imports litellm: structured answers from any model, with deadlines, retries,
fallback models, one repair retry, and token/cost/latency accounting.

litellm is imported on first use, never at start-up: it takes seconds to import and the service
must start fast when no model is configured.

Errors are raised as LlmError subclasses; the web layer (api.errors) maps them to the SPEC's statuses:

- LlmTimeout      -> 504 llm_timeout      the overall deadline passed (retries included)
- LlmUnavailable  -> 503 llm_unavailable  connection refused, 429 or 5xx after retries, auth or
                                          unknown-model errors; carries Retry-After when the provider sent one
- LlmBadOutput    -> 502 llm_bad_output   empty, truncated, malformed or wrong-schema output after
                                          the repair retry
"""

import asyncio
import json
import logging
import os
import random
import re
import string
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.coach_errors import CoachError
from api.settings import Settings

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
FORMAT_PROMPT = "coach/v2/format.md"
REPAIR_PROMPT = "coach/v2/repair.md"
# The model's broken answer is echoed back for the repair; a cap keeps the retry cheap.
MAX_ECHOED_ANSWER_CHARS = 6000

Answer = TypeVar("Answer", bound=BaseModel)


@dataclass
class LlmUsage:
    """What the model work of one request cost, summed over every call it made."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0
    calls: int = 0
    model: str | None = None

    def add_call(self, model: str, prompt_tokens: int, completion_tokens: int, cost_usd: float | None) -> None:
        self.calls += 1
        self.model = model
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + cost_usd


class LlmError(CoachError):
    """The model could not give a usable answer; retry_after passes on a provider's Retry-After."""

    code = "llm_unavailable"


class LlmTimeout(LlmError):
    code = "llm_timeout"


class LlmUnavailable(LlmError):
    code = "llm_unavailable"


class LlmBadOutput(LlmError):
    code = "llm_bad_output"


@dataclass
class StreamPart:
    """A piece of a streamed answer: text as it arrives, then the validated answer and its usage."""

    text: str = ""
    answer: BaseModel | None = None
    usage: LlmUsage | None = None


@dataclass
class _Deadline:
    at: float
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def after(cls, seconds: float) -> "_Deadline":
        return cls(at=time.monotonic() + seconds)

    @property
    def remaining(self) -> float:
        return self.at - time.monotonic()

    def elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 3)


@cache
def litellm_module() -> Any:
    """litellm, imported on first use with the bundled price map (no download at run time)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    # Provider errors are handled and reported here; litellm's own warnings would only add noise to logs.
    logging.getLogger("LiteLLM").setLevel(logging.ERROR)
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    # A parameter a provider does not take (e.g. response_format) is dropped instead of failing the call.
    litellm.drop_params = True
    return litellm


def litellm_loaded() -> bool:
    return litellm_module.cache_info().currsize > 0


async def load_litellm() -> None:
    """Import litellm in a worker thread, so the first model request does not stall the event loop."""
    if litellm_module.cache_info().currsize == 0:
        await asyncio.to_thread(litellm_module)


@cache
def load_prompt(name: str) -> string.Template:
    """A prompt template from prompts/, e.g. 'coach/v2/system.md'; placeholders are $names."""
    return string.Template((PROMPTS_DIR / name).read_text(encoding="utf-8").strip())


def supports_schema(model: str) -> bool:
    """Whether the provider enforces a JSON schema for this model (else the schema goes in the prompt)."""
    try:
        return bool(litellm_module().supports_response_schema(model=model))
    except Exception:
        return False


async def complete_structured(
    model: str,
    messages: list[dict],
    schema: type[Answer],
    *,
    settings: Settings,
    timeout_s: float,
    fallbacks: Sequence[str] = (),
) -> tuple[Answer, LlmUsage]:
    """Ask the model (then each fallback) for an answer that validates against schema, within timeout_s."""
    await load_litellm()
    deadline = _Deadline.after(timeout_s)
    usage = LlmUsage()
    last_error: LlmError | None = None
    for candidate in [model, *fallbacks]:
        if deadline.remaining <= 0:
            break
        try:
            answer = await _structured_from(candidate, messages, schema, settings, deadline, usage)
            usage.latency_ms = deadline.elapsed_ms()
            return answer, usage
        except LlmError as error:
            last_error = error
    raise last_error or LlmTimeout("The model did not answer before the deadline.")


async def stream_structured(
    model: str,
    messages: list[dict],
    schema: type[BaseModel],
    *,
    settings: Settings,
    timeout_s: float,
    fallbacks: Sequence[str] = (),
) -> AsyncIterator[StreamPart]:
    """Like complete_structured, but yields the answer's text as it arrives, then the validated answer.

    Retries and fallbacks apply until the first chunk; a stream that breaks afterwards is repaired once
    with a plain call. Cancelling the iteration cancels the model call.
    """
    await load_litellm()
    deadline = _Deadline.after(timeout_s)
    usage = LlmUsage()
    last_error: LlmError | None = None
    for candidate in [model, *fallbacks]:
        if deadline.remaining <= 0:
            break
        prepared, response_format = _prepared_messages(candidate, messages, schema)
        try:
            stream = await _call_with_retries(
                candidate, prepared, settings, deadline, response_format, stream=True
            )
        except LlmError as error:
            last_error = error
            continue
        chunks: list[str] = []
        finish_reason = None
        reported = None
        try:
            async with asyncio.timeout(max(deadline.remaining, 0.001)):
                async for chunk in stream:
                    reported = getattr(chunk, "usage", None) or reported
                    choice = chunk.choices[0] if chunk.choices else None
                    if choice is None:
                        continue
                    finish_reason = choice.finish_reason or finish_reason
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        chunks.append(delta)
                        yield StreamPart(text=delta)
        except TimeoutError as error:
            raise LlmTimeout("The model did not finish its answer before the deadline.") from error
        except Exception as error:  # a stream cut mid-way is repaired below like a truncated answer
            finish_reason = f"broken stream ({type(error).__name__})"
        content = "".join(chunks)
        prompt_tokens, completion_tokens = _token_counts(candidate, prepared, content, reported)
        usage.add_call(candidate, prompt_tokens, completion_tokens, _cost(candidate, prompt_tokens, completion_tokens))
        try:
            answer = parse_answer(content, schema, finish_reason)
        except ValueError as problem:
            answer = await _repair(candidate, prepared, content, str(problem), schema, settings, deadline,
                                   response_format, usage)
        usage.latency_ms = deadline.elapsed_ms()
        yield StreamPart(answer=answer, usage=usage)
        return
    raise last_error or LlmTimeout("The model did not answer before the deadline.")


def parse_answer(content: str | None, schema: type[Answer], finish_reason: str | None = None) -> Answer:
    """The answer validated against schema; ValueError names what is wrong (never echoing the draft)."""
    if not content or not content.strip():
        raise ValueError("The answer was empty.")
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        cut = " (it was cut off)" if finish_reason not in (None, "stop") else ""
        raise ValueError(f"The answer was not a JSON object{cut}.")
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError as error:
        cut = " (it was cut off)" if finish_reason not in (None, "stop") else ""
        raise ValueError(f"The answer was not valid JSON{cut}: {error.msg} at character {error.pos}.") from None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = [
            f"- {'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in error.errors()[:8]
        ]
        raise ValueError("The JSON did not match the schema:\n" + "\n".join(problems)) from None


def _prepared_messages(model: str, messages: list[dict], schema: type[BaseModel]) -> tuple[list[dict], Any]:
    if supports_schema(model):
        return list(messages), schema
    format_message = {"role": "system", "content": _format_prompt(schema)}
    # Next to the caller's system prompt, so a conversation still ends with its last user turn.
    leading = next((i for i, m in enumerate(messages) if m.get("role") != "system"), len(messages))
    return [*messages[:leading], format_message, *messages[leading:]], None


@cache
def _format_prompt(schema: type[BaseModel]) -> str:
    return load_prompt(FORMAT_PROMPT).substitute(schema=json.dumps(schema.model_json_schema(), indent=1))


async def _structured_from(
    model: str, messages: list[dict], schema: type[Answer], settings: Settings, deadline: _Deadline, usage: LlmUsage
) -> Answer:
    prepared, response_format = _prepared_messages(model, messages, schema)
    response = await _call_with_retries(model, prepared, settings, deadline, response_format)
    content, finish_reason = _record(model, prepared, response, usage)
    try:
        return parse_answer(content, schema, finish_reason)
    except ValueError as problem:
        return await _repair(model, prepared, content, str(problem), schema, settings, deadline, response_format, usage)


async def _repair(
    model: str, messages: list[dict], content: str | None, problem: str, schema: type[Answer],
    settings: Settings, deadline: _Deadline, response_format: Any, usage: LlmUsage,
) -> Answer:
    repair = [
        *messages,
        {"role": "assistant", "content": (content or "")[:MAX_ECHOED_ANSWER_CHARS] or "(empty)"},
        {"role": "user", "content": load_prompt(REPAIR_PROMPT).substitute(problems=problem)},
    ]
    response = await _call_with_retries(model, repair, settings, deadline, response_format)
    content, finish_reason = _record(model, repair, response, usage)
    try:
        return parse_answer(content, schema, finish_reason)
    except ValueError as second_problem:
        raise LlmBadOutput(f"The model's answer was unusable twice: {second_problem}") from None


def _record(model: str, messages: list[dict], response: Any, usage: LlmUsage) -> tuple[str | None, str | None]:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    content = choice.message.content if choice is not None and choice.message is not None else None
    finish_reason = choice.finish_reason if choice is not None else None
    prompt_tokens, completion_tokens = _token_counts(model, messages, content or "", getattr(response, "usage", None))
    usage.add_call(model, prompt_tokens, completion_tokens, _cost(model, prompt_tokens, completion_tokens))
    return content, finish_reason


def _token_counts(model: str, messages: list[dict], content: str, reported: Any) -> tuple[int, int]:
    if reported is not None and getattr(reported, "prompt_tokens", None) is not None:
        return int(reported.prompt_tokens or 0), int(reported.completion_tokens or 0)
    # Some servers report no usage (often when streaming); count locally rather than report zero.
    litellm = litellm_module()
    try:
        return litellm.token_counter(model=model, messages=messages), litellm.token_counter(model=model, text=content)
    except Exception:
        return 0, 0


def _cost(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """The price in USD from litellm's bundled price map; None for models it does not know."""
    try:
        prompt_cost, completion_cost = litellm_module().cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
        return float(prompt_cost + completion_cost)
    except Exception:
        return None


async def _call_with_retries(
    model: str, messages: list[dict], settings: Settings, deadline: _Deadline, response_format: Any,
    stream: bool = False,
) -> Any:
    litellm = litellm_module()
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "num_retries": 0,  # retries are ours, so they respect the request's deadline
    }
    if settings.api_base:
        kwargs["api_base"] = settings.api_base
    if settings.api_key:
        kwargs["api_key"] = settings.api_key
    if response_format is not None:
        kwargs["response_format"] = response_format
    if stream:
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
    last_error: LlmError = LlmTimeout("The model did not answer before the deadline.")
    for attempt in range(settings.retries + 1):
        remaining = deadline.remaining
        if remaining <= 0:
            break
        per_call = min(settings.call_timeout_s, remaining)
        try:
            async with asyncio.timeout(per_call):
                return await litellm.acompletion(timeout=per_call, **kwargs)
        except Exception as error:
            last_error, retryable = _classify(error, litellm)
        if not retryable or attempt == settings.retries:
            break
        delay = settings.retry_backoff_s * (2 ** attempt) * (0.5 + random.random())
        if last_error.retry_after is not None:
            delay = max(delay, last_error.retry_after)
        if delay >= deadline.remaining:
            break
        await asyncio.sleep(delay)
    if isinstance(last_error, LlmTimeout) and deadline.remaining > 0:
        # Per-call timeouts with time left on the request: the provider is too slow, not the request.
        raise LlmUnavailable("The model timed out on every attempt.")
    raise last_error


def _classify(error: Exception, litellm: Any) -> tuple[LlmError, bool]:
    """The LlmError for a provider failure, and whether trying again may help."""
    if isinstance(error, TimeoutError | litellm.Timeout):
        return LlmTimeout("The model did not answer before the deadline."), True
    status = getattr(error, "status_code", None)
    if isinstance(error, litellm.RateLimitError) or status == 429:
        return LlmUnavailable("The model provider is rate limiting requests.", _retry_after(error)), True
    if isinstance(error, litellm.APIConnectionError) or "connection error" in str(error).lower():
        return LlmUnavailable("The model provider could not be reached."), True
    if isinstance(status, int) and status >= 500:
        return LlmUnavailable(f"The model provider failed with status {status}.", _retry_after(error)), True
    if isinstance(error, litellm.AuthenticationError) or status in (401, 403):
        return LlmUnavailable("The model provider refused the credentials."), False
    if isinstance(error, litellm.NotFoundError) or status == 404:
        return LlmUnavailable("The model provider does not know this model."), False
    if isinstance(error, litellm.ContextWindowExceededError):
        return LlmBadOutput("The draft is too long for this model."), False
    return LlmUnavailable(f"The model call failed ({type(error).__name__})."), False


def _retry_after(error: Exception) -> float | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
