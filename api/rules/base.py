"""What a rule is, what it finds, and the analysed draft every rule reads."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from api.schemas import CoachContext, CritiquePrinciple, Severity
from api.scoring.text import Span, matching_copy, split_sentences, word_count

SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    rule: str
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None
    start: int | None = None
    end: int | None = None
    quote: str | None = None

    @property
    def breaks_principle(self) -> bool:
        return self.severity != "info"


@dataclass
class Draft:
    """A draft analysed once: rules and scorers share its matching copy and sentences."""

    text: str
    context: CoachContext = field(default_factory=CoachContext)

    @cached_property
    def matching(self) -> str:
        return matching_copy(self.text)

    @cached_property
    def sentences(self) -> list[Span]:
        return split_sentences(self.text)

    @cached_property
    def word_count(self) -> int:
        return word_count(self.text)

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.text[start:end])


Check = Callable[[Draft], Iterable[Span | None]]


@dataclass(frozen=True)
class Rule:
    """A critique rule: a stable dotted id, its verdict on the principle, and how it finds spans.

    A check yields spans of the draft it objects to, or None for a finding about the whole draft.
    """

    id: str
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None
    check: Check

    def findings(self, draft: Draft) -> list[Finding]:
        return [
            Finding(
                rule=self.id, principle=self.principle, severity=self.severity,
                message=self.message, suggestion=self.suggestion,
                start=span.start if span else None, end=span.end if span else None,
                quote=span.text if span else None,
            )
            for span in self.check(draft)
        ]


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


def pattern_check(pattern: re.Pattern[str], unless: re.Pattern[str] | None = None) -> Check:
    """Spans where pattern matches the draft, skipping sentences that also match unless."""

    def check(draft: Draft) -> Iterable[Span]:
        for match in pattern.finditer(draft.matching):
            start, end = match.span()
            if start == end:
                continue
            if unless is not None and _sentence_matches(draft, start, unless):
                continue
            yield draft.span(start, end)

    return check


def _sentence_matches(draft: Draft, offset: int, pattern: re.Pattern[str]) -> bool:
    for sentence in draft.sentences:
        if sentence.start <= offset < sentence.end:
            return pattern.search(draft.matching, sentence.start, sentence.end) is not None
    return False
