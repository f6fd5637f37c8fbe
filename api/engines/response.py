"""The pieces of a response every engine shares."""

import uuid
from collections.abc import Mapping

from api.engines.fixes import with_replacements
from api.judge import Finding, ScoredDraft
from api.schemas import CoachContext, Critique


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



def critiques_with_fixes(
    draft: str, scored: ScoredDraft, context: CoachContext | None, proposed: Mapping[str, list[str]] | None = None,
) -> list[Critique]:
    """The findings of a scored draft as critiques, each span with its one-click fixes."""
    critiques = [critique_from_finding(f) for f in scored.findings]
    return with_replacements(draft, critiques, context, scored.scores.overall, proposed)
