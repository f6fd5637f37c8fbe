"""The analysed draft every detector reads: its matching copy, sentences, probes and readings."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from api.judge.text.letter import is_sign_off
from api.judge.text.sentences import Span, matching_copy, sentence_word_count, split_sentences
from api.schemas import CoachContext

T = TypeVar("T")


class SentenceProbe(NamedTuple):
    """A sentence as patterns see it: `lead + sentence + trail`, where the frame says whether the
    sentence starts or ends a line, so `^` and `$` mean what they mean in the whole draft."""

    sentence: Span
    text: str
    lead: int


_LINE_EDGE = "\n"
_MID_LINE_LEAD = "x "
_MID_LINE_TRAIL = " x"
_INITIALS = re.compile(r"[-\u2013\u2014]?\s*[A-Z](?:\.?[A-Z]){0,2}\.?")


@dataclass
class Draft:
    """A draft analysed once: detectors and scorers share its matching copy, sentences and readings."""

    text: str
    context: CoachContext = field(default_factory=CoachContext)
    _readings: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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
    def probes(self) -> list[SentenceProbe]:
        """Each sentence of the matching copy, framed so line anchors behave as in the whole draft.
        Initials signed under a sign-off are a name, not a sentence ("Best regards,\nK" is no curt "K")."""
        sentences = self.sentences
        signed = {
            current.start for previous, current in zip(sentences, sentences[1:], strict=False)
            if _INITIALS.fullmatch(current.text) and "\n" in self.text[previous.end:current.start]
            and is_sign_off(previous.text)
        }
        return [_probe(self.matching, sentence) for sentence in sentences if sentence.start not in signed]

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.text[start:end])

    def reading(self, name: str, compute: Callable[[], T]) -> T:
        """A reading of the whole draft (its signals, ...), worked out once per draft by whoever asks first."""
        if name not in self._readings:
            self._readings[name] = compute()
        return self._readings[name]


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
