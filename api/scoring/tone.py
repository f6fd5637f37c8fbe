"""Tone of a draft: sentiment (VADER), politeness, hostility, anxiety and a one-word label."""

import math
import re
from collections.abc import Sequence
from functools import cache, lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from api.rules.base import Finding
from api.schemas import Tone

_POLITE_MARKERS = re.compile(
    r"\b(?:please|thank(?:s| you)?|grateful|appreciat\w*|kind(?:ly)?|regards|wish(?:es)?|hope|pleasure|"
    r"best|sincerely|warm(?:ly)?|respect\w*|enjoyed|glad|would|could)\b",
    re.IGNORECASE,
)
_ANXIOUS_WORDS = re.compile(
    r"\b(?:worried|nervous|anxious|anxiety|scared|afraid|panic\w*|terrified|stressed|overwhelmed|"
    r"desperate\w*|hopeless|dread\w*)\b",
    re.IGNORECASE,
)
_HOSTILE_WEIGHT = {"critical": 45, "warning": 22}
_HOSTILE_RULES = ("reputation.", "feedback.demands_reasons", "door_open.closed", "networking.cuts_ties")
_ANXIOUS_RULES = ("confidence.", "resilience.rumination")


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def prepare_tone() -> None:
    """Load the sentiment lexicon now rather than on the first request."""
    _analyzer()


@lru_cache(maxsize=4096)
def sentiment(text: str) -> float:
    """VADER's compound score; cached because rules, tone and the rewrite ask about the same sentences."""
    return float(_analyzer().polarity_scores(text)["compound"])


@lru_cache(maxsize=8192)
def _marker_counts(sentence: str) -> tuple[int, int]:
    """Anxious words and politeness markers in one sentence; cached like its sentiment."""
    return len(_ANXIOUS_WORDS.findall(sentence)), len(_POLITE_MARKERS.findall(sentence))


_VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = raw / sqrt(raw^2 + alpha)


def draft_sentiment(sentences: Sequence[str]) -> float:
    """VADER's compound for the whole draft, summed from its cached per-sentence scores."""
    raw = 0.0
    for sentence in sentences:
        compound = max(-0.9999, min(0.9999, sentiment(sentence)))
        raw += compound * math.sqrt(_VADER_ALPHA / (1 - compound * compound))
    return raw / math.sqrt(raw * raw + _VADER_ALPHA) if raw else 0.0


def tone(text: str, sentences: Sequence[str], findings: Sequence[Finding], word_count: int) -> Tone:
    compound = draft_sentiment(sentences)
    breaking = [f for f in findings if f.breaks_principle]

    hostile = [f for f in breaking if f.rule.startswith(_HOSTILE_RULES)]
    hostile_rules = {f.rule: f for f in reversed(hostile)}
    hostility = sum(_HOSTILE_WEIGHT[f.severity] for f in hostile_rules.values()) + 5 * (len(hostile) - len(hostile_rules))
    if compound < -0.3:
        hostility += round(25 * -compound)
    hostility = min(100, hostility)

    anxious_words, polite_markers = map(sum, zip(*(_marker_counts(s) for s in sentences), strict=True)) if sentences else (0, 0)
    anxiety = sum(20 for f in breaking if f.rule.startswith(_ANXIOUS_RULES))
    anxiety += 12 * anxious_words
    anxiety = min(100, anxiety)

    # Density matters more than count: three courtesies in a rant do not make it polite.
    density = polite_markers / max(1.0, word_count / 25)
    politeness = round(30 + 22 * min(density, 3.0) + 6 * min(polite_markers, 5) - 0.6 * hostility)
    politeness = max(0, min(100, politeness))

    return Tone(
        label=_label(compound, politeness, hostility, anxiety, findings),
        sentiment=round(compound, 3),
        politeness=politeness,
        hostility=hostility,
        anxiety=anxiety,
    )


def _label(compound: float, politeness: int, hostility: int, anxiety: int, findings: Sequence[Finding]) -> str:
    rules = {f.rule for f in findings if f.breaks_principle}
    if hostility >= 45:
        return "hostile"
    if rules & {"reputation.sarcasm", "reputation.passive_aggression"}:
        return "passive-aggressive"
    if anxiety >= 40:
        return "anxious"
    if rules & {"networking.coldness", "networking.curt_reply", "networking.cuts_ties"}:
        return "cold"
    if hostility >= 20 or compound < -0.4:
        return "tense"
    if politeness >= 75 and compound >= 0.5:
        return "gracious"
    if politeness >= 55 and compound >= 0.2:
        return "warm"
    return "neutral"
