"""The grace score: principle scores and statuses, the overall score and the verdict (SPEC §2)."""

from collections.abc import Sequence

from api.judge.detectors import Finding
from api.judge.detectors.signals import Signal
from api.judge.principles import PRINCIPLES
from api.schemas import PrincipleId, PrincipleScore, Readability, Tone, Verdict

MISSING_SCORE = 55
SHOWN_SCORE = 78
SHOWN_STEP = 8
BROKEN_SCORE = {"warning": 25, "critical": 5}
READY_AT = 70
RETHINK_BELOW = 40
UNEASE_COST = 9


def principle_scores(findings: Sequence[Finding], signals: Sequence[Signal]) -> dict[PrincipleId, PrincipleScore]:
    scores: dict[PrincipleId, PrincipleScore] = {}
    for principle in PRINCIPLES:
        shown = sum(1 for s in signals if s.principle == principle.id)
        breaks = [f for f in findings if f.principle == principle.id and f.breaks_principle]
        if breaks:
            worst = min(BROKEN_SCORE[f.severity] for f in breaks)
            rules = len({f.rule for f in breaks})
            score = worst - 10 * (rules - 1) - 3 * (len(breaks) - rules) + 3 * min(shown, 3)
            scores[principle.id] = PrincipleScore(score=_clamp(score), status="broken")
        elif shown:
            scores[principle.id] = PrincipleScore(score=_clamp(SHOWN_SCORE + SHOWN_STEP * (shown - 1)), status="shown")
        else:
            scores[principle.id] = PrincipleScore(score=MISSING_SCORE, status="missing")
    return scores


def grace_score(
    principles: dict[PrincipleId, PrincipleScore], findings: Sequence[Finding], tone: Tone, readability: Readability,
    unease: float,
) -> int:
    weighted = sum(p.weight * principles[p.id].score for p in PRINCIPLES)
    breaking = [f for f in findings if f.breaks_principle]
    # Each rule broken costs in full; the same problem again (a second shouted line) costs less.
    first_of_rule = {f.rule: f for f in reversed(breaking)}
    penalty = sum(14 if f.severity == "critical" else 9 for f in first_of_rule.values())
    penalty += 3 * (len(breaking) - len(first_of_rule))
    adjusted = weighted - penalty - 0.25 * tone.hostility - 0.1 * tone.anxiety + 0.12 * (tone.politeness - 50)
    adjusted += 4 * tone.sentiment
    # The sentence model's unease (0 at its doubt threshold, 1 at a warning) costs up to what one broken rule costs.
    adjusted -= UNEASE_COST * unease
    if readability.words > 220:
        adjusted -= min(10, (readability.words - 220) / 20)
    if readability.words < 12:
        adjusted -= 6
    return _clamp(round(adjusted))


def verdict(overall: int, findings: Sequence[Finding]) -> Verdict:
    breaking = [f for f in findings if f.breaks_principle]
    # Many problems of one kind (every sentence in capitals) call for edits; problems across three
    # or more principles call for starting over.
    broken_principles = {f.principle for f in breaking}
    if overall < RETHINK_BELOW or any(f.severity == "critical" for f in breaking) or len(broken_principles) >= 3:
        return "rethink"
    if breaking or overall < READY_AT:
        return "revise"
    return "ready"


def _clamp(value: float) -> int:
    return int(max(0, min(100, value)))
