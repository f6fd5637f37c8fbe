"""Sentiment of a sentence or a draft with VADER, read per sentence so a draft being typed is cheap."""

import math
import re
from collections.abc import Iterable, Sequence
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from api.judge.text.memo import sentence_reading

_VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = raw / sqrt(raw^2 + alpha)
# VADER's cost grows with the square of a sentence's tokens, and it spells every emoji out as
# several words, so one run of 10,000 emoji took half a minute. A sentence heavier than this
# (a word or a non-ASCII character each count one, a character past ASCII counts four) is read in
# pieces of at most this weight and their scores combined as for a draft; ordinary sentences
# are far lighter and are read whole, exactly as before.
_MAX_PIECE_WEIGHT = 200
_MAX_TOKEN_CHARS = 40
_TOKEN = re.compile(r"\S+")


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def prepare_sentiment() -> None:
    """Load the sentiment lexicon now rather than on the first request."""
    _analyzer()


@sentence_reading
def sentiment(text: str) -> float:
    """VADER's compound score; cached because rules, tone and the rewrite ask about the same sentences."""
    pieces = _bounded_pieces(text)
    if len(pieces) == 1:
        return _compound(text)
    return _combined(_compound(piece) for piece in pieces)


def draft_sentiment(sentences: Sequence[str]) -> float:
    """VADER's compound for the whole draft, summed from its cached per-sentence scores."""
    return _combined(sentiment(sentence) for sentence in sentences)


def _compound(text: str) -> float:
    return float(_analyzer().polarity_scores(text)["compound"])


def _combined(compounds: Iterable[float]) -> float:
    """The compound of several texts read as one: their raw VADER sums added, then normalised."""
    raw = 0.0
    for compound in compounds:
        compound = max(-0.9999, min(0.9999, compound))
        raw += compound * math.sqrt(_VADER_ALPHA / (1 - compound * compound))
    return raw / math.sqrt(raw * raw + _VADER_ALPHA) if raw else 0.0


def _weight(token: str) -> int:
    return 1 + 4 * sum(1 for character in token if ord(character) > 127)


def _bounded_pieces(text: str) -> list[str]:
    """The text whole when it is light enough for VADER, else in pieces of bounded weight."""
    if len(text) <= _MAX_PIECE_WEIGHT // 5:
        return [text]
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        tokens.extend(token[i:i + _MAX_TOKEN_CHARS] for i in range(0, len(token), _MAX_TOKEN_CHARS))
    pieces: list[str] = []
    piece: list[str] = []
    weight = 0
    for token in tokens:
        token_weight = _weight(token)
        if piece and weight + token_weight > _MAX_PIECE_WEIGHT:
            pieces.append(" ".join(piece))
            piece, weight = [], 0
        piece.append(token)
        weight += token_weight
    if not pieces:
        return [text]
    pieces.append(" ".join(piece))
    return pieces
