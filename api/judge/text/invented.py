"""Names and numbers a reply uses that nobody gave: the one check the llm engine's guard, the evals and
the tests share, with one allow-list of ordinary capitalised words (ordinary_capitalised.txt)."""

import re
from functools import cache
from importlib import resources

from api.judge.text.letter import greeting_name, signature_name
from api.judge.text.readability import is_dictionary_word
from api.judge.text.sentences import matching_copy

_CAPITALISED = re.compile(r"(?<![\w'\u2019])[A-Z\u00c0-\u00d6\u00d8-\u00de][A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f'\u2019-]*")
_WORDS = re.compile(r"[a-z0-9\u00df-\u00f6\u00f8-\u024f][a-z0-9\u00df-\u00f6\u00f8-\u024f'-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*)[\"'(\[]*$")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


@cache
def ordinary_capitalised() -> frozenset[str]:
    """The allow-list: capitalised words that name nobody, lower-cased."""
    text = resources.files(__package__).joinpath("ordinary_capitalised.txt").read_text("utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.lower().split())


def invented_names(text: str, sources: str) -> list[str]:
    """Capitalised words in text that look like names and appear nowhere in sources, in order.

    A capital that starts a sentence is grammar, so a word there counts only when the pronouncing
    dictionary does not know it ("Priya", "Initech"); the greeting's and the signature's names always count.
    """
    known = _known_words(sources)
    plain_text = matching_copy(text)
    candidates = [
        match.group() for match in _CAPITALISED.finditer(plain_text)
        if not _SENTENCE_START.search(plain_text, max(0, match.start() - 40), match.start())
        or not is_dictionary_word(_plain(match.group()))
    ]
    for name in (greeting_name(plain_text), signature_name(plain_text)):
        if name:
            candidates += name.split()
    invented: list[str] = []
    for word in candidates:
        plain, shown = _plain(word), word.rstrip(".'\u2019-")
        if plain and plain not in known and plain not in ordinary_capitalised() and shown not in invented:
            invented.append(shown)
    return invented


def invented_numbers(text: str, sources: str) -> list[str]:
    """Numbers in text ("3", "3:30", "1,500") that sources do not give, in order."""
    given = set(_NUMBER.findall(sources))
    return list(dict.fromkeys(n for n in _NUMBER.findall(text) if n not in given))


def _known_words(sources: str) -> frozenset[str]:
    words = _WORDS.findall(matching_copy(sources).lower())
    return frozenset(words) | {_plain(word) for word in words}


def _plain(word: str) -> str:
    plain = matching_copy(word).lower().strip("'-.")
    return plain[:-2] if plain.endswith("'s") else plain
