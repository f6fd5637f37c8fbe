"""Detectors that need more than a pattern, named by the `function` of an entry in api/judge/principles.

Three registries, one per kind: SENTENCE_FUNCTIONS read one sentence's text, DRAFT_FUNCTIONS the
whole draft, DERIVED_FUNCTIONS the draft and what the other rules found in it. What a finding or
signal means is read from its tags, never from its id.
"""

import re
from collections.abc import Callable, Iterable

from api.judge.detectors.rules import Finding, Rule, compile_patterns
from api.judge.detectors.signals import draft_shows, has_signal, shows, signals_in_sentence, tags_of
from api.judge.text.draft import Draft
from api.judge.text.letter import is_greeting_line, is_sign_off
from api.judge.text.memo import sentence_reading
from api.judge.text.readability import flesch_kincaid_grade, is_dictionary_word
from api.judge.text.sentences import NAME_LINE, Span, matching_copy, sentence_word_count, word_count
from api.judge.text.sentiment import sentiment

LONG_DRAFT_WORDS = 220
LONG_SENTENCE_WORDS = 38
HIGH_GRADE = 14.0

# A word in capitals, hyphenated ones ("SO-CALLED", the reference "DND-EA-ATL") counting as one.
_CAPS_WORD = r"[A-Z][A-Z']+(?:-[A-Z][A-Z']+)*"
_CAPS_RUN = re.compile(rf"(?<![\w-]){_CAPS_WORD}(?:(?:[\s,.!?]+|\s+-+\s+){_CAPS_WORD}){{2,}}\b")
_SHOUTED_WORD = re.compile(r"\b[A-Z]{4,}\b")
_EXCLAMATION_RUN = re.compile(r"[!?]*!{2,}[!?1]*|!\?{1,}[!?]*|\?{2,}!+")
_APOLOGY = compile_patterns([
    r"\bsorry\b", r"\bapologi[sz]e\b", r"\bapologies\b", r"\bforgive me\b", r"\bmy bad\b",
    r"\bapologi[sz]ing\b",
])
# Acronyms a careful writer puts in capitals; a run made only of these is not shouting.
_ACRONYMS = frozenset(
    "AI API AWS CEO CFO CTO COO CV HR IT ML NLP PM QA UX UI SQL SRE GCP USA UK EU NYC LA SF PHD MBA "
    "CPA RN BSC MSC HTML CSS CDISC SAS ETL KPI OKR B2B SAAS GDPR ASAP".split()
)


_MAYBE_SHOUTING = re.compile(r"[A-Z]{2}|!!|!\?|\?\?")


def shouting(sentence: str) -> list[tuple[int, int]]:
    """Runs of three or more capitalised words (a hyphenated word or reference counts as one), long
    capitalised words, and runs of exclamation marks ("!!!", "!?", "!!1"; "!!" alone is not one)."""
    if not _MAYBE_SHOUTING.search(sentence):
        return []
    spans: list[tuple[int, int]] = []
    caps_runs = [m.span() for m in _CAPS_RUN.finditer(sentence)]
    for start, end in caps_runs:
        tokens = re.findall(r"[A-Z']+", sentence[start:end])
        if not all(token in _ACRONYMS for token in tokens):
            spans.append((start, end))
    for match in _SHOUTED_WORD.finditer(sentence):
        inside_run = any(start <= match.start() < end for start, end in caps_runs)
        # A lone capitalised word is shouting only if it is an ordinary word ("MISTAKE"), not a
        # name or acronym the dictionary lacks ("CRISPR").
        if not inside_run and match.group() not in _ACRONYMS and len(match.group()) >= 5 \
                and is_dictionary_word(match.group()):
            spans.append(match.span())
    # Two exclamation marks and nothing more ("Thanks so much!!") are warmth as often as anger; three are shouting.
    spans.extend(match.span() for match in _EXCLAMATION_RUN.finditer(sentence) if match.group() != "!!")
    return spans


def apology_spiral(draft: Draft) -> Iterable[Span]:
    """Every apology after the first: one 'sorry' is courtesy, several read as a spiral."""
    if not any(word in draft.lowered for word in ("sorry", "apolog", "forgive", "my bad")):
        return
    apologies = list(_APOLOGY.finditer(draft.matching))
    if len(apologies) >= 2:
        for match in apologies[1:]:
            yield draft.span(*match.span())


def curt_reply(draft: Draft) -> Iterable[None]:
    """A reply of a few words, greeting and signature aside, reads as a door quietly shut ("Noted.
    Thank you."); four words are curt too when none of them thanks."""
    body = [
        s for s in draft.sentences
        if not is_greeting_line(s.text) and not NAME_LINE.match(s.text) and not is_sign_off(s.text)
    ]
    words = sum(sentence_word_count(s.text) for s in body)
    if words <= 3 or (words <= 4 and not draft_shows(draft, "thanks")):
        yield None


def no_thanks(draft: Draft) -> Iterable[None]:
    if not draft_shows(draft, "thanks"):
        yield None


def no_sign_off(draft: Draft) -> Iterable[None]:
    if draft.word_count > 4 and not draft_shows(draft, "sign_off"):
        yield None


def no_door_open(draft: Draft) -> Iterable[None]:
    if not draft_shows(draft, "door_open"):
        yield None


def no_feedback_ask(draft: Draft) -> Iterable[None]:
    if draft.context.ask_for_feedback is not False and not draft_shows(draft, "feedback_ask"):
        yield None


def no_stay_in_touch(draft: Draft) -> Iterable[None]:
    if not draft_shows(draft, "stay_in_touch"):
        yield None


