"""What shows each principle: the `[[shows]]` entries of api/judge/principles, matched sentence by sentence."""

import re
from dataclasses import dataclass

from api.judge.principles import SHOWS_ENTRIES
from api.judge.text.draft import Draft
from api.judge.text.letter import SIGNAL_PATTERNS
from api.judge.text.memo import sentence_reading
from api.judge.text.prefilter import PatternSet
from api.schemas import PrincipleId


@dataclass(frozen=True)
class Signal:
    id: str
    principle: PrincipleId
    tags: frozenset[str]
    pattern: re.Pattern[str]
    patterns: PatternSet


def _signal(entry: dict) -> Signal:
    patterns = entry.get("patterns") or SIGNAL_PATTERNS[entry["letter"]]
    return Signal(
        id=entry["id"],
        principle=entry["principle"],
        tags=frozenset(entry.get("tags", ())),
        pattern=re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE),
        patterns=PatternSet(patterns),
    )


SIGNALS: dict[str, Signal] = {entry["id"]: _signal(entry) for entry in SHOWS_ENTRIES}


_BY_TAG: dict[str, tuple[Signal, ...]] = {
    tag: tuple(s for s in SIGNALS.values() if tag in s.tags) for tag in frozenset().union(*(s.tags for s in SIGNALS.values()))
}


def signals_tagged(tag: str) -> tuple[Signal, ...]:
    return _BY_TAG.get(tag, ())


def has_signal(matching_text: str, signal_id: str) -> bool:
    return SIGNALS[signal_id].pattern.search(matching_text) is not None


def shows(matching_text: str, tag: str) -> bool:
    """Whether any signal with the tag is in the text (a matching copy, see api.judge.text.sentences)."""
    return any(s.pattern.search(matching_text) for s in signals_tagged(tag))


def tags_of(signal_ids: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*(SIGNALS[i].tags for i in signal_ids))


def draft_tags(draft: Draft) -> frozenset[str]:
    """Tags of the signals anywhere in the draft."""
    return draft.reading("signal_tags", lambda: tags_of(draft_signals(draft)))


@sentence_reading
def signals_in_sentence(probe: str) -> frozenset[str]:
    """Ids of the signals in one framed sentence (see api.judge.text.draft.SentenceProbe); cached per sentence."""
    lowered = probe.lower()
    return frozenset(s.id for s in SIGNALS.values() if s.patterns.search(probe, lowered) is not None)


def draft_signals(draft: Draft) -> frozenset[str]:
    """Ids of the signals anywhere in the draft."""
    return draft.reading("signals", lambda: frozenset().union(*(signals_in_sentence(p.text) for p in draft.probes)))


def draft_shows(draft: Draft, tag: str) -> bool:
    return tag in draft_tags(draft)
