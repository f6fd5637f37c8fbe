"""Every detector of the judge, registered in one place from the `[[breaks]]` entries of
api/judge/principles: each entry's kind picks how it finds spans. Find any rule by its dotted id
with one grep."""

import bisect
import itertools
from collections.abc import Callable, Iterable

from api.judge.detectors import checks
from api.judge.detectors.rules import (
    SEVERITY_RANK,
    Finding,
    Rule,
    sentence_function_spans,
    sentence_pattern_spans,
    sentence_spans_in_draft,
)
from api.judge.detectors.sentence_model import sentence_model
from api.judge.principles import BREAKS_ENTRIES, PRINCIPLES_BY_ID
from api.judge.text import letter
from api.judge.text.draft import Draft
from api.judge.text.memo import sentence_reading
from api.judge.text.prefilter import PatternSet
from api.judge.text.sentences import NAME_LINE, Span
from api.schemas import Critique

# What reads each sentence's meaning: sentences -> for each, a probability per principle. The
# shipped model unless another reader is plugged in (tests plug fakes).
SentenceReader = Callable[[list[str]], list[dict[str, float]]]
_plugged_reader: SentenceReader | None = None


def plug_sentence_model(read: SentenceReader | None) -> None:
    """Let entries of kind sentence_model read with this reader (None restores the shipped model)."""
    global _plugged_reader
    _plugged_reader = read


def sentence_readings(draft: Draft) -> list[dict[str, float]]:
    """The sentence model's reading of each of the draft's sentences, in order. A line that is only
    a name ("K. Doyle" under a sign-off) is a signature, and a line that starts with ">" quotes the
    message replied to: neither is the candidate's sentence, and the model does not read them."""
    read = _plugged_reader or sentence_model().read

    def read_draft() -> list[dict[str, float]]:
        sentences = [s for s in draft.sentences if not _not_the_candidates(draft.text, s)]
        readings = dict(zip(sentences, read([s.text for s in sentences]), strict=True)) if sentences else {}
        return [readings.get(s, {}) for s in draft.sentences]

    return draft.reading("sentence_model", read_draft)


