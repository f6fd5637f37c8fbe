"""Sentences and words: the matching copy, sentences with their offsets, word counts."""

import re
from typing import NamedTuple

from api.judge.text.memo import sentence_reading

# One character in, one character out, so offsets found in the matching copy are offsets in
# the draft as sent.
_MATCHING_TRANSLATION = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    }
)

_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]]*(?=\s|$)|\n\s*\n|\n(?=\s*\S)")
_ABBREVIATION_END = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|Inc|Ltd|Co)\.$", re.IGNORECASE)
# A line that is only a name, as under a sign-off (after a dash, maybe): one to three capitalised words.
NAME = r"[A-Z][\w'\u2019.-]*(?:[ \t]+[A-Z][\w'\u2019.-]*){0,2}"
NAME_LINE = re.compile(rf"^\s*[-\u2013\u2014]*\s*(?P<name>{NAME})\s*$")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f0-9]+(?:['\u2019][A-Za-z]+)?")


class Span(NamedTuple):
    """A piece of a text and its offsets: text == whole[start:end]."""

    start: int
    end: int
    text: str


def matching_copy(text: str) -> str:
    """Same length as text, with typographic quotes and dashes made plain for matching."""
    return text.translate(_MATCHING_TRANSLATION)


def split_sentences(text: str) -> list[Span]:
    """Sentences and lines of text, trimmed, with their offsets into text."""
    spans: list[Span] = []
    start = 0
    for end_match in _SENTENCE_END.finditer(text):
        end = end_match.end()
        # Only a full stop can close an abbreviation ("Dr.", "e.g."); most ends need no look-back.
        if text[end_match.start()] == "." and _ABBREVIATION_END.search(text, max(start, end_match.start() - 8), end):
            continue
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            begin = start + len(piece) - len(piece.lstrip())
            spans.append(Span(begin, begin + len(stripped), stripped))
        start = end
    piece = text[start:]
    stripped = piece.strip()
    if stripped:
        begin = start + len(piece) - len(piece.lstrip())
        spans.append(Span(begin, begin + len(stripped), stripped))
    return spans


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


@sentence_reading
def sentence_word_count(sentence: str) -> int:
    """Words in one sentence; cached, since a draft being typed repeats most of its sentences."""
    return word_count(sentence)
