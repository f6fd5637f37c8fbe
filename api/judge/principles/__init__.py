"""The six principles of a graceful reply, one data file each: what shows it and what breaks it.

Every `<principle>.toml` here holds a `[principle]` table (title, what shows and breaks it, weight
in the grace score), `[[shows]]` entries (signals: their own patterns, or `letter = "greeting"` / `"sign_off"` for the
patterns of api/judge/text/letter.py, which the rewrite and the name finder share) and `[[breaks]]` entries (critique rules);
`readability.toml` holds rules that sit beside the six. Entry ids are stable dotted ids
(`reputation.sarcasm`) and start with the file's name.

A `[[breaks]]` entry may carry `replacements`, calmer sentences that can stand in for the one it
flags (best first), or a `fix` naming how its span is mended; otherwise its one-click fix deletes
the offending sentence (api/engines/fixes.py).

Tags say what a finding or signal means to the rest of the judge, which reads them instead of ids:

- hostile, anxious, passive_aggressive, cold: the tone's hostility, anxiety and label;
- not_accepting, burns_bridges: what triggers the derived rules resilience.not_accepting and
  networking.burns_bridges;
- about_form: a finding about how a line looks (capitals), which leaves what it says standing;
- rewrite_drops: the local rewrite leaves the flagged sentence out even though it breaks nothing;
- sentence_model: a reading of the sentence model;
- on signals: thanks, acceptance, growth, door_open, feedback_ask, stay_in_touch (the parts of a
  graceful reply the rewrite fills in), moves_on and keeps_contact (what clears a derived rule),
  greeting, sign_off, and form for both (they say nothing about what a reply means).
"""

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, get_args

from api.schemas import PrincipleId

# How a critique's one-click fixes are made when the entry has no calmer wordings of its own (see
# api/engines/fixes.py): calm_case writes shouting in sentence case, split cuts a long sentence in two.
FIXES = ("calm_case", "split")
KINDS = ("pattern", "sentence_function", "draft_function", "derived", "sentence_model")
RULE_TAGS = frozenset({
    "hostile", "anxious", "passive_aggressive", "cold", "not_accepting", "burns_bridges", "about_form", "rewrite_drops",
    "sentence_model",
})
SIGNAL_TAGS = frozenset({
    "thanks", "acceptance", "growth", "door_open", "feedback_ask", "stay_in_touch", "moves_on", "keeps_contact",
    "greeting", "sign_off", "form",
})
SEVERITIES = ("info", "warning", "critical")
_FILES = (*get_args(PrincipleId), "readability")


@dataclass(frozen=True)
class Principle:
    id: PrincipleId
    title: str
    shown_by: str
    broken_by: str
    weight: float
    # What a model critique of this principle means to the tone, once it is located in the draft.
    model_critique_tags: frozenset[str]


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath(f"{name}.toml").read_text("utf-8"))


def _checked(entry: dict[str, Any], file: str, section: str) -> dict[str, Any]:
    entry_id = entry.get("id", "?")
    problems = []
    if not entry_id.startswith(f"{file}."):
        problems.append(f"its id does not start with '{file}.'")
    allowed = RULE_TAGS if section == "breaks" else SIGNAL_TAGS
    if unknown := set(entry.get("tags", ())) - allowed:
        problems.append(f"unknown tags {sorted(unknown)}")
    if section == "breaks":
        if entry.get("kind") not in KINDS:
            problems.append(f"kind must be one of {KINDS}")
        if entry.get("severity") not in SEVERITIES:
            problems.append(f"severity must be one of {SEVERITIES}")
        if not entry.get("message"):
            problems.append("it has no message")
        if entry.get("kind") == "pattern" and not entry.get("patterns"):
            problems.append("a pattern entry needs patterns")
        if entry.get("kind") in ("sentence_function", "draft_function", "derived") and not entry.get("function"):
            problems.append("a function entry needs function")
        replacements = entry.get("replacements", [])
        if not isinstance(replacements, list) or not all(isinstance(r, str) and r.strip() for r in replacements):
            problems.append("replacements must be a list of calmer wordings (non-empty strings)")
        if entry.get("fix") is not None and entry["fix"] not in FIXES:
            problems.append(f"fix must be one of {FIXES}")
    elif not entry.get("patterns") and entry.get("letter") not in ("greeting", "sign_off"):
        problems.append("a signal needs patterns, or letter = 'greeting' or 'sign_off'")
    if problems:
        raise ValueError(f"api/judge/principles/{file}.toml, {section} entry {entry_id}: " + "; ".join(problems))
    return {**entry, "principle": file}


def _load() -> tuple[tuple[Principle, ...], tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    principles, shows, breaks = [], [], []
    for file in _FILES:
        data = _read(file)
        if "principle" in data:
            table = data["principle"]
            principles.append(Principle(
                id=table["id"], title=table["title"], shown_by=table["shown_by"], broken_by=table["broken_by"],
                weight=table["weight"], model_critique_tags=frozenset(table.get("model_critique_tags", ())),
            ))
        shows += [_checked(entry, file, "shows") for entry in data.get("shows", ())]
        breaks += [_checked(entry, file, "breaks") for entry in data.get("breaks", ())]
    ids = [entry["id"] for entry in shows + breaks]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate entry id in api/judge/principles")
    return tuple(principles), tuple(shows), tuple(breaks)


PRINCIPLES, SHOWS_ENTRIES, BREAKS_ENTRIES = _load()
PRINCIPLE_IDS: tuple[PrincipleId, ...] = tuple(p.id for p in PRINCIPLES)
PRINCIPLES_BY_ID: dict[str, Principle] = {p.id: p for p in PRINCIPLES}