def _not_the_candidates(text: str, sentence: Span) -> bool:
    line_start = text.rfind("\n", 0, sentence.start) + 1
    line_end = text.find("\n", sentence.end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    return NAME_LINE.match(line) is not None or line.lstrip().startswith(">")


def model_doubts(draft: Draft, broken: bool = False) -> list[Span]:
    """Sentences the model is not sure are fine: below a warning, above its doubt threshold. In a
    draft that already breaks a principle (`broken`), the doubt threshold is lower: a draft that went
    wrong in one sentence is more likely to have gone wrong in its neighbours too."""
    if not any(rule.kind == "sentence_model" for rule in RULES.values()):
        return []  # the model's rules are switched off
    model = sentence_model()
    return [s for s, reading in zip(draft.sentences, sentence_readings(draft), strict=True)
            if any(p >= (model.broken_draft_doubt_at if broken else model.info_at[label]) for label, p in reading.items())]


def model_unease(draft: Draft, disabled: frozenset[str] = frozenset()) -> float:
    """How far the draft's most doubtful sentence goes from the model's doubt threshold towards a
    warning, from 0 to 1. Sentences at a warning already cost through their findings. The grace score
    ranks by it, so a reply the model half-suspects scores below one it trusts."""
    if MODEL_RULES <= disabled:
        return 0.0
    model = sentence_model()
    return max((
        (p - model.info_at[label]) / (model.warning_at[label] - model.info_at[label])
        for reading in sentence_readings(draft) for label, p in reading.items()
        if model.info_at[label] < p < model.warning_at[label]
    ), default=0.0)


def _vetoed(draft: Draft, findings: list[Finding]) -> list[Finding]:
    """A pattern's warning on a sentence the model reads as plainly fine ("This one stings, but I'm
    glad I applied") becomes a suggestion: wording alone is not enough to warn. The rewrite still
    leaves the sentence out."""
    veto = sentence_model().pattern_veto_below
    if veto <= 0:
        return findings
    readings = sentence_readings(draft)
    out = []
    for finding in findings:
        if vetoable(finding):
            read = [readings[i] for i in sentences_under(draft, finding)]
            if read and all(r and max(r.values()) < veto for r in read):
                finding = _as_suggestion(finding)
        out.append(finding)
    return out


def _alone_unsure(draft: Draft, findings: list[Finding]) -> list[Finding]:
    """A model warning that nothing else in the draft backs, on a sentence the model is not sure of,
    becomes a suggestion: one lukewarm reading is how the model misreads a graceful reply ("Well,
    shoot."), while a reply that goes wrong mostly shows it more than once or plainly. Sure is
    `alone_warning_margin` times past a principle's warning threshold, or `alone_warning_cap` (a
    probability) where that is lower: 0.85 is sure whatever the threshold. Backing is any other
    warning in the draft: a rule's, or the model's on another sentence. The rewrite still leaves the
    sentence out."""
    model = sentence_model()
    if model.alone_warning_margin <= 1 or any(f.breaks_principle and f.rule not in MODEL_RULES for f in findings):
        return findings
    under = {i: sentences_under(draft, f) for i, f in enumerate(findings) if f.rule in MODEL_RULES and f.breaks_principle}
    warned = {s for sentences in under.values() for s in sentences}
    sure_at = {label: max(t, min(t * model.alone_warning_margin, model.alone_warning_cap))
               for label, t in model.warning_at.items()}
    readings = sentence_readings(draft)
    out = list(findings)
    for i, sentences in under.items():
        alone = bool(sentences) and warned <= set(sentences)
        if alone and not any(p >= sure_at[label] for s in sentences for label, p in readings[s].items()):
            out[i] = _as_suggestion(findings[i])
    return out


def _as_suggestion(finding: Finding) -> Finding:
    """A warning the judge does not stand behind: a suggestion, whose sentence the rewrite still leaves out."""
    return finding._replace(severity="info", tags=finding.tags | {"rewrite_drops"})


def sentences_under(draft: Draft, finding: Finding) -> list[int]:
    """Indices of the draft's sentences that a finding's span overlaps, found by bisection: a long
    draft has many sentences and many findings."""
    starts = draft.reading("sentence_starts", lambda: [s.start for s in draft.sentences])
    first = max(bisect.bisect_right(starts, finding.start) - 1, 0)
    last = bisect.bisect_left(starts, finding.end)
    return [i for i in range(first, last) if finding.start < draft.sentences[i].end]  # type: ignore[operator]


def vetoable(finding: Finding) -> bool:
    """Whether the model may overrule this finding: a warning by a rule that reads one sentence's
    words. The model reads words in lower case, so it has no say on form (capitals, "!!!")."""
    rule = RULES.get(finding.rule)
    return (finding.breaks_principle and finding.start is not None and rule is not None
            and rule.kind in VETOABLE_KINDS and "about_form" not in finding.tags)


def _sentence_model_spans(draft: Draft, rule: Rule) -> list[Span]:
    threshold = rule.threshold if rule.threshold is not None else sentence_model().warning_at[rule.principle]
    return [_without_greeting(draft, s) for s, reading in zip(draft.sentences, sentence_readings(draft), strict=True)
            if reading.get(rule.principle, 0.0) >= threshold]


def _without_greeting(draft: Draft, sentence: Span) -> Span:
    """The sentence without a greeting that opens it ("Hi Dana, you wasted my time."): the greeting
    is not what offends, and a fix must keep it."""
    opening = letter.greeting(sentence.text)
    if opening is None or not sentence.text[opening.end:].strip():
        return sentence
    start = sentence.start + opening.end
    while draft.text[start].isspace():
        start += 1
    return draft.span(start, sentence.end)


def _detector(entry: dict) -> Callable:
    kind = entry["kind"]
    if kind == "pattern":
        unless = PatternSet(entry["unless"]) if entry.get("unless") else None
        return sentence_pattern_spans(PatternSet(entry["patterns"]), unless)
    if kind == "sentence_model":
        return _sentence_model_spans
    registry = {"sentence_function": checks.SENTENCE_FUNCTIONS, "draft_function": checks.DRAFT_FUNCTIONS,
                "derived": checks.DERIVED_FUNCTIONS}[kind]
    if entry["function"] not in registry:
        raise ValueError(f"{entry['id']}: no {kind} named {entry['function']!r} in api/judge/detectors/checks.py")
    function = registry[entry["function"]]
    return sentence_function_spans(function) if kind == "sentence_function" else function


def _load_rules() -> dict[str, Rule]:
    return {
        entry["id"]: Rule(
            id=entry["id"], principle=entry["principle"], severity=entry["severity"], message=entry["message"],
            suggestion=entry.get("suggestion"), kind=entry["kind"], tags=frozenset(entry.get("tags", ())),
            detect=_detector(entry), threshold=entry.get("threshold"),
        )
        for entry in BREAKS_ENTRIES
    }


RULES: dict[str, Rule] = _load_rules()
MODEL_RULES = frozenset(rule.id for rule in RULES.values() if rule.kind == "sentence_model")
# What the model may overrule: rules that read one sentence's wording.
VETOABLE_KINDS = frozenset({"pattern", "sentence_function"})


def run_rules(draft: Draft, disabled: frozenset[str] = frozenset(), extra: Iterable[Finding] = ()) -> list[Finding]:
    """Every rule's findings on the draft, with extra findings from other detectors (the model's
    located critiques), most severe first, then in reading order.

    A span already claimed by a more severe finding of the same principle is not reported twice,
    and a suggestion about what a principle lacks is dropped once that principle is found broken.
    """
    active = [rule for rule in RULES.values() if rule.id not in disabled]
    findings = _base_findings(draft, active)
    if not MODEL_RULES <= disabled:
        findings = _vetoed(draft, findings)
        findings = _alone_unsure(draft, findings)
    findings += list(extra)
    for rule in active:
        if rule.kind == "derived":
            findings += rule.findings_from(rule.detect(draft, findings, rule))
    # Where a rule and the sentence model flag the same thing, the rule's finding (exact span, specific
    # message) is the one kept.
    findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.rule in MODEL_RULES,
                                 f.start if f.start is not None else -1, f.rule))
    # "Nothing offers to stay in touch" adds nothing once the reply is found cutting ties.
    broken = {f.principle for f in findings if f.breaks_principle}
    findings = [f for f in findings if f.breaks_principle or f.principle not in broken]
    kept: list[Finding] = []
    for finding in findings:
        overlapping = [
            i for i, k in enumerate(kept)
            if finding.start is not None and k.principle == finding.principle and k.start is not None
            and k.start < finding.end and finding.start < k.end  # type: ignore[operator]
        ]
        if not overlapping:
            kept.append(finding)
        elif finding.rule in MODEL_RULES:
            # Rule and model agree: the rule's finding stands, underlining the sentence the model read.
            for i in overlapping:
                k = kept[i]
                if k.breaks_principle and finding.start <= k.start and k.end <= finding.end:  # type: ignore[operator]
                    kept[i] = k._replace(start=finding.start, end=finding.end, quote=finding.quote)
    # Two matches of one rule in a sentence that now share its span: one finding is enough.
    kept = list(dict.fromkeys(kept))
    kept.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.start if f.start is not None else -1, f.rule))
    return kept


