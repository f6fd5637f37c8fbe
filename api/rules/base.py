"""What a rule is, what it finds, and the analysed draft every rule reads."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from api.rules.prefilter import PatternSet
from api.schemas import CoachContext, CritiquePrinciple, Severity
from api.scoring.text import Span, matching_copy, sentence_word_count, split_sentences

SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}


class Finding(NamedTuple):
    rule: str
    principle: CritiquePrinciple
    severity: Severity
    message: str
    suggestion: str | None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    # Set when the finding comes from the model's critique (its id keeps the model's numbering).
    critique_id: str | None = None

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
    def lowered(self) -> str:
        """The matching copy lower-cased, for the literal prefilters of pattern sets."""
        return self.matching.lower()

    @cached_property
    def sentences(self) -> list[Span]:
        return split_sentences(self.text)

    @cached_property
    def word_count(self) -> int:
        return sum(sentence_word_count(sentence.text) for sentence in self.sentences)

    @cached_property
    def signals(self) -> frozenset[str]:
        """Ids of the signals (what shows a principle) anywhere in the draft."""
        from api.scoring.signals import signals_in_sentence

        return frozenset().union(*(signals_in_sentence(probe.text) for probe in self.probes))

    @cached_property
    def probes(self) -> list["SentenceProbe"]:
        """Each sentence of the matching copy, framed so line anchors behave as in the whole draft."""
        return [_probe(self.matching, sentence) for sentence in self.sentences]

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
    # For rules that look at one sentence at a time: (framed sentence, lead, length) -> spans.
    sentence_spans: Callable[[str, int, int], tuple[tuple[int, int], ...]] | None = None
    # For rules that read what the other rules found: (draft, their findings) -> spans.
    derived_check: Callable[[Draft, list[Finding]], Iterable[Span | None]] | None = None

    def finding(self, start: int | None, end: int | None, quote: str | None) -> Finding:
        return Finding(rule=self.id, principle=self.principle, severity=self.severity,
                       message=self.message, suggestion=self.suggestion, start=start, end=end, quote=quote)

    def findings(self, draft: Draft) -> list[Finding]:
        return self.findings_from(self.check(draft))

    def findings_from(self, spans: Iterable[Span | None]) -> list[Finding]:
        return [
            self.finding(span.start, span.end, span.text) if span else self.finding(None, None, None)
            for span in spans
        ]


class SentenceProbe(NamedTuple):
    """A sentence as patterns see it: `lead + sentence + trail`, where the frame says whether the
    sentence starts or ends a line, so `^` and `$` mean what they mean in the whole draft."""

    sentence: Span
    text: str
    lead: int


_LINE_EDGE = "\n"
_MID_LINE_LEAD = "x "
_MID_LINE_TRAIL = " x"


def _probe(matching: str, sentence: Span) -> SentenceProbe:
    before = sentence.start - 1
    while before >= 0 and matching[before] in " \t":
        before -= 1
    after = sentence.end
    while after < len(matching) and matching[after] in " \t":
        after += 1
    lead = _LINE_EDGE if before < 0 or matching[before] == "\n" else _MID_LINE_LEAD
    trail = _LINE_EDGE if after >= len(matching) or matching[after] == "\n" else _MID_LINE_TRAIL
    return SentenceProbe(sentence, lead + matching[sentence.start:sentence.end] + trail, len(lead))


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


def sentence_pattern_spans(
    patterns: PatternSet, unless: PatternSet | None = None
) -> Callable[[str, int, int], tuple[tuple[int, int], ...]]:
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


def sentence_check(spans_in: Callable[[str, int, int], tuple[tuple[int, int], ...]]) -> Check:
    """A draft-wide check made of a per-sentence one."""

    def check(draft: Draft) -> Iterable[Span]:
        for probe in draft.probes:
            sentence = probe.sentence
            for start, end in spans_in(probe.text, probe.lead, sentence.end - sentence.start):
                yield draft.span(sentence.start + start, sentence.start + end)

    return check
