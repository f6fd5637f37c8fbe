"""What the llm engine asks the model for, and how the server checks the model's work before using it."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.engines.response import critique_from_finding
from api.engines.rewrite import _NOT_A_LETTER
from api.judge import ScoredDraft, score_draft
from api.judge.text.invented import invented_names, invented_numbers
from api.judge.text.letter import greeting_name, signature_name
from api.judge.text.sentences import matching_copy
from api.prompts import COACH_DIR, COACH_PROMPT_VERSION, load_prompt
from api.schemas import MAX_DRAFT_CHARS, CoachContext, CoachOptions, CoachRequest, Critique, Severity

PROMPT_VERSION = COACH_PROMPT_VERSION
PROMPT_DIR = COACH_DIR
MAX_MODEL_CRITIQUES = 8
MAX_MODEL_REPLACEMENTS = 3
# Length limits of the answer's free-text fields: a model that loops is stopped by the server's
# grammar where it compiles the schema (llama.cpp), and its answer re-asked everywhere else.
MAX_SUMMARY_CHARS = 300
MAX_QUOTE_CHARS = 300
MAX_MESSAGE_CHARS = 400
MAX_SUGGESTION_CHARS = 400
MAX_REPLACEMENT_CHARS = 400
MAX_REWRITE_CHARS = 3000
# A context name the rewrite check may demand looks like a name: short, one line, letters only.
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 5
_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[ .'\u2019-]{1,2}[^\W\d_]+)*\.?")
_NOT_IN_A_NAME = frozenset(
    "ignore system instruction instructions prompt override assistant disregard previous rules user "
    "developer answer output respond".split()
)

AnswerPrinciple = Literal[
    "reputation", "door_open", "resilience", "feedback", "networking", "confidence", "tone", "readability"
]


class ModelCritique(BaseModel):
    principle: AnswerPrinciple = Field(description="The principle id this critique is about.")
    severity: Severity = Field(
        description="info: a suggestion or something missing; warning: breaks the principle; "
        "critical: would burn the bridge."
    )
    quote: str | None = Field(
        max_length=MAX_QUOTE_CHARS,
        description="The shortest phrase copied character for character from the draft that shows the "
        "problem; null when the critique is about something the draft lacks.",
    )
    message: str = Field(
        max_length=MAX_MESSAGE_CHARS,
        description="One or two sentences to the candidate saying what the problem is and why.",
    )
    suggestion: str | None = Field(
        max_length=MAX_SUGGESTION_CHARS, description="A concrete change or replacement wording; null if none."
    )
    replacements: list[Annotated[str, Field(max_length=MAX_REPLACEMENT_CHARS)]] = Field(
        default_factory=list,
        description="Texts that could replace the quote word for word in the draft, best first: a calmer wording "
        "that keeps the candidate's voice and facts, or \"\" to delete it. Empty when the quote is null.",
    )


@dataclass
class AnswerContext:
    """What the model's answer is checked against: the request and its scored draft.

    The draft is scored once, and rewrites and replaced drafts scored while checking are kept, so the
    engine does not score the same texts again.
    """

    request: CoachRequest
    _scored: ScoredDraft | None = None
    scored_rewrites: dict[str, ScoredDraft] = field(default_factory=dict)

    def scored_draft(self) -> ScoredDraft:
        if self._scored is None:
            self._scored = score_draft(self.request.draft, self.request.context or CoachContext())
        return self._scored

    def use_scored(self, scored: ScoredDraft) -> ScoredDraft:
        """The draft's scores, read elsewhere (e.g. on a worker thread); kept if none were yet."""
        if self._scored is None:
            self._scored = scored
        return self._scored

    def score_rewrite(self, text: str) -> ScoredDraft:
        if text not in self.scored_rewrites:
            self.scored_rewrites[text] = score_draft(text, self.request.context or CoachContext())
        return self.scored_rewrites[text]

    def rewrite_problems(self, text: str | None) -> list[str]:
        scored = self.score_rewrite(text) if text and text.strip() else None
        return rewrite_problems(text, self.request, self.scored_draft().scores.overall, scored)

    def replacement_problems(self, critiques: list[ModelCritique]) -> list[str]:
        """Why replacements of the critiques that will be shown cannot be offered (one line each)."""
        local = [critique_from_finding(f) for f in self.scored_draft().findings]
        problems = []
        for critique in model_critiques(self.request.draft, critiques, local):
            for replacement in critique.replacements:
                problem = replacement_problem(self, critique, replacement)
                if problem:
                    problems.append(f'The replacement "{replacement}" for the quote "{critique.quote}" {problem}.')
        return problems


