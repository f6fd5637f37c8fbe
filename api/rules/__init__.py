"""Critique rules, registered in one place: pattern rules from data/breaks.toml, function rules from
data/checks.toml (their checks live in checks.py). Find any rule by its dotted id with one grep."""

import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from api.rules import checks
from api.rules.base import SEVERITY_RANK, Draft, Finding, Rule, Span, sentence_check, sentence_pattern_spans
from api.rules.prefilter import PatternSet


def _read(name: str) -> list[dict]:
    return tomllib.loads(resources.files("api.rules.data").joinpath(name).read_text("utf-8"))["rule"]


def _pattern_rule(entry: dict) -> Rule:
    unless = PatternSet(entry["unless"]) if entry.get("unless") else None
    spans_in = sentence_pattern_spans(PatternSet(entry["patterns"]), unless)
    return Rule(
        id=entry["id"], principle=entry["principle"], severity=entry["severity"],
        message=entry["message"], suggestion=entry.get("suggestion"),
        check=sentence_check(spans_in), sentence_spans=spans_in,
    )


def _function_rule(entry: dict) -> Rule:
    check = getattr(checks, entry["check"])
    common = dict(id=entry["id"], principle=entry["principle"], severity=entry["severity"],
                  message=entry["message"], suggestion=entry.get("suggestion"))
    if getattr(check, "per_sentence", False):
        def spans_in(probe: str, lead: int, length: int, check=check) -> tuple[tuple[int, int], ...]:
            return tuple(check(probe[lead:lead + length]))

        return Rule(**common, check=sentence_check(spans_in), sentence_spans=spans_in)
    if getattr(check, "reads_findings", False):
        def check_alone(draft: Draft, check=check) -> Iterable[Span | None]:
            return check(draft, _base_findings(draft, RULES.values()))

        return Rule(**common, check=check_alone, derived_check=check)
    return Rule(**common, check=check)


def _load_rules() -> dict[str, Rule]:
    rules = [_pattern_rule(e) for e in _read("breaks.toml")] + [_function_rule(e) for e in _read("checks.toml")]
    registry = {rule.id: rule for rule in rules}
    if len(registry) != len(rules):
        raise ValueError("duplicate rule id in api/rules/data")
    return registry


RULES: dict[str, Rule] = _load_rules()


def run_rules(draft: Draft, disabled: frozenset[str] = frozenset(), extra: Iterable[Finding] = ()) -> list[Finding]:
    """Every rule's findings on the draft, with extra findings from other detectors (the model's
    located critiques), most severe first, then in reading order.

    A span already claimed by a more severe finding of the same principle is not reported twice,
    and a suggestion about what a principle lacks is dropped once that principle is found broken.
    """
    active = [rule for rule in RULES.values() if rule.id not in disabled]
    findings = _base_findings(draft, active) + list(extra)
    for rule in active:
        if rule.derived_check is not None:
            findings += rule.findings_from(rule.derived_check(draft, findings))
    findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.start if f.start is not None else -1, f.rule))
    # "Nothing offers to stay in touch" adds nothing once the reply is found cutting ties.
    broken = {f.principle for f in findings if f.breaks_principle}
    findings = [f for f in findings if f.breaks_principle or f.principle not in broken]
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


def _base_findings(draft: Draft, rules: Iterable[Rule]) -> list[Finding]:
    """Findings of every rule that does not read other rules' findings."""
    rules = [rule for rule in rules if rule.derived_check is None]
    sentence_rules = tuple(rule for rule in rules if rule.sentence_spans is not None)
    findings = [f for rule in rules if rule.sentence_spans is None for f in rule.findings(draft)]
    return findings + _sentence_findings(draft, sentence_rules)


# Sentence rules by the identity of the rule set, so a cached hit list always matches its rules.
_RULE_SETS: dict[tuple[int, ...], tuple[Rule, ...]] = {}


def _sentence_findings(draft: Draft, rules: tuple[Rule, ...]) -> list[Finding]:
    key = tuple(map(id, rules))
    if _RULE_SETS.get(key) is not rules:
        if len(_RULE_SETS) > 32:
            _RULE_SETS.clear()
        _RULE_SETS[key] = rules
    findings = []
    for probe in draft.probes:
        sentence = probe.sentence
        for index, start, end in _sentence_hits(probe.text, probe.lead, sentence.end - sentence.start, key):
            findings.append(rules[index].finding(
                sentence.start + start, sentence.start + end, draft.text[sentence.start + start:sentence.start + end]
            ))
    return findings


@lru_cache(maxsize=8192)
def _sentence_hits(probe: str, lead: int, length: int, rule_set: tuple[int, ...]) -> tuple[tuple[int, int, int], ...]:
    """Every sentence rule's spans in one framed sentence; cached, so only edited sentences are matched again."""
    rules = _RULE_SETS[rule_set]
    return tuple(
        (index, start, end)
        for index, rule in enumerate(rules)
        for start, end in rule.sentence_spans(probe, lead, length)  # type: ignore[misc]
    )


__all__ = ["RULES", "Draft", "Finding", "Rule", "run_rules"]
