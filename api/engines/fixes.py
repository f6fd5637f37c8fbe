"""One-click fixes (SPEC §2 `replacements`): texts that may replace a critique's quote, best first.

Where a rule has calmer wordings (`replacements` in its entry in api/judge/principles) they stand in
for the sentence it flags, with deletion as the next choice; a warning or critical critique without
them is fixed by deleting the sentence, with the space after it, so the letter still reads cleanly.
`fix = "calm_case"` writes shouting in sentence case and `fix = "split"` cuts a long sentence in two.
The model's own replacements (already checked, see llm_checks.checked_replacements) come first for
its critiques.

A fix that mends a whole sentence widens the critique's span to that sentence, and critiques whose
spans overlap share one span and its replacements, so no two fixes of a response collide. The
first replacement of every span, applied together, is scored: if the letter would score worse,
other choices are tried (last of all a plain thanks where a line would be deleted, since deleting
it can leave a curt letter), and a span none of them helps keeps no replacements.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from api.judge import score_draft
from api.judge.principles import BREAKS_ENTRIES
from api.judge.text.sentences import Span, split_sentences
from api.schemas import CoachContext, Critique

# What a reply that was all complaint still says when every line of it is fixed.
PLAIN_THANKS = "Thank you for letting me know."


@dataclass(frozen=True)
class RuleFix:
    replacements: tuple[str, ...] = ()
    fix: str | None = None


RULE_FIXES: dict[str, RuleFix] = {
    entry["id"]: RuleFix(tuple(entry.get("replacements", ())), entry.get("fix")) for entry in BREAKS_ENTRIES
}

_PRONOUN_I = re.compile(r"\bi\b")
_SPLIT_POINT = re.compile(r"(?:,\s+(?:and|but|so)|;)\s+(?=[A-Za-z])")
_WORD_CHARACTER = re.compile(r"\w")
_GREETING = re.compile(
    r"(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings)\b[^,\n:!?.]{0,50}[,:!]\s*", re.IGNORECASE
)


@dataclass
class _Unit:
    """One critique's wish: a region of the draft and the texts that may replace it."""

    index: int
    start: int
    end: int
    whole_sentences: bool
    candidates: list[str]


@dataclass
class _Group:
    start: int
    end: int
    units: list[_Unit] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)


def with_replacements(
    draft: str, critiques: list[Critique], context: CoachContext | None, draft_overall: int,
    proposed: Mapping[str, list[str]] | None = None,
) -> list[Critique]:
    """The critiques with their replacements, spans widened where a fix mends whole sentences.

    proposed: for a critique id, the model's own replacements for its quote, already checked.
    """
    proposed = proposed or {}
    sentences = split_sentences(draft)
    units = [
        unit for index, critique in enumerate(critiques)
        if critique.start is not None and critique.end is not None
        and (unit := _unit(draft, sentences, index, critique, proposed.get(critique.id, []))) is not None
    ]
    if not units:
        return critiques
    groups = _groups(draft, sentences, units)
    _choose_first(draft, groups, context, draft_overall)
    placed: dict[int, _Group] = {unit.index: group for group in groups for unit in group.units}
    result: list[Critique] = []
    seen: set[str] = set()
    for index, critique in enumerate(critiques):
        group = placed.get(index)
        if group is not None:
            critique = critique.model_copy(update={
                "id": f"{critique.rule}:{group.start}-{group.end}", "start": group.start, "end": group.end,
                "quote": draft[group.start:group.end], "replacements": list(group.candidates),
            })
        if critique.id in seen:
            continue  # one rule, twice in one sentence: one critique once its span is the sentence
        seen.add(critique.id)
        result.append(critique)
    return result


def apply_first_replacements(draft: str, critiques: list[Critique]) -> str:
    """The draft with the first replacement of every span applied, right to left, each span once."""
    spans = sorted({(c.start, c.end, c.replacements[0]) for c in critiques
                    if c.replacements and c.start is not None and c.end is not None}, reverse=True)
    text = draft
    limit = len(draft)
    for start, end, replacement in spans:
        if end > limit:
            continue  # overlaps a span already applied
        text = text[:start] + replacement + text[end:]
        limit = start
    return text


