"""Literal prefilters for regular expressions: skip a pattern when none of the words it needs is there.

A pattern's required literals are strings at least one of which every match must contain
(the idea RE2 calls a prefilter). Checking `in` on the lower-cased draft costs far less than
running a long case-insensitive alternation over it, and most patterns need words a draft lacks.
"""

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

MIN_LITERAL_LENGTH = 3
_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None))
_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)

Literals = frozenset[str] | None  # None: no usable requirement, always run the pattern


def required_literals(pattern: str) -> Literals:
    """Lower-cased strings of which every match of pattern contains at least one, or None."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    return _sequence(list(parsed))


def _sequence(items: list) -> Literals:
    best: Literals = None
    run = ""
    candidates: list[frozenset[str]] = []
    for op, value in items:
        if op is _LITERAL:
            run += chr(value).lower()
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        if op in _ZERO_WIDTH:
            continue
        required = _item(op, value)
        if required is not None:
            candidates.append(required)
    if run:
        candidates.append(frozenset([run]))
    usable = [c for c in candidates if min(len(s) for s in c) >= MIN_LITERAL_LENGTH]
    if usable:
        # The most selective requirement: the one whose shortest string is longest.
        best = max(usable, key=lambda c: (min(len(s) for s in c), -len(c)))
    return best


def _item(op: object, value: object) -> Literals:
    if op is _SUBPATTERN:
        return _sequence(list(value[-1]))  # type: ignore[index]
    if op is _BRANCH:
        alternatives = [_sequence(list(branch)) for branch in value[1]]  # type: ignore[index]
        if any(a is None for a in alternatives):
            return None
        return frozenset().union(*alternatives)  # type: ignore[arg-type]
    if op in _REPEATS and value[0] >= 1:  # type: ignore[index]
        return _sequence(list(value[2]))  # type: ignore[index]
    return None


class PatternSet:
    """Case-insensitive patterns, each run only when the lower-cased text holds a literal it needs."""

    def __init__(self, patterns: list[str]) -> None:
        self._entries = [
            (re.compile(p, re.IGNORECASE | re.MULTILINE), required_literals(p)) for p in patterns
        ]
        # One scan for any literal of the set decides most drafts: usually none is there.
        every_literal: set[str] = set()
        for _, literals in self._entries:
            every_literal |= literals or set()
        always = any(literals is None for _, literals in self._entries)
        self._gate = None if always or not every_literal else re.compile(
            "|".join(re.escape(literal) for literal in sorted(every_literal, key=len, reverse=True))
        )

    def _candidates(self, lowered: str):
        if self._gate is not None and self._gate.search(lowered) is None:
            return
        for pattern, literals in self._entries:
            if literals is None or any(literal in lowered for literal in literals):
                yield pattern

    def finditer(self, text: str, lowered: str):
        """Matches of every pattern in text (lowered is text.lower(), shared between pattern sets)."""
        for pattern in self._candidates(lowered):
            yield from pattern.finditer(text)

    def search(self, text: str, lowered: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        end = len(text) if end is None else end
        for pattern in self._candidates(lowered):
            match = pattern.search(text, start, end)
            if match:
                return match
        return None