def findings_of(rule: Rule, draft: Draft) -> list[Finding]:
    """What one rule finds in a draft on its own (a derived rule still reads the others' findings)."""
    if rule.per_sentence:
        return rule.findings_from(sentence_spans_in_draft(rule, draft))
    if rule.kind == "derived":
        return rule.findings_from(rule.detect(draft, _base_findings(draft, RULES.values()), rule))
    return rule.findings_from(rule.detect(draft, rule) if rule.kind == "sentence_model" else rule.detect(draft))


def model_finding(critique: Critique) -> Finding:
    """A model critique located in the draft, as a finding that counts like any rule's."""
    principle = PRINCIPLES_BY_ID.get(critique.principle)
    return Finding(
        rule=critique.rule, principle=critique.principle, severity=critique.severity, message=critique.message,
        suggestion=critique.suggestion, start=critique.start, end=critique.end, quote=critique.quote,
        tags=principle.model_critique_tags if principle else frozenset(), critique_id=critique.id,
    )


def _base_findings(draft: Draft, rules: Iterable[Rule]) -> list[Finding]:
    """Findings of every rule that does not read other rules' findings."""
    rules = [rule for rule in rules if rule.kind != "derived"]
    sentence_rules = tuple(rule for rule in rules if rule.per_sentence)
    findings = [f for rule in rules if rule.kind == "draft_function" for f in rule.findings_from(rule.detect(draft))]
    findings += [f for rule in rules if rule.kind == "sentence_model"
                 for f in rule.findings_from(rule.detect(draft, rule))]
    return findings + _sentence_findings(draft, sentence_rules)


# Each set of sentence rules run together gets a number of its own, never reused, so a memo entry
# of sentence hits always belongs to the rules that made it.
# (The rules stored here stay alive, so no other object can take their ids.)
_RULE_SET_NUMBERS: dict[tuple[int, ...], int] = {}
_RULE_SETS: dict[int, tuple[Rule, ...]] = {}
_NUMBERS = itertools.count()


def _rule_set_number(rules: tuple[Rule, ...]) -> int:
    key = tuple(map(id, rules))
    number = _RULE_SET_NUMBERS.get(key)
    if number is None:
        if len(_RULE_SETS) > 32:
            _RULE_SET_NUMBERS.clear()
            _RULE_SETS.clear()
        number = _RULE_SET_NUMBERS[key] = next(_NUMBERS)
        _RULE_SETS[number] = rules
    return number


def _sentence_findings(draft: Draft, rules: tuple[Rule, ...]) -> list[Finding]:
    key = _rule_set_number(rules)
    findings = []
    for probe in draft.probes:
        sentence = probe.sentence
        for index, start, end in _sentence_hits(probe.text, probe.lead, sentence.end - sentence.start, key):
            findings.append(rules[index].finding(
                sentence.start + start, sentence.start + end, draft.text[sentence.start + start:sentence.start + end]
            ))
    return findings


@sentence_reading
def _sentence_hits(probe: str, lead: int, length: int, rule_set: int) -> tuple[tuple[int, int, int], ...]:
    """Every sentence rule's spans in one framed sentence; cached, so only edited sentences are matched again."""
    rules = _RULE_SETS[rule_set]
    return tuple(
        (index, start, end)
        for index, rule in enumerate(rules)
        for start, end in rule.detect(probe, lead, length)
    )


__all__ = ["MODEL_RULES", "RULES", "SEVERITY_RANK", "Finding", "Rule", "findings_of", "model_finding", "model_doubts", "model_unease",
           "plug_sentence_model", "run_rules", "sentence_readings", "sentences_under", "vetoable"]
