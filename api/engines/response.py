"""The pieces of a response every engine shares."""

import uuid

from api.judge import Finding
from api.schemas import Critique


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