class CoachAnswer(BaseModel):
    summary: str = Field(max_length=MAX_SUMMARY_CHARS, description="One line on how the draft comes across overall.")
    critiques: list[ModelCritique] = Field(
        max_length=MAX_MODEL_CRITIQUES, description="Most severe first; at most eight; may be empty."
    )
    rewrite: str | None = Field(
        max_length=MAX_REWRITE_CHARS,
        description="The whole reply rewritten in the target style, keeping the candidate's voice, names and "
        "facts; null when no rewrite was asked for.",
    )

    def problems(self, context: AnswerContext) -> list[str]:
        """What the server's checks find wrong with this answer for this request (the answer loop re-asks)."""
        problems = [
            f"Critique {index + 1} quotes text that is not in the draft; copy the quote character for character "
            "from the draft, or use null."
            for index, item in enumerate(self.critiques)
            if item.quote and item.quote.strip() and find_quote_span(context.request.draft, item.quote) is None
        ]
        problems += context.replacement_problems(self.critiques)
        if (context.request.options or CoachOptions()).rewrite:
            problems += context.rewrite_problems(self.rewrite)
        return problems


def coach_messages(request: CoachRequest) -> list[dict]:
    """The system and user messages for a coach request.

    Everything the client sent (context fields, the received message, the draft) sits between markers
    carrying a code derived from all of it, so no field can contain its own end marker.
    """
    context = request.context or CoachContext()
    options = request.options or CoachOptions()
    received = context.received_message or ""

    def shown(value: object) -> str:
        # One line each: a field cannot start a line of its own that looks like part of the prompt.
        return "(unknown)" if value is None else " ".join(str(value).split())

    fields = {
        "recipient_name": shown(context.recipient_name),
        "sender_name": shown(context.sender_name),
        "company": shown(context.company),
        "role": shown(context.role),
        "ask_for_feedback": shown(context.ask_for_feedback),
    }
    marker = hashlib.sha256("\x00".join([request.draft, received, *fields.values()]).encode()).hexdigest()[:16]
    rewrite_prompt = "rewrite_wanted.md" if options.rewrite else "rewrite_skipped.md"
    user = load_prompt(f"{PROMPT_DIR}/user.md").substitute(
        **fields,
        received_message=received or "(not given)",
        draft=request.draft,
        marker=marker,
        rewrite_instruction=load_prompt(f"{PROMPT_DIR}/{rewrite_prompt}").template,
    )
    return [
        {"role": "system", "content": load_prompt(f"{PROMPT_DIR}/system.md").template},
        {"role": "user", "content": user},
    ]


def find_quote_span(draft: str, quote: str, taken: set[tuple[int, int]] = frozenset()) -> tuple[int, int] | None:  # type: ignore[assignment]
    """Where quote occurs in draft: exactly first, then ignoring case, typographic quotes and spacing."""
    quote = quote.strip()
    candidates = [quote, quote.strip("\"'\u201c\u201d\u2018\u2019").strip(), quote.strip(" .…\"'").strip()]
    for candidate in dict.fromkeys(c for c in candidates if c):
        start = draft.find(candidate)
        while start >= 0:
            span = (start, start + len(candidate))
            if span not in taken:
                return span
            start = draft.find(candidate, start + 1)
    plain_draft = matching_copy(draft)
    plain_quote = matching_copy(quote).strip("\"' ")
    for tolerant in dict.fromkeys([plain_quote, plain_quote.strip(" .…")]):
        words = tolerant.split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        for match in pattern.finditer(plain_draft):
            if match.span() not in taken:
                return match.span()
    return None


