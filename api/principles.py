"""The six principles of a graceful reply, loaded from data/principles.toml."""

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Literal

PrincipleId = Literal["reputation", "door_open", "resilience", "feedback", "networking", "confidence"]


@dataclass(frozen=True)
class Principle:
    id: PrincipleId
    title: str
    shown_by: str
    broken_by: str
    weight: float


def _load_principles() -> tuple[Principle, ...]:
    raw = tomllib.loads(resources.files("api.data").joinpath("principles.toml").read_text("utf-8"))
    return tuple(Principle(**entry) for entry in raw["principle"])


PRINCIPLES: tuple[Principle, ...] = _load_principles()
PRINCIPLE_IDS: tuple[PrincipleId, ...] = tuple(p.id for p in PRINCIPLES)
