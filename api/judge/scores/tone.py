"""Tone of a draft: sentiment (VADER), politeness, hostility, anxiety and a one-word label.

What a finding means to the tone is its tags (hostile, anxious, passive_aggressive, cold), never its id.
"""

import re
from collections.abc import Sequence

from api.judge.detectors import Finding
from api.judge.text.memo import sentence_reading
from api.judge.text.sentiment import draft_sentiment
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


@sentence_reading
def _marker_counts(sentence: str) -> tuple[int, int]:
    """Anxious words and politeness markers in one sentence; cached like its sentiment."""
    return len(_ANXIOUS_WORDS.findall(sentence)), len(_POLITE_MARKERS.findall(sentence))


def tone(text: str, sentences: Sequence[str], findings: Sequence[Finding], word_count: int) -> Tone:
    compound = draft_sentiment(sentences)
    breaking = [f for f in findings if f.breaks_principle]

    hostile = [f for f in breaking if "hostile" in f.tags]
    hostile_rules = {f.rule: f for f in reversed(hostile)}
    hostility = sum(_HOSTILE_WEIGHT[f.severity] for f in hostile_rules.values()) + 5 * (len(hostile) - len(hostile_rules))
    if compound < -0.3:
        hostility += round(25 * -compound)
    hostility = min(100, hostility)

    anxious_words, polite_markers = map(sum, zip(*(_marker_counts(s) for s in sentences), strict=True)) if sentences else (0, 0)
    anxiety = sum(20 for f in breaking if "anxious" in f.tags)
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
    tags = frozenset().union(*(f.tags for f in findings if f.breaks_principle))
    if hostility >= 45:
        return "hostile"
    if "passive_aggressive" in tags:
        return "passive-aggressive"
    if anxiety >= 40:
        return "anxious"
    if "cold" in tags:
        return "cold"
    if hostility >= 20 or compound < -0.4:
        return "tense"
    if politeness >= 75 and compound >= 0.5:
        return "gracious"
    if politeness >= 55 and compound >= 0.2:
        return "warm"
    return "neutral"
