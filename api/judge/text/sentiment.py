"""Sentiment of a sentence or a draft with VADER, read per sentence so a draft being typed is cheap."""

import math
from collections.abc import Sequence
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from api.judge.text.memo import sentence_reading

_VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = raw / sqrt(raw^2 + alpha)


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def prepare_sentiment() -> None:
    """Load the sentiment lexicon now rather than on the first request."""
    _analyzer()


@sentence_reading
def sentiment(text: str) -> float:
    """VADER's compound score; cached because rules, tone and the rewrite ask about the same sentences."""
    return float(_analyzer().polarity_scores(text)["compound"])


def draft_sentiment(sentences: Sequence[str]) -> float:
    """VADER's compound for the whole draft, summed from its cached per-sentence scores."""
    raw = 0.0
    for sentence in sentences:
        compound = max(-0.9999, min(0.9999, sentiment(sentence)))
        raw += compound * math.sqrt(_VADER_ALPHA / (1 - compound * compound))
    return raw / math.sqrt(raw * raw + _VADER_ALPHA) if raw else 0.0