def model_critiques(draft: str, critiques: list[ModelCritique], local: list[Critique],
                    first_index: int = 0) -> list[Critique]:
    """The model's critiques with server-computed spans, minus any that repeat a local finding or each other.

    A quote the draft does not contain loses its span; such a critique is kept only if it adds something.
    """
    kept: list[Critique] = []
    taken = {(c.start, c.end) for c in local if c.start is not None}
    for index, item in enumerate(critiques[:MAX_MODEL_CRITIQUES], start=first_index):
        critique = located_critique(draft, item, index, taken)
        if critique is None or _repeats(critique, [*local, *kept]):
            continue
        if critique.start is not None:
            taken.add((critique.start, critique.end))  # type: ignore[arg-type]
        kept.append(critique)
    return kept


def located_critique(draft: str, item: ModelCritique, index: int,
                     taken: set[tuple[int, int]] = frozenset()) -> Critique | None:  # type: ignore[assignment]
    """A Critique from the model's, with the quote found in the draft (or no span); None if it is empty."""
    if not item.message.strip():
        return None
    span = find_quote_span(draft, item.quote, taken) if item.quote and item.quote.strip() else None
    start, end = span if span else (None, None)
    rule = f"{item.principle}.llm"
    return Critique(
        id=f"{rule}:{start}-{end}" if span else f"{rule}#{index}",
        rule=rule,
        principle=item.principle,
        severity=item.severity,
        message=item.message.strip(),
        suggestion=(item.suggestion or "").strip() or None,
        quote=draft[start:end] if span else None,
        start=start,
        end=end,
        replacements=list(item.replacements[:MAX_MODEL_REPLACEMENTS]) if span else [],
    )


def _repeats(critique: Critique, others: list[Critique]) -> bool:
    for other in others:
        if critique.start is not None and other.start is not None:
            overlapping = critique.start < other.end and other.start < critique.end  # type: ignore[operator]
            if (critique.start, critique.end) == (other.start, other.end) or (
                overlapping and other.principle == critique.principle
            ):
                return True
        elif critique.start is None and other.start is None and other.principle == critique.principle:
            return True
    return False


def rewrite_problems(rewrite: str | None, request: CoachRequest, draft_overall: int,
                     scored: ScoredDraft | None = None) -> list[str]:
    """Why the model's rewrite cannot be used; empty when it can. scored: the rewrite's, if already known."""
    if rewrite is None or not rewrite.strip():
        return ["The rewrite was missing or empty."]
    if len(rewrite) > MAX_DRAFT_CHARS:
        return [f"The rewrite is longer than {MAX_DRAFT_CHARS} characters."]
    context = request.context or CoachContext()
    problems: list[str] = []
    scored = scored or score_draft(rewrite, context)
    if scored.scores.overall < draft_overall:
        problems.append(
            f"The rewrite scores {scored.scores.overall}/100, below the draft's {draft_overall}; it must not be worse."
        )
    for finding in scored.findings:
        if finding.severity != "info":
            where = f' ("{finding.quote}")' if finding.quote else ""
            problems.append(f"The rewrite breaks {finding.principle}{where}: {finding.message}")
    if _NOT_A_LETTER.search(rewrite):
        problems.append("The rewrite contains text that does not belong in a letter (instructions, markup or code).")
    sources = "\n".join(
        v for v in (request.draft, context.received_message, context.recipient_name, context.sender_name,
                    context.company, context.role) if v
    )
    invented = invented_names(rewrite, sources)
    if invented:
        problems.append("The rewrite names people or companies that were not given: " + ", ".join(invented) + ".")
    numbers = invented_numbers(rewrite, sources)
    if numbers:
        problems.append("The rewrite adds numbers that were not given: " + ", ".join(numbers) + ".")
    # The names are said by where they came from, never echoed: a name is data the client sent.
    dropped = [where for where, name in given_names(request) if name.lower() not in rewrite.lower()]
    if dropped:
        problems.append("The rewrite leaves out " + ", ".join(dict.fromkeys(dropped)) + ".")
    return problems


