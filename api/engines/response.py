"""The pieces of a response every engine shares."""

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping

from api.engines.fixes import with_replacements
from api.judge import Finding, ScoredDraft
from api.schemas import MAX_CRITIQUES, MAX_CRITIQUES_PER_RULE, CoachContext, Critique


def response_id() -> str:
    return f"coach_{uuid.uuid4().hex}"


def critique_from_finding(finding: Finding) -> Critique:
    anchor = f":{finding.start}-{finding.end}" if finding.start is not None else ""
    return Critique(
        id=finding.critique_id or f"{finding.rule}{anchor}",
        rule=finding.rule,
        principle=finding.principle,
        severity=finding.severity,
        message=finding.message,
        suggestion=finding.suggestion,
        quote=finding.quote,
        start=finding.start,
        end=finding.end,
    )



def capped_critiques(findings: Iterable[Finding]) -> tuple[list[Critique], int]:
    """The critiques a response carries, most severe first as the findings come, at most
    MAX_CRITIQUES_PER_RULE of one rule and MAX_CRITIQUES in all, and how many were left out.
    A draft of thousands of lines or one huge sentence would otherwise answer with hundreds of
    critiques; the scores still count every finding."""
    kept: list[Critique] = []
    per_rule: Counter[str] = Counter()
    omitted = 0
    for finding in findings:
        if len(kept) >= MAX_CRITIQUES or per_rule[finding.rule] >= MAX_CRITIQUES_PER_RULE:
            omitted += 1
            continue
        per_rule[finding.rule] += 1
        kept.append(critique_from_finding(finding))
    return kept, omitted


def critiques_with_fixes(
    draft: str, scored: ScoredDraft, context: CoachContext | None, proposed: Mapping[str, list[str]] | None = None,
) -> tuple[list[Critique], int]:
    """The findings of a scored draft as capped critiques (see capped_critiques), each span with its
    one-click fixes, and how many were left out. Only the critiques sent get fixes, so their cost is bounded too."""
    critiques, omitted = capped_critiques(scored.findings)
    return with_replacements(draft, critiques, context, scored.scores.overall, proposed), omitted
