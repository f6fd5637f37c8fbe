"""Word cues learned from labelled replies: a sentence whose words and word pairs are, taken
together, far more typical of replies that break a principle than of graceful ones.

Patterns catch the phrasings someone wrote down; cues catch some of the ones nobody did. The
weights (log odds against graceful sentences) and each principle's threshold live in
api/judge/detectors/cues.json, written by `python -m evals.learn_cues` from the tuned reply sets in corpus/replies. The
threshold sits well above the highest score of any graceful sentence in that data.
"""

import json
import re
from functools import cache
from importlib import resources

from api.judge.text.memo import sentence_reading
from api.judge.text.sentences import matching_copy

TOP_TERMS = 3
_WORD = re.compile(r"[a-z']+")


def sentence_terms(sentence: str) -> set[str]:
    """The lower-cased words of a sentence and its adjacent word pairs."""
    words = _WORD.findall(matching_copy(sentence).lower())
    return set(words) | {f"{first} {second}" for first, second in zip(words, words[1:], strict=False)}


def cue_score(weights: dict[str, float], sentence: str) -> float:
    """The sum of the sentence's strongest positive cues."""
    found = sorted((weights[term] for term in sentence_terms(sentence) if term in weights), reverse=True)
    return sum(weight for weight in found[:TOP_TERMS] if weight > 0)


@cache
def _cues() -> dict[str, dict]:
    return json.loads(resources.files(__package__).joinpath("cues.json").read_text("utf-8"))


@sentence_reading
def cue_principle(sentence: str) -> str | None:
    """The one principle whose cues the sentence exceeds by the widest margin, if any.

    One sentence, one principle: cues of neighbouring principles overlap ("I'm still angry" is
    typical of rants that break several), and the strongest reading is the useful one.
    """
    best, best_ratio = None, 1.0
    for principle, cues in _cues().items():
        if cues["threshold"] <= 0:
            continue
        ratio = cue_score(cues["weights"], sentence) / cues["threshold"]
        if ratio > best_ratio:
            best, best_ratio = principle, ratio
    return best