def too_long(draft: Draft) -> Iterable[None]:
    if draft.word_count > LONG_DRAFT_WORDS:
        yield None


def long_sentences(draft: Draft) -> Iterable[Span]:
    for sentence in draft.sentences:
        if sentence_word_count(sentence.text) > LONG_SENTENCE_WORDS:
            yield sentence


def grade_too_high(draft: Draft) -> Iterable[None]:
    if draft.word_count >= 30 and flesch_kincaid_grade(draft.text, [s.text for s in draft.sentences]) > HIGH_GRADE:
        yield None


_ABOUT_THEM = re.compile(
    r"\b(?:you|your|they|their|them|he|she|his|her|the (?:team|panel|company|recruiter|interviewer|hiring manager|process))\b",
    re.IGNORECASE,
)
_ABOUT_ME = re.compile(r"\b(?:I|me|my|myself)\b|\bI'", re.IGNORECASE)
_QUESTION = re.compile(r"[^.!?\n]*\?")
_ASKS_ABOUT_THE_DECISION = re.compile(r"^\s*(?:why|who|what|how come)\b", re.IGNORECASE)


def _asks_to_connect(question: str) -> bool:
    """A question that only asks to stay connected ("Mind if I add you on LinkedIn?"), not one about the decision."""
    return not _ASKS_ABOUT_THE_DECISION.match(question) and has_signal(question, "networking.stay_in_touch")


def hostile_about_them(draft: Draft) -> Iterable[Span]:
    """Sentences about the reader or their company that read strongly negative, whatever the words."""
    for sentence in draft.sentences:
        if _is_hostile_about_them(sentence.text):
            yield sentence


@sentence_reading
def _is_hostile_about_them(sentence: str) -> bool:
    about_them = len(_ABOUT_THEM.findall(sentence))
    if word_count(sentence) < 4 or about_them == 0 or len(_ABOUT_ME.findall(sentence)) >= about_them:
        return False
    if shows(matching_copy(sentence), "thanks"):
        return False
    return sentiment(sentence) <= -0.6


def interrogation(draft: Draft) -> Iterable[Span]:
    """Three or more questions in a reply to a rejection read as an interrogation of the decision.
    Asking to stay in touch ("Mind if I add you on LinkedIn?") questions nothing, so it does not count."""
    if draft.text.count("?") < 3:
        return
    questions = [m for m in _QUESTION.finditer(draft.text)
                 if m.group().strip() and not _asks_to_connect(matching_copy(m.group()))]
    if len(questions) >= 3:
        for match in questions[2:]:
            text = match.group()
            start = match.start() + len(text) - len(text.lstrip())
            yield draft.span(start, match.end())


def _signal_tags_outside_findings(draft: Draft, findings: list[Finding]) -> frozenset[str]:
    """Tags of the signals in sentences nothing objects to: "won't be applying again" is no door left open."""
    # A finding about form (a polite line in capitals) leaves what the line says standing.
    flagged = _flagged_spans([f for f in findings if "about_form" not in f.tags])
    return tags_of(frozenset().union(*(
        signals_in_sentence(probe.text) for probe in draft.probes if not _touches(probe.sentence, flagged)
    )))


def _flagged_spans(findings: list[Finding]) -> list[tuple[int, int]]:
    """Where findings that break a principle sit in the draft."""
    return [(f.start, f.end) for f in findings if f.breaks_principle and f.start is not None]  # type: ignore[misc]


def _touches(sentence: Span, flagged: list[tuple[int, int]]) -> bool:
    return any(start < sentence.end and sentence.start < end for start, end in flagged)


def not_accepting(draft: Draft, findings: list[Finding], rule: Rule) -> Iterable[Span | None]:
    """Anger, pressure or pleading aimed at the decision (warnings tagged not_accepting), in a reply
    that never accepts it, shows someone who has not moved on."""
    trigger = next((f for f in findings if "not_accepting" in f.tags and f.breaks_principle and f.start is not None), None)
    if trigger is None or any(f.principle == rule.principle for f in findings):
        return
    # A reply that also accepts, looks ahead or names something learned has one bad line, not this.
    if "moves_on" not in _signal_tags_outside_findings(draft, findings):
        yield draft.span(trigger.start, trigger.end)  # type: ignore[arg-type]


def burns_bridges(draft: Draft, findings: list[Finding], rule: Rule) -> Iterable[Span | None]:
    """Contempt, threats and closed doors (warnings tagged burns_bridges) end the relationship with
    everyone who met the candidate, unless the reply still offers to stay in touch."""
    trigger = next((f for f in findings if "burns_bridges" in f.tags and f.breaks_principle and f.start is not None), None)
    if trigger is None or any(f.principle == rule.principle and f.breaks_principle for f in findings):
        return
    if "keeps_contact" not in _signal_tags_outside_findings(draft, findings):
        yield draft.span(trigger.start, trigger.end)  # type: ignore[arg-type]


SENTENCE_FUNCTIONS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {"shouting": shouting}
DRAFT_FUNCTIONS: dict[str, Callable[[Draft], Iterable[Span | None]]] = {
    f.__name__: f for f in (
        apology_spiral, curt_reply, no_thanks, no_sign_off, no_door_open, no_feedback_ask, no_stay_in_touch,
        too_long, long_sentences, grade_too_high, hostile_about_them, interrogation,
    )
}
DERIVED_FUNCTIONS: dict[str, Callable[[Draft, list[Finding], Rule], Iterable[Span | None]]] = {
    f.__name__: f for f in (not_accepting, burns_bridges)
}
