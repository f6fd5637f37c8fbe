"""Deterministic checks of one coach response against a case's expectations."""

import difflib
import re
from dataclasses import dataclass

from api.judge import Draft, run_rules
from api.judge.detectors.signals import has_signal
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.invented import invented_names, invented_numbers
from api.judge.text.sentences import matching_copy, word_count, words
from api.schemas import CoachContext, CoachResponse
from evals.cases import Case


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str = ""
    principle: str | None = None
    # A check of a hand-marked offending phrase: it stands without any judge, and the suite gates
    # these by their own pass rate (--min-phrase-rate), apart from the case pass rate.
    phrase: bool = False


def check_response(case: Case, response: CoachResponse) -> list[CheckResult]:
    """Every deterministic check for the case: the draft's scores first, then the rewrite."""
    return check_draft(case, response) + check_rewrite(case, response)


def check_draft(case: Case, response: CoachResponse) -> list[CheckResult]:
    principles = response.scores.principles
    results = []
    for principle in case.expect.flagged:
        status = principles[principle].status
        results.append(CheckResult(f"flagged.{principle}", status == "broken", f"status {status}", principle))
    for principle in case.expect.not_flagged:
        status = principles[principle].status
        broke_by = [c.rule for c in response.critiques if c.principle == principle and c.severity != "info"]
        detail = f"status {status}" + (f" ({', '.join(broke_by)})" if broke_by else "")
        results.append(CheckResult(f"not_flagged.{principle}", status != "broken", detail, principle))
    spans = [(c.start, c.end) for c in response.critiques if c.severity != "info" and c.start is not None]
    for phrase in case.expect.offending:
        start, end = phrase_span(case.draft, phrase)
        marked = any(s < end and start < e for s, e in spans)  # type: ignore[operator]
        results.append(CheckResult("offending.marked", marked, f"{phrase[:60]!r} " + ("marked" if marked else "unmarked"),
                                   phrase=True))
    if case.expect.draft_verdict is not None:
        got = response.scores.verdict
        wanted = "|".join(case.expect.draft_verdict)
        results.append(CheckResult("draft.verdict", got in case.expect.draft_verdict, f"got {got}, want {wanted}"))
    return results


def check_rewrite(case: Case, response: CoachResponse) -> list[CheckResult]:
    if response.rewrite is None:
        return [CheckResult("rewrite.present", False, "no rewrite in the response")]
    text = response.rewrite.text
    context = case.context or CoachContext()
    matching = matching_copy(text)
    count = word_count(text)
    expect = case.expect
    results = [
        CheckResult("rewrite.verdict", response.rewrite.scores.verdict == "ready",
                    f"got {response.rewrite.scores.verdict} ({response.rewrite.scores.overall})"),
        CheckResult("rewrite.thanks", has_signal(matching, "reputation.gratitude"), "a thanks line", "reputation"),
        CheckResult("rewrite.door_open", has_signal(matching, "door_open.future"), "a door-open line", "door_open"),
        _names_kept(text, context),
        _nothing_invented(text, case),
        _rules_clean(text, context),
        CheckResult("rewrite.length", expect.rewrite_min_words <= count <= expect.rewrite_max_words,
                    f"{count} words, want {expect.rewrite_min_words}..{expect.rewrite_max_words}"),
    ]
    kept = [phrase for phrase in expect.offending if keeps_phrase(text, phrase)]
    if expect.offending:
        results.append(CheckResult("rewrite.drops_offending", not kept,
                                   "keeps " + "; ".join(repr(p[:60]) for p in kept) if kept else "none kept", phrase=True))
    broken = [p for p in PRINCIPLE_IDS if response.rewrite.scores.principles[p].status == "broken"]
    results.append(CheckResult("rewrite.no_broken_principle", not broken, ", ".join(broken) or "none broken"))
    if expect.rewrite_similarity_min is not None:
        similarity = word_similarity(case.draft, text)
        results.append(CheckResult("rewrite.similarity", similarity >= expect.rewrite_similarity_min,
                                   f"{similarity:.2f}, want >= {expect.rewrite_similarity_min}"))
    return results


_EDGE = " \t\n.,;:!?\"'()[]-\u2014\u2013"
_SPACE = re.compile(r"\s+")


def phrase_span(draft: str, phrase: str) -> tuple[int, int]:
    """Where a marked phrase sits in the draft, without the spaces and punctuation at its edges."""
    start = draft.index(phrase)
    core = phrase.strip(_EDGE) or phrase
    start += phrase.index(core)
    return start, start + len(core)


def keeps_phrase(text: str, phrase: str) -> bool:
    """Whether text still carries the phrase, whatever its spacing and typographic quotes; case counts
    only for a phrase in capitals, since writing it in sentence case is the fix."""
    def plain(value: str) -> str:
        value = _SPACE.sub(" ", matching_copy(value)).strip(_EDGE)
        return value if phrase.isupper() else value.lower()

    core = plain(phrase)
    return bool(core) and core in plain(text)


def word_similarity(before: str, after: str) -> float:
    """How much of the wording survives, 0..1 (difflib ratio over lower-cased words)."""
    return difflib.SequenceMatcher(None, [w.lower() for w in words(before)], [w.lower() for w in words(after)],
                                   autojunk=False).ratio()


def invented_tokens(text: str, case: Case) -> list[str]:
    """Capitalised words and numbers in text that no source gave: draft, context or received message."""
    context = case.context or CoachContext()
    sources = " ".join(
        value for value in (case.draft, context.received_message, context.recipient_name, context.sender_name,
                            context.company, context.role) if value
    )
    return invented_names(text, sources) + invented_numbers(text, sources)


def _nothing_invented(text: str, case: Case) -> CheckResult:
    invented = invented_tokens(matching_copy(text), case)
    return CheckResult("rewrite.nothing_invented", not invented, ", ".join(invented) or "no new names or numbers")


def _names_kept(text: str, context: CoachContext) -> CheckResult:
    # A rewrite may greet "Dear Ms. Okafor" or "Hi Dana" for "Dana Okafor": any part of the name counts.
    missing = []
    for label, name in (("recipient", context.recipient_name), ("sender", context.sender_name)):
        parts = [p for p in words(name or "") if len(p) > 1]
        if parts and not any(re.search(rf"\b{re.escape(p)}\b", text) for p in parts):
            missing.append(f"{label} {name}")
    return CheckResult("rewrite.names_kept", not missing, "missing " + ", ".join(missing) if missing else "names kept")


def _rules_clean(text: str, context: CoachContext) -> CheckResult:
    findings = [f for f in run_rules(Draft(text, context)) if f.severity != "info"]
    detail = ", ".join(f"{f.rule} ({f.quote!r})" if f.quote else f.rule for f in findings)
    return CheckResult("rewrite.rules_clean", not findings, detail or "no rule fires")