def _unit(draft: str, sentences: list[Span], index: int, critique: Critique, proposed: list[str]) -> _Unit | None:
    start, end = critique.start, critique.end
    assert start is not None and end is not None
    rule_fix = RULE_FIXES.get(critique.rule, RuleFix())
    if proposed:
        return _Unit(index, start, end, False, list(proposed))
    if rule_fix.fix == "calm_case":
        calm = _calm_case(draft, sentences, start, end)
        return _Unit(index, start, end, False, [calm] if calm != draft[start:end] else [])
    if rule_fix.fix == "split":
        split = _split(draft[start:end])
        return _Unit(index, start, end, False, [split] if split else [])
    if rule_fix.replacements or critique.severity != "info":
        start, end = _whole_sentences(draft, sentences, start, end)
        return _Unit(index, start, end, True, [*rule_fix.replacements, ""])
    return _Unit(index, start, end, False, [])


def _whole_sentences(draft: str, sentences: list[Span], start: int, end: int) -> tuple[int, int]:
    """The sentences a span touches, less a greeting that opens the first ("Hi Dana, ...")."""
    touched = [s for s in sentences if s.start < end and start < s.end]
    if not touched:
        return start, end
    first = touched[0].start
    greeting = _GREETING.match(draft, first)
    if greeting and greeting.end() <= start:
        first = greeting.end()
    return min(start, first), max(end, touched[-1].end)


def _groups(draft: str, sentences: list[Span], units: list[_Unit]) -> list[_Group]:
    """Units whose regions overlap, as one group each, with the region and replacements they share."""
    groups: list[_Group] = []
    for unit in sorted(units, key=lambda u: (u.start, u.end)):
        if groups and unit.start < groups[-1].end:
            groups[-1].units.append(unit)
            groups[-1].end = max(groups[-1].end, unit.end)
        else:
            groups.append(_Group(unit.start, unit.end, [unit]))
    claimed_until = 0
    for group in groups:
        group.units.sort(key=lambda u: u.index)
        if len(group.units) > 1 and any(u.whole_sentences for u in group.units):
            group.start, group.end = _whole_sentences(draft, sentences, group.start, group.end)
        # Whole-sentence fixes lead: they mend every finding in the sentence. Fixes of parts of the
        # region (shouting here and there) come next, all of them applied together.
        candidates: list[str] = []
        for unit in (u for u in group.units if u.whole_sentences):
            candidates += [_lift(draft, group, unit.start, unit.end, text) for text in unit.candidates]
        parts = sorted(((u.start, u.end, u.candidates[0]) for u in group.units
                        if not u.whole_sentences and u.candidates), reverse=True)
        if parts:
            mended, limit = draft[group.start:group.end], group.end
            for start, end, text in parts:
                if end <= limit:
                    mended = mended[:start - group.start] + text + mended[end - group.start:]
                    limit = start
            candidates.append(mended)
        candidates = [c for c in dict.fromkeys(candidates) if c != draft[group.start:group.end]]
        group.candidates = candidates
        if "" in candidates:
            _take_surrounding_space(draft, group, claimed_until)
        claimed_until = group.end
    return groups


def _lift(draft: str, group: _Group, start: int, end: int, text: str) -> str:
    """A replacement for draft[start:end] as one for the group's whole region."""
    return draft[group.start:start] + text + draft[end:group.end]


def _take_surrounding_space(draft: str, group: _Group, claimed_until: int) -> None:
    """Widen a group that may be deleted by the space after it (or before it, at the end of the letter)."""
    after = len(draft[group.end:]) - len(draft[group.end:].lstrip())
    if group.end + after < len(draft):
        before_text, after_text = "", draft[group.end:group.end + after]
        group.end += after
    else:
        before = len(draft[:group.start]) - len(draft[:group.start].rstrip())
        begin = max(group.start - before, claimed_until)
        before_text, after_text = draft[begin:group.start], ""
        group.start = begin
    group.candidates = [text and before_text + text + after_text for text in group.candidates]


