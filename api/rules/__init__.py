"""Critique rules, registered in one place: pattern rules from data/breaks.toml, function rules from
data/checks.toml (their checks live in checks.py). Find any rule by its dotted id with one grep."""

import tomllib
from importlib import resources

from api.rules import checks
from api.rules.base import SEVERITY_RANK, Draft, Finding, Rule, pattern_check
from api.rules.prefilter import PatternSet


def _read(name: str) -> list[dict]:
    return tomllib.loads(resources.files("api.rules.data").joinpath(name).read_text("utf-8"))["rule"]


def _pattern_rule(entry: dict) -> Rule:
    unless = PatternSet(entry["unless"]) if entry.get("unless") else None
    return Rule(
        id=entry["id"], principle=entry["principle"], severity=entry["severity"],
        message=entry["message"], suggestion=entry.get("suggestion"),
        check=pattern_check(PatternSet(entry["patterns"]), unless),
    )


def _function_rule(entry: dict) -> Rule:
    return Rule(
        id=entry["id"], principle=entry["principle"], severity=entry["severity"],
        message=entry["message"], suggestion=entry.get("suggestion"),
        check=getattr(checks, entry["check"]),
    )


def _load_rules() -> dict[str, Rule]:
    rules = [_pattern_rule(e) for e in _read("breaks.toml")] + [_function_rule(e) for e in _read("checks.toml")]
    registry = {rule.id: rule for rule in rules}
    if len(registry) != len(rules):
        raise ValueError("duplicate rule id in api/rules/data")
    return registry


RULES: dict[str, Rule] = _load_rules()


def run_rules(draft: Draft, disabled: frozenset[str] = frozenset()) -> list[Finding]:
    """Every rule's findings on the draft, most severe first, then in reading order.

    A span already claimed by a more severe finding of the same principle is not reported twice.
    """
    findings = [f for rule in RULES.values() if rule.id not in disabled for f in rule.findings(draft)]
    findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.start if f.start is not None else -1, f.rule))
    kept: list[Finding] = []
    for finding in findings:
        if finding.start is not None and any(
            k.principle == finding.principle and k.start is not None
            and k.start < finding.end and finding.start < k.end  # type: ignore[operator]
            for k in kept
        ):
            continue
        kept.append(finding)
    return kept


__all__ = ["RULES", "Draft", "Finding", "Rule", "run_rules"]