def checked_replacements(context: AnswerContext, critique: Critique) -> list[str]:
    """The model's replacements for a located quote that pass the checks its rewrite must pass.

    A replacement that fails is dropped (the span then gets the local engine's fix); the answer
    loop has already re-asked the model with the reasons (AnswerContext.replacement_problems).
    """
    kept: list[str] = []
    for replacement in critique.replacements:
        if replacement in kept or replacement_problem(context, critique, replacement) is not None:
            continue
        kept.append(replacement)
    return kept


def replacement_problem(context: AnswerContext, critique: Critique, replacement: str) -> str | None:
    """Why one replacement cannot be offered, as the end of a sentence; None when it can.

    Put in place of the quote, it must leave a letter that scores no worse than the draft, nothing
    the judge flags where it stands, no markup or instructions, and no name or number that was not given.
    """
    if critique.start is None or critique.end is None:
        return "has no quote in the draft to replace"
    if replacement == critique.quote:
        return "is the quote itself"
    if len(replacement) > 2 * len(critique.quote or "") + 200:
        return "is much longer than the quote"
    request = context.request
    given = request.context or CoachContext()
    draft = request.draft
    text = draft[:critique.start] + replacement + draft[critique.end:]
    if not text.strip():
        return "would leave an empty letter"
    if _NOT_A_LETTER.search(replacement):
        return "contains text that does not belong in a letter (instructions, markup or code)"
    sources = "\n".join(
        v for v in (draft, given.received_message, given.recipient_name, given.sender_name,
                    given.company, given.role) if v
    )
    if invented_names(text, sources) or invented_numbers(replacement, sources):
        return "adds a name or number that was not given"
    scored = context.score_rewrite(text)
    if scored.scores.overall < context.scored_draft().scores.overall:
        return "makes the letter score lower than the draft"
    new_end = critique.start + len(replacement)
    if any(f.severity != "info" and f.start is not None and f.start < new_end + 1 and critique.start - 1 < f.end
           for f in scored.findings):
        return "still breaks a principle where it stands"
    return None


def given_names(request: CoachRequest) -> list[tuple[str, str]]:
    """Names the rewrite must keep, each with where it came from: the context (only values that look
    like a name), and the draft's own greeting and signature."""
    context = request.context or CoachContext()
    sources = [
        ("the recipient name given in the context", context.recipient_name),
        ("the candidate name given in the context", context.sender_name),
        ("the name the draft greets", greeting_name(request.draft)),
        ("the name the draft is signed with", signature_name(request.draft)),
    ]
    names: dict[str, str] = {}
    for where, name in sources:
        if name and plausible_name(name):
            names.setdefault(" ".join(name.split()), where)
    return [(where, name) for name, where in names.items()]


def plausible_name(value: str) -> bool:
    """Whether a given name looks like a person's name: short, one line, letters, no instructions."""
    text = value.strip()
    if not text or len(text) > MAX_NAME_CHARS or "\n" in text or "\r" in text:
        return False
    words = text.split()
    if len(words) > MAX_NAME_WORDS or not _NAME_SHAPE.fullmatch(" ".join(words)):
        return False
    return not any(word.lower().strip(".'\u2019-") in _NOT_IN_A_NAME for word in words)


def cache_key(request: CoachRequest, model: str) -> str:
    """Requests that would send the same prompt to the same model share a key."""
    context = request.context.model_dump(mode="json") if request.context else None
    options = request.options or CoachOptions()
    payload = json.dumps([request.draft, context, model, PROMPT_VERSION, options.rewrite], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def complete_critiques(buffer: str, key: str = "critiques") -> list[dict]:
    """The array items under key that have fully arrived in a partial JSON answer."""
    found = re.search(rf'"{key}"\s*:\s*\[', buffer)
    if not found:
        return []
    decoder = json.JSONDecoder()
    items: list[dict] = []
    position = found.end()
    while position < len(buffer):
        while position < len(buffer) and buffer[position] in " \t\r\n,":
            position += 1
        if position >= len(buffer) or buffer[position] != "{":
            break
        try:
            item, position = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError:
            break
        if isinstance(item, dict):
            items.append(item)
    return items
