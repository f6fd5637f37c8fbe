"""What a rule is and what it finds. A rule's kind says how it finds spans (see api/judge/principles)."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from api.judge.text.draft import Draft
from api.judge.text.prefilter import PatternSet
from api.judge.text.sentences import Span
from api.schemas import CritiquePrinciple, Severity

SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}

Kind = Literal["pattern", "sentence_function", "draft_function", "derived", "sentence_model"]
# (framed sentence, lead, sentence length) -> spans within the sentence
SentenceSpans = Callable[[str, int, int], tuple[tuple[int, int], ...]]


class Finding(NamedTuple):
    rule: str
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    # What the finding means to the rest of the judge (tone, derived rules, the rewrite).
    tags: frozenset[str] = frozenset()
    # Set when the finding comes from the model's critique (its id keeps the model's numbering).
    critique_id: str | None = None

    @property
    def breaks_principle(self) -> bool:
        return self.severity != "info"


@dataclass(frozen=True)
class Rule:
    """A critique rule: a stable dotted id, its verdict on the principle, and how it finds spans.

    What `detect` is depends on the kind:
    - pattern, sentence_function: SentenceSpans, run on each framed sentence;
    - draft_function: (draft) -> spans, or None for a finding about the whole draft;
    - derived: (draft, the other rules' findings, this rule) -> spans or None;
    - sentence_model: (draft, this rule) -> spans, from the sentence model's reading.
    """

    id: str
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None
    kind: Kind
    tags: frozenset[str]
    detect: Callable
    threshold: float | None = None

    @property
    def per_sentence(self) -> bool:
        return self.kind in ("pattern", "sentence_function")

    def finding(self, start: int | None, end: int | None, quote: str | None) -> Finding:
        return Finding(rule=self.id, principle=self.principle, severity=self.severity, message=self.message,
                       suggestion=self.suggestion, start=start, end=end, quote=quote, tags=self.tags)

    def findings_from(self, spans: Iterable[Span | None]) -> list[Finding]:
        return [
            self.finding(span.start, span.end, span.text) if span else self.finding(None, None, None)
            for span in spans
        ]


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


def sentence_pattern_spans(patterns: PatternSet, unless: PatternSet | None = None) -> SentenceSpans:
    """Spans where any pattern matches one framed sentence, or none if the sentence matches unless."""

    def spans_in(probe: str, lead: int, length: int) -> tuple[tuple[int, int], ...]:
        lowered = probe.lower()
        if unless is not None and unless.search(probe, lowered) is not None:
            return ()
        found: list[tuple[int, int]] = []
        for match in patterns.finditer(probe, lowered):
            # Matches that run into the frame are cut back to the sentence.
            start = min(max(match.start() - lead, 0), length)
            end = min(max(match.end() - lead, 0), length)
            if start < end and (start, end) not in found:
                found.append((start, end))
        return tuple(found)

    return spans_in


def sentence_function_spans(check: Callable[[str], Iterable[tuple[int, int]]]) -> SentenceSpans:
    """A check of one sentence's text, run on the sentence inside its frame."""

    def spans_in(probe: str, lead: int, length: int) -> tuple[tuple[int, int], ...]:
        return tuple(check(probe[lead:lead + length]))

    return spans_in


def sentence_spans_in_draft(rule: Rule, draft: Draft) -> list[Span]:
    """A per-sentence rule's spans over the whole draft."""
    spans = []
    for probe in draft.probes:
        sentence = probe.sentence
        for start, end in rule.detect(probe.text, probe.lead, sentence.end - sentence.start):
            spans.append(draft.span(sentence.start + start, sentence.start + end))
    return spans
