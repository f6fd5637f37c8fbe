"""The one module that imports litellm: structured answers from any model, with deadlines, retries,
fallback models, one answer loop that re-asks with the errors, and token/cost/latency accounting.

litellm is imported on first use, never at start-up: it takes seconds to import and the service
must start fast when no model is configured.

Errors are raised as LlmError subclasses; the web layer (api.errors) maps them to the SPEC's statuses:

- LlmTimeout      -> 504 llm_timeout      the overall deadline passed (retries included)
- LlmUnavailable  -> 503 llm_unavailable  connection refused, 429 or 5xx after retries, auth or
                                          unknown-model errors; carries Retry-After when the provider sent one
- LlmBadOutput    -> 502 llm_bad_output   empty, truncated, malformed or wrong-schema output after
                                          the retry budget
"""

import asyncio
import copy
import json
import logging
import os
import random
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from api.coach_errors import CoachError
from api.prompts import COACH_DIR, load_prompt
from api.settings import Settings

FORMAT_PROMPT = f"{COACH_DIR}/format.md"
REPAIR_PROMPT = f"{COACH_DIR}/repair.md"
# The model's broken answer is echoed back for the repair; a cap keeps the retry cheap.
MAX_ECHOED_ANSWER_CHARS = 6000

Answer = TypeVar("Answer", bound=BaseModel)
ResponseFormatSetting = Literal["auto", "json_schema", "json_object", "none"]
ResponseFormatKind = Literal["json_schema", "json_object", "none"]
# Providers whose servers take a JSON schema as response_format (litellm maps it to Ollama's `format`).
SCHEMA_PROVIDERS = frozenset({"ollama", "ollama_chat", "lm_studio"})
# OpenAI-compatible servers under a model name of their own (llama.cpp, vLLM, llamafile, gateways).
OPENAI_COMPATIBLE_PROVIDERS = frozenset({"openai", "hosted_vllm", "openai_like", "llamafile", "custom_openai"})
# The longest maxLength sent to a server that compiles the schema into a grammar (see _grammar_schema).
GRAMMAR_MAX_LENGTH = 1000


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
    """The model could not give a usable answer; retry_after passes on a provider's Retry-After, and
    usage what the failed attempts cost."""

    code = "llm_unavailable"
    usage: "LlmUsage | None" = None


class LlmTimeout(LlmError):
    code = "llm_timeout"


class LlmUnavailable(LlmError):
    code = "llm_unavailable"


class LlmBadOutput(LlmError):
    code = "llm_bad_output"


@dataclass
class StreamPart:
    """A piece of the answer loop: text as it arrives, the errors before a re-ask, then the answer.

    The last part carries the answer, its usage over every attempt, and the problems its own checks
    still found when the retry budget ran out (empty when the answer passed them).
    """

    text: str = ""
    retrying: list[str] | None = None
    answer: BaseModel | None = None
    usage: LlmUsage | None = None
    problems: list[str] = field(default_factory=list)


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
    """Import litellm in a worker thread, so the first model request does not stall the event loop, then
    run one offline mock call: litellm imports much of its call path on first use, which would otherwise
    eat into the first request's call timeout (a timeout that is not retried)."""
    global _primed
    if litellm_module.cache_info().currsize == 0:
        await asyncio.to_thread(litellm_module)
    if not _primed:
        _primed = True
        try:
            await litellm_module().acompletion(
                model="openai/warm-up", api_key="none", mock_response="{}", response_format={"type": "json_object"},
                messages=[{"role": "system", "content": "warm-up"}, {"role": "user", "content": "{}"}],
            )
        except Exception:  # warming is best effort; a real call reports its own errors
            pass


_primed = False


def supports_schema(model: str) -> bool:
    """Whether litellm knows that the provider enforces a JSON schema for this model."""
    try:
        return bool(litellm_module().supports_response_schema(model=model))
    except Exception:
        return False


def provider_of(model: str) -> str:
    """The litellm provider of a model string, e.g. 'openai' for 'openai/my-local-model'."""
    try:
        return str(litellm_module().get_llm_provider(model)[1])
    except Exception:
        return model.split("/", 1)[0] if "/" in model else ""


