"""The HTTP contract of SPEC §2: request and response bodies, shared by routes, engines and scoring."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_DRAFT_CHARS = 10_000
# A response carries at most this many critiques of one rule, and this many in all (see critiques_omitted).
MAX_CRITIQUES_PER_RULE = 10
MAX_CRITIQUES = 50

# The six principles of SPEC §1; their ids are part of the API (api/judge/principles has one file each).
PrincipleId = Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"]
Verdict = Literal["ready", "revise", "rethink"]
Status = Literal["shown", "missing", "broken"]
Severity = Literal["info", "warning", "critical"]
EngineName = Literal["local", "llm"]
CritiquePrinciple = PrincipleId | Literal["tone", "readability"]

# C0/C1 control characters other than tab and line breaks have no place in an email and break
# terminals and logs downstream; they are refused rather than silently stripped, so offsets stay true.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
# Characters that show nothing besides whitespace: every Unicode format character (zero-width
# spaces and joiners, the byte-order mark, direction marks, tags; tests/test_hardening.py checks
# the list against unicodedata) and the blank letters some fonts draw as nothing.
_INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\u2800\u3164\u115f\u1160\uffa0"
)
_BLANK = re.compile(f"[\\s{_INVISIBLE}]*")
# The same rules as JSON Schema patterns, so that the API description says what is accepted.
_READABLE_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}{_INVISIBLE}][^{_CONTROL}]*$"
_NO_CONTROL_PATTERN = f"^[^{_CONTROL}]*$"


class WithJsonSchemaExtra:
    """Adds keys to a type's JSON schema without changing how it validates."""

    def __init__(self, extra: dict) -> None:
        self.extra = extra

    def __get_pydantic_json_schema__(self, core_schema, handler):  # noqa: ANN001
        return {**handler(core_schema), **self.extra}


def _readable_text(value: str) -> str:
    if _BLANK.fullmatch(value):
        raise ValueError("must not be blank")
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# A draft over the limit is refused with 413 draft_too_long (see api.errors).
# The patterns are checked by the validators (a regular expression over 10,000 characters could
# backtrack); they are in the schema for clients and fuzzers.
DraftText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_DRAFT_CHARS), AfterValidator(_readable_text),
    WithJsonSchemaExtra({"pattern": _READABLE_PATTERN}),
]
OptionalLine = Annotated[
    str, StringConstraints(max_length=MAX_DRAFT_CHARS), AfterValidator(_no_control_characters),
    WithJsonSchemaExtra({"pattern": _NO_CONTROL_PATTERN}),
] | None


ShortLine = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_control_characters),
                      WithJsonSchemaExtra({"pattern": _NO_CONTROL_PATTERN})]


class StrictModel(BaseModel):
    # strict: true and false are the only booleans (0, 1 and "yes" are refused), strings are strings.
    model_config = ConfigDict(extra="forbid", strict=True)


class CoachContext(StrictModel):
    received_message: OptionalLine = Field(None, description="The rejection email the candidate received.")
    recipient_name: ShortLine | None = Field(
        None, description="Who the reply is addressed to (the recruiter or hiring manager)."
    )
    sender_name: ShortLine | None = Field(
        None, description="The candidate's name, used to sign the rewrite."
    )
    company: ShortLine | None = None
    role: ShortLine | None = None
    ask_for_feedback: bool | None = Field(
        None, description="true: the reply should ask for feedback; false: it should not; null: optional."
    )


class CoachOptions(StrictModel):
    engine: Literal["auto", "local", "llm"] = Field(
        "auto", description="auto: the llm engine when a model is configured, else local."
    )
    model: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="A model on the server's allow-list; defaults to the configured model."
    )
    rewrite: bool = Field(True, description="false skips the rewrite.")


class CoachRequest(StrictModel):
    draft: DraftText = Field(description="The candidate's draft reply.")
    context: CoachContext | None = None
    options: CoachOptions | None = None


class ScoreOptions(StrictModel):
    critiques: bool = Field(
        False, description="true adds the critiques, with their spans and one-click fixes, for an editor to "
        "underline; the response then quotes the text."
    )


class ScoreRequest(StrictModel):
    text: DraftText = Field(description="The text to score.")
    context: CoachContext | None = None
    options: ScoreOptions | None = None


class PrincipleScore(BaseModel):
    score: int = Field(ge=0, le=100)
    status: Status


class Tone(BaseModel):
    label: str = Field(description="One word for the overall register, e.g. gracious, warm, neutral, cold, anxious, hostile.")
    sentiment: float = Field(ge=-1, le=1)
    politeness: int = Field(ge=0, le=100)
    hostility: int = Field(ge=0, le=100)
    anxiety: int = Field(ge=0, le=100)


class Readability(BaseModel):
    flesch_reading_ease: float
    grade: float = Field(description="Flesch-Kincaid grade level.")
    words: int
    sentences: int
    reading_time_s: float


class Scores(BaseModel):
    overall: int = Field(ge=0, le=100, description="The grace score.")
    verdict: Verdict = Field(description="ready: send as is; revise: edit; rethink: start over.")
    principles: dict[PrincipleId, PrincipleScore]
    tone: Tone
    readability: Readability


class Critique(BaseModel):
    id: str
    rule: str = Field(description="Stable dotted id of the rule, e.g. reputation.sarcasm.")
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None = None
    quote: str | None = Field(None, description="Exact substring of the draft: draft[start:end] == quote.")
    start: int | None = None
    end: int | None = None
    replacements: list[str] = Field(
        default_factory=list,
        description="Texts that may replace the quote, best first; \"\" deletes it. Applying the first replacement "
        "of every critique, right to left, never makes the draft score worse. Critiques that share a span share "
        "their replacements (apply each span once); critiques without a span have none.",
    )


class ScoreResponse(Scores):
    """Scores of the text; with options.critiques, the critiques an editor underlines, most severe first."""

    critiques: list[Critique] | None = Field(None, description="Only when options.critiques was true.")
    critiques_omitted: int | None = Field(
        None, ge=0, description=f"Only when options.critiques was true: critiques left out (at most "
        f"{MAX_CRITIQUES_PER_RULE} of one rule and {MAX_CRITIQUES} in all are sent). The scores count every one."
    )


class Rewrite(BaseModel):
    text: str
    scores: Scores


class EngineInfo(BaseModel):
    name: EngineName
    model: str | None = None
    prompt_version: str | None = None
    degraded: bool = False
    reason: str | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0


class CoachResponse(BaseModel):
    id: str
    scores: Scores
    critiques: list[Critique]
    critiques_omitted: int = Field(
        0, ge=0, description=f"Critiques left out of this response: at most {MAX_CRITIQUES_PER_RULE} of one rule "
        f"and {MAX_CRITIQUES} in all are sent. The scores count every one."
    )
    rewrite: Rewrite | None
    engine: EngineInfo
    usage: Usage
    summary: str | None = Field(None, description="The model's one line on how the draft comes across; null from "
                                "the local engine.")


class PrincipleOut(BaseModel):
    id: PrincipleId
    title: str
    shown_by: str
    broken_by: str


class ReadyResponse(BaseModel):
    ready: bool
    engines: dict[str, bool] = Field(description="Which engines can serve a request now.")
    redis: bool | None = Field(None, description="Whether the shared Redis answers; null when none is configured. "
                               "When false the service still serves, with limits and cache kept per process.")


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
