"""What the llm engine asks the model for, and how the server checks the model's work before using it."""

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, Field

from api.engines.rewrite import _NOT_A_LETTER
from api.judge import ScoredDraft, score_draft
from api.judge.text.invented import invented_names, invented_numbers
from api.judge.text.letter import greeting_name, signature_name
from api.judge.text.sentences import matching_copy
from api.llm_client import load_prompt
from api.schemas import MAX_DRAFT_CHARS, CoachContext, CoachOptions, CoachRequest, Critique, Severity

PROMPT_VERSION = "coach-v2"
PROMPT_DIR = "coach/v2"
MAX_MODEL_CRITIQUES = 8
MAX_MODEL_REPLACEMENTS = 3

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
        description="The shortest phrase copied character for character from the draft that shows the "
        "problem; null when the critique is about something the draft lacks."
    )
    message: str = Field(description="One or two sentences to the candidate saying what the problem is and why.")
    suggestion: str | None = Field(description="A concrete change or replacement wording; null if none.")
    replacements: list[str] = Field(
        default_factory=list,
        description="Texts that could replace the quote word for word in the draft, best first: a calmer wording "
        "that keeps the candidate's voice and facts, or \"\" to delete it. Empty when the quote is null.",
    )


class CoachAnswer(BaseModel):
    summary: str = Field(description="One line on how the draft comes across overall.")
    critiques: list[ModelCritique] = Field(description="Most severe first; at most eight; may be empty.")
    rewrite: str | None = Field(
        description="The whole reply rewritten in the target style, keeping the candidate's voice, names and "
        "facts; null when no rewrite was asked for."
    )


def coach_messages(request: CoachRequest) -> list[dict]:
    """The system and user messages for a coach request; the draft sits between unforgeable markers."""
    context = request.context or CoachContext()
    options = request.options or CoachOptions()
    received = context.received_message or ""
    # The marker is derived from the texts it encloses, so the texts cannot contain their own end marker.
    marker = hashlib.sha256(f"{request.draft}\x00{received}".encode()).hexdigest()[:16]

    def shown(value: object) -> str:
        return "(unknown)" if value is None else " ".join(str(value).split())

    rewrite_prompt = "rewrite_wanted.md" if options.rewrite else "rewrite_skipped.md"
    user = load_prompt(f"{PROMPT_DIR}/user.md").substitute(
        recipient_name=shown(context.recipient_name),
        sender_name=shown(context.sender_name),
        company=shown(context.company),
        role=shown(context.role),
        ask_for_feedback=shown(context.ask_for_feedback),
        received_message=received or "(not given)",
        draft=request.draft,
        marker=marker,
        rewrite_instruction=load_prompt(f"{PROMPT_DIR}/{rewrite_prompt}").template,
    )
    return [
        {"role": "system", "content": load_prompt(f"{PROMPT_DIR}/system.md").template},
        {"role": "user", "content": user},
    ]


def repair_messages(messages: list[dict], answer: CoachAnswer, problems: list[str]) -> list[dict]:
    """The conversation again, with the model's answer and what the server found wrong with it."""
    listed = "\n".join(f"- {p}" for p in problems)
    return [
        *messages,
        {"role": "assistant", "content": answer.model_dump_json()},
        {"role": "user", "content": load_prompt(f"{PROMPT_DIR}/repair.md").substitute(problems=listed)},
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
    dropped = [n for n in given_names(request) if n.lower() not in rewrite.lower()]
    if dropped:
        problems.append("The rewrite leaves out names the candidate used: " + ", ".join(dropped) + ".")
    return problems


def checked_replacements(request: CoachRequest, critique: Critique, draft_overall: int) -> list[str]:
    """The model's replacements for a located quote that pass the checks its rewrite must pass.

    Each one, put in place of the quote, must leave a letter that scores no worse than the draft,
    nothing the judge flags where it stands, no markup or instructions, and no name or number that
    was not given; a replacement that fails is dropped (the span then gets the local engine's fix).
    """
    if critique.start is None or critique.end is None:
        return []
    context = request.context or CoachContext()
    draft = request.draft
    sources = "\n".join(
        v for v in (draft, context.received_message, context.recipient_name, context.sender_name,
                    context.company, context.role) if v
    )
    kept: list[str] = []
    for replacement in critique.replacements:
        if replacement in kept or replacement == critique.quote or len(replacement) > 2 * len(critique.quote or "") + 200:
            continue
        text = draft[:critique.start] + replacement + draft[critique.end:]
        if not text.strip() or _NOT_A_LETTER.search(replacement):
            continue
        if invented_names(text, sources) or any(n not in sources for n in _NUMBER.findall(replacement)):
            continue
        scored = score_draft(text, context)
        new_end = critique.start + len(replacement)
        flagged_there = any(
            f.severity != "info" and f.start is not None and f.start < new_end + 1 and critique.start - 1 < f.end
            for f in scored.findings
        )
        if scored.scores.overall < draft_overall or flagged_there:
            continue
        kept.append(replacement)
    return kept


def given_names(request: CoachRequest) -> list[str]:
    """Names the rewrite must keep: from the context, and the draft's own greeting and signature."""
    context = request.context or CoachContext()
    names = [context.recipient_name, context.sender_name, greeting_name(request.draft), signature_name(request.draft)]
    return list(dict.fromkeys(" ".join(n.split()) for n in names if n and n.strip()))


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