def takes_response_format(model: str) -> bool:
    try:
        return "response_format" in (litellm_module().get_supported_openai_params(model=model) or [])
    except Exception:
        return False


def response_format_kind(model: str, setting: ResponseFormatSetting) -> ResponseFormatKind:
    """What to ask the server to enforce: the setting, or with 'auto' what this provider is known to take.

    - json_schema where litellm knows the model enforces a schema, and for Ollama and LM Studio, which
      take a schema (litellm turns it into Ollama's `format`);
    - json_object, with the schema beside it, for a model litellm does not know on an OpenAI-compatible
      server (llama.cpp enforces that schema; vLLM and others enforce JSON);
    - json_object for other providers that take a response_format; otherwise none (the schema is only
      in the prompt).
    """
    if setting != "auto":
        return setting
    provider = provider_of(model)
    if provider in SCHEMA_PROVIDERS or supports_schema(model):
        return "json_schema"
    if provider in OPENAI_COMPATIBLE_PROVIDERS or takes_response_format(model):
        return "json_object"
    return "none"


def response_format_param(kind: ResponseFormatKind, schema: type[BaseModel]) -> dict | None:
    """The response_format sent to the server for this kind, or None for 'none'."""
    if kind == "json_schema":
        return copy.deepcopy(_json_schema_format(schema))
    if kind == "json_object":
        # llama.cpp compiles `schema` into a grammar, length limits included; other servers ignore it.
        return {"type": "json_object", "schema": copy.deepcopy(_grammar_schema(schema))}
    return None