def _choose_first(draft: str, groups: list[_Group], context: CoachContext | None, draft_overall: int) -> None:
    """Order each group's replacements so that applying every first one reads well and never scores worse."""
    used: set[str] = set()
    plain_draft = _plain(draft)
    for group in sorted(groups, key=lambda g: g.units[0].index):
        first = group.candidates[0] if group.candidates else ""
        # The same calmer sentence twice in one letter reads as a form letter: delete instead.
        if first.strip() and (_plain(first) in used or _plain(first) in plain_draft) and "" in group.candidates:
            group.candidates.remove("")
            group.candidates.insert(0, "")
        if group.candidates and group.candidates[0].strip():
            used.add(_plain(group.candidates[0]))
    if not _WORD_CHARACTER.search(_applied(draft, groups)):
        # Deleting every line would leave nothing to send: the most severe span gets a calm line instead.
        group = min(groups, key=lambda g: g.units[0].index)
        wording = next((c for c in group.candidates if c.strip()), PLAIN_THANKS)
        group.candidates = [wording, *[c for c in group.candidates if c != wording]]
    best = score_draft(_applied(draft, groups), context).scores.overall
    thanks_offered = False
    while best < draft_overall:
        trial = _better_choice(draft, groups, context, best)
        if trial is None and not thanks_offered:
            # Deleting a line can leave a curt letter: a plain thanks in its place is the last choice tried.
            thanks_offered = True
            if _offer_plain_thanks(draft, groups, plain_draft):
                continue
        if trial is None:
            for group in groups:
                group.candidates = []
            return
        group, candidate, best = trial
        group.candidates.remove(candidate)
        group.candidates.insert(0, candidate)


def _offer_plain_thanks(draft: str, groups: list[_Group], plain_draft: str) -> bool:
    """Add PLAIN_THANKS as the last choice of every group that may be deleted; whether any got it."""
    if _plain(PLAIN_THANKS) in plain_draft:
        return False
    offered = False
    for group in groups:
        region = draft[group.start:group.end]
        if "" not in group.candidates or not region.strip():
            continue
        leading = region[:len(region) - len(region.lstrip())]
        trailing = region[len(region.rstrip()):]
        wording = leading + PLAIN_THANKS + trailing
        if wording not in group.candidates:
            group.candidates.append(wording)
            offered = True
    return offered


def _better_choice(
    draft: str, groups: list[_Group], context: CoachContext | None, current: int
) -> tuple[_Group, str, int] | None:
    """The one change of a group's first replacement that raises the score most, if any does."""
    best: tuple[_Group, str, int] | None = None
    for group in groups:
        for candidate in group.candidates[1:]:
            original = list(group.candidates)
            group.candidates = [candidate, *[c for c in original if c != candidate]]
            text = _applied(draft, groups)
            overall = score_draft(text, context).scores.overall if text.strip() else -1
            group.candidates = original
            if overall > current and (best is None or overall > best[2]):
                best = (group, candidate, overall)
    return best


def _applied(draft: str, groups: list[_Group]) -> str:
    text = draft
    for group in sorted(groups, key=lambda g: g.start, reverse=True):
        if group.candidates:
            text = text[:group.start] + group.candidates[0] + text[group.end:]
    return text


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def _calm_case(draft: str, sentences: list[Span], start: int, end: int) -> str:
    """Shouting in sentence case: capitals lowered (but "I"), a run of ! or ? as one mark."""
    quote = draft[start:end]
    if not any(ch.isalpha() for ch in quote):
        return "?" if "?" in quote else "."
    calm = _PRONOUN_I.sub("I", quote.lower())
    at_sentence_start = any(s.start == start for s in sentences)
    if at_sentence_start:
        calm = calm[:1].upper() + calm[1:]
    return re.sub(r"([!?])[!?]+", lambda m: "?" if "?" in m.group() else ".", calm)


def _split(sentence: str) -> str | None:
    """A long sentence cut in two at the comma-and (or semicolon) nearest its middle; None if it has none."""
    points = list(_SPLIT_POINT.finditer(sentence))
    if not points:
        return None
    middle = len(sentence) / 2
    point = min(points, key=lambda m: abs(m.start() - middle))
    rest = sentence[point.end():]
    joiner = point.group().strip(" ,;").lower()
    head = sentence[:point.start()].rstrip(" ,;")
    tail = (joiner.capitalize() + " " + rest) if joiner == "but" else rest[:1].upper() + rest[1:]
    if joiner == "so":
        tail = "So " + rest
    return f"{head}. {tail}"
