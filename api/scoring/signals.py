"""What shows each principle: signals as data, matched against a draft's matching copy."""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from api.principles import PrincipleId
from api.rules.prefilter import PatternSet


@dataclass(frozen=True)
class Signal:
    id: str
    principle: PrincipleId
    pattern: re.Pattern[str]
    patterns: PatternSet


def _load_signals() -> dict[str, Signal]:
    raw = tomllib.loads(resources.files("api.scoring.data").joinpath("signals.toml").read_text("utf-8"))
    return {
        entry["id"]: Signal(
            id=entry["id"],
            principle=entry["principle"],
            pattern=re.compile("|".join(f"(?:{p})" for p in entry["patterns"]), re.IGNORECASE | re.MULTILINE),
            patterns=PatternSet(entry["patterns"]),
        )
        for entry in raw["signal"]
    }


SIGNALS: dict[str, Signal] = _load_signals()


def has_signal(matching_text: str, signal_id: str) -> bool:
    return SIGNALS[signal_id].pattern.search(matching_text) is not None


@lru_cache(maxsize=8192)
def signals_in_sentence(probe: str) -> frozenset[str]:
    """Ids of the signals in one framed sentence (see api.rules.base.SentenceProbe); cached per sentence."""
    lowered = probe.lower()
    return frozenset(s.id for s in SIGNALS.values() if s.patterns.search(probe, lowered) is not None)