@cache
def _grammar_schema(schema: type[BaseModel]) -> dict:
    """The inlined schema without length limits a grammar cannot hold: llama.cpp spells maxLength N
    as N nested optional rules, and its server crashes at about 2,000 (the limit still applies on arrival)."""
    grammar = copy.deepcopy(inline_schema(schema))

    def cap(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("maxLength", 0) > GRAMMAR_MAX_LENGTH:
                del node["maxLength"]
            for value in node.values():
                cap(value)
        elif isinstance(node, list):
            for item in node:
                cap(item)

    cap(grammar)
    return grammar


@cache
def _json_schema_format(schema: type[BaseModel]) -> dict:
    from litellm.llms.base_llm.base_utils import type_to_response_format_param

    response_format = copy.deepcopy(type_to_response_format_param(schema))
    # Strict JSON-schema modes (OpenAI's) refuse length keywords; lengths are still checked on arrival.
    _drop_keys(response_format["json_schema"]["schema"], {"maxLength", "minLength"})
    return response_format


@cache
def inline_schema(schema: type[BaseModel]) -> dict:
    """The model's JSON schema with every $ref replaced by its definition, for servers without $ref support."""
    full = schema.model_json_schema()
    definitions = full.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(full)


def _drop_keys(node: Any, keys: set[str]) -> None:
    if isinstance(node, dict):
        for key in keys & node.keys():
            del node[key]
        for value in node.values():
            _drop_keys(value, keys)
    elif isinstance(node, list):
        for item in node:
            _drop_keys(item, keys)


async def complete_structured(
    model: str,
    messages: list[dict],
    schema: type[Answer],
    *,
    settings: Settings,
    timeout_s: float,
    fallbacks: Sequence[str] = (),
    context: Any = None,
) -> tuple[Answer, LlmUsage]:
    """The answer of answer_loop without streaming: an answer that validates against schema, and its usage.

    Problems the answer's own checks still find after the retry budget are dropped here; callers that
    want them use answer_loop.
    """
    async for part in answer_loop(model, messages, schema, settings=settings, timeout_s=timeout_s,
                                  fallbacks=fallbacks, context=context):
        if part.answer is not None and part.usage is not None:
            return part.answer, part.usage  # type: ignore[return-value]
    raise LlmBadOutput("The model gave no answer.")  # answer_loop always ends with an answer or an error


async def answer_loop(
    model: str,
    messages: list[dict],
    schema: type[BaseModel],
    *,
    settings: Settings,
    timeout_s: float,
    fallbacks: Sequence[str] = (),
    context: Any = None,
    stream: bool = False,
) -> AsyncIterator[StreamPart]:
    """The one answer loop: ask, validate, re-ask with the errors, under one retry budget and one deadline.

    An answer must parse as JSON and validate against schema; if the schema has a `problems(context)`
    method, its answer is also checked against the request (instructor-style validation that knows the
    input). Any failure is sent back to the model with the list of errors, at most
    settings.answer_retries times in all. Yields the answer's text as it arrives (stream=True), a part
    with `retrying` set before each re-ask, and last the answer with its usage (tokens of every attempt)
    and the problems its checks still find. Raises LlmError when no answer validated against schema.

    Transport failures (429, 5xx, lost connection) are retried within the call and do not use the
    budget; a per-call timeout is not retried, and fallback models are tried after it only when they
    live on another server, since a server that answers one request at a time would queue the retry
    behind the abandoned generation. Cancelling the iteration cancels the model call.
    """
    await load_litellm()
    deadline = _Deadline.after(timeout_s)
    usage = LlmUsage()
    answers_left = settings.answer_retries + 1
    conversation = list(messages)
    candidates = [model, *fallbacks]
    last_error: LlmError | None = None
    kept: BaseModel | None = None
    kept_problems: list[str] = []
    index = 0
    while index < len(candidates) and answers_left > 0 and deadline.remaining > 0:
        candidate = candidates[index]
        kind = response_format_kind(candidate, settings.response_format)
        prepared = prepared_messages(conversation, schema, kind)
        content: str | None = None
        finish_reason: str | None = None
        try:
            async for text, finished in _answer_text(candidate, prepared, settings, deadline,
                                                     response_format_param(kind, schema), stream, usage):
                if finished is None:
                    yield StreamPart(text=text)
                else:
                    content, finish_reason = finished
        except LlmError as error:
            last_error = error
            if isinstance(error, LlmTimeout) and settings.api_base:
                break  # the fallbacks share this server, which may still be working on the abandoned call
            index += 1
            continue
        answers_left -= 1
        try:
            answer = parse_answer(content, schema, finish_reason)
        except ValueError as problem:
            problems = [str(problem)]
            last_error = LlmBadOutput(f"The model's answer was unusable: {problem}")
        else:
            problems = answer_problems(answer, context)
            if not problems:
                usage.latency_ms = deadline.elapsed_ms()
                yield StreamPart(answer=answer, usage=usage)
                return
            kept, kept_problems = answer, problems
        if answers_left <= 0 or deadline.remaining <= 0:
            break
        yield StreamPart(retrying=problems)
        conversation = [
            *messages,
            {"role": "assistant", "content": (content or "")[:MAX_ECHOED_ANSWER_CHARS] or "(empty)"},
            {"role": "user", "content": load_prompt(REPAIR_PROMPT).substitute(
                problems="\n".join(f"- {p}" for p in problems))},
        ]
    usage.latency_ms = deadline.elapsed_ms()
    if kept is not None:
        yield StreamPart(answer=kept, usage=usage, problems=kept_problems)
        return
    if isinstance(last_error, LlmBadOutput) and answers_left <= 0:
        last_error = LlmBadOutput(last_error.message.replace(
            "unusable:", f"unusable after {settings.answer_retries + 1} attempts:", 1))
    error = last_error or LlmTimeout("The model did not answer before the deadline.")
    error.usage = usage  # the tokens of the failed attempts are still reported
    raise error


def answer_problems(answer: BaseModel, context: Any) -> list[str]:
    """What the answer's own checks find wrong with it given the request (none without a context)."""
    check = getattr(answer, "problems", None)
    if context is None or not callable(check):
        return []
    return list(check(context))


async def _answer_text(
    model: str, messages: list[dict], settings: Settings, deadline: _Deadline, response_format: dict | None,
    stream: bool, usage: LlmUsage,
) -> AsyncIterator[tuple[str, tuple[str | None, str | None] | None]]:
    """One model call: (text, None) for each streamed piece, then ("", (content, finish_reason))."""
    if not stream:
        response = await _call_with_retries(model, messages, settings, deadline, response_format)
        yield "", _record(model, messages, response, usage)
        return
    chunks_stream = await _call_with_retries(model, messages, settings, deadline, response_format, stream=True)
    chunks: list[str] = []
    finish_reason = None
    reported = None
    served = None
    try:
        async with asyncio.timeout(max(deadline.remaining, 0.001)):
            async for chunk in chunks_stream:
                reported = getattr(chunk, "usage", None) or reported
                served = getattr(chunk, "model", None) or served
                choice = chunk.choices[0] if chunk.choices else None
                if choice is None:
                    continue
                finish_reason = choice.finish_reason or finish_reason
                delta = choice.delta.content if choice.delta else None
                if delta:
                    chunks.append(delta)
                    yield delta, None
    except TimeoutError as error:
        raise LlmTimeout("The model did not finish its answer before the deadline.") from error
    except Exception as error:  # a stream cut mid-way is re-asked like a truncated answer
        finish_reason = f"broken stream ({type(error).__name__})"
    content = "".join(chunks)
    prompt_tokens, completion_tokens = _token_counts(model, messages, content, reported)
    usage.add_call(model, prompt_tokens, completion_tokens, _cost(model, served, prompt_tokens, completion_tokens))
    yield "", (content, finish_reason)


def parse_answer(content: str | None, schema: type[Answer], finish_reason: str | None = None) -> Answer:
    """The answer validated against schema; ValueError names what is wrong (never echoing the draft)."""
    if not content or not content.strip():
        raise ValueError("The answer was empty.")
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    cut = " (it was cut off: keep every field shorter)" if finish_reason not in (None, "stop") else ""
    if start < 0 or end <= start:
        raise ValueError(f"The answer was not a JSON object{cut}.")
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError as error:
        raise ValueError(f"The answer was not valid JSON{cut}: {error.msg} at character {error.pos}.") from None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        problems = [
            f"- {'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in error.errors()[:8]
        ]
        raise ValueError("The JSON did not match the schema:\n" + "\n".join(problems)) from None


def prepared_messages(messages: list[dict], schema: type[BaseModel], kind: ResponseFormatKind) -> list[dict]:
    """The messages with the schema added to the one system message, unless the server enforces it.

    One system message only: some chat templates (Gemma, Mistral) refuse a second one.
    """
    if kind == "json_schema":
        return list(messages)
    format_text = _format_prompt(schema)
    if messages and messages[0].get("role") == "system":
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{format_text}"}, *messages[1:]]
    return [{"role": "system", "content": format_text}, *messages]


@cache
def _format_prompt(schema: type[BaseModel]) -> str:
    return load_prompt(FORMAT_PROMPT).substitute(schema=json.dumps(inline_schema(schema), indent=1))


def _record(model: str, messages: list[dict], response: Any, usage: LlmUsage) -> tuple[str | None, str | None]:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    content = choice.message.content if choice is not None and choice.message is not None else None
    finish_reason = choice.finish_reason if choice is not None else None
    prompt_tokens, completion_tokens = _token_counts(model, messages, content or "", getattr(response, "usage", None))
    served = getattr(response, "model", None)
    usage.add_call(model, prompt_tokens, completion_tokens, _cost(model, served, prompt_tokens, completion_tokens))
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


def _cost(model: str, served: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """The price in USD of the model the server says it ran, from litellm's bundled price map.

    None when the server names no model or one litellm has no price for: a local model served under a
    known model's name is not billed at that model's price.
    """
    if not served:
        return None
    provider = provider_of(model)
    name = served.removeprefix(f"{provider}/")
    try:
        prompt_cost, completion_cost = litellm_module().cost_per_token(
            model=name, custom_llm_provider=provider or None,
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        )
        return float(prompt_cost + completion_cost)
    except Exception:
        return None


async def _call_with_retries(
    model: str, messages: list[dict], settings: Settings, deadline: _Deadline, response_format: dict | None,
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
    if settings.seed is not None:
        kwargs["seed"] = settings.seed
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
            # Leaving this block on timeout or cancellation closes the connection, which tells the
            # server to stop generating (servers that notice a closed connection do).
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
    raise last_error


def _classify(error: Exception, litellm: Any) -> tuple[LlmError, bool]:
    """The LlmError for a provider failure, and whether trying again may help."""
    if isinstance(error, TimeoutError | litellm.Timeout):
        # Not retried: a server that answers one request at a time would queue the retry behind the
        # generation it is still running for the abandoned call.
        return LlmTimeout("The model did not answer in time."), False
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
