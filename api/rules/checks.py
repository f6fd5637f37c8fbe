"""Critique rules that need more than a pattern: shouting, apology spirals, what is missing, readability."""

import re
from collections.abc import Iterable
from functools import lru_cache

from api.rules.base import Draft, compile_patterns
from api.rules.cues import cue_principle
from api.scoring.readability import is_dictionary_word
from api.scoring.signals import SIGNALS
from api.scoring.text import NAME_LINE, Span, matching_copy, sentence_word_count, word_count

LONG_DRAFT_WORDS = 220
LONG_SENTENCE_WORDS = 38
HIGH_GRADE = 14.0

_CAPS_RUN = re.compile(r"\b[A-Z][A-Z']+(?:[\s,.!?-]+[A-Z][A-Z']+){2,}\b")
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


def per_sentence(check):
    """Marks a check that reads one sentence at a time, so its results are cached per sentence."""
    check.per_sentence = True
    return check


@per_sentence
def shouting(sentence: str) -> list[tuple[int, int]]:
    """Runs of three or more capitalised words, long capitalised words, and runs of exclamation marks."""
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
    spans.extend(match.span() for match in _EXCLAMATION_RUN.finditer(sentence))
    return spans


def apology_spiral(draft: Draft) -> Iterable[Span]:
    """Every apology after the first: one 'sorry' is courtesy, several read as a spiral."""
    if not any(word in draft.lowered for word in ("sorry", "apolog", "forgive", "my bad")):
        return
    apologies = list(_APOLOGY.finditer(draft.matching))
    if len(apologies) >= 2:
        for match in apologies[1:]:
            yield draft.span(*match.span())


_GREETING_LINE = re.compile(r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))\b[^.!?]{0,40}[,:!]?$", re.IGNORECASE)


def curt_reply(draft: Draft) -> Iterable[None]:
    """A reply of a few words, greeting and signature aside, reads as a door quietly shut ("Noted.
    Thank you."); four words are curt too when none of them thanks."""
    body = [
        s for s in draft.sentences
        if not _GREETING_LINE.match(s.text) and not NAME_LINE.match(s.text)
        and not SIGNALS["reputation.sign_off"].pattern.match(s.text + "\n")
    ]
    words = sum(sentence_word_count(s.text) for s in body)
    if words <= 3 or (words <= 4 and "reputation.gratitude" not in draft.signals):
        yield None


def no_thanks(draft: Draft) -> Iterable[None]:
    if "reputation.gratitude" not in draft.signals:
        yield None


def no_sign_off(draft: Draft) -> Iterable[None]:
    if draft.word_count > 4 and "reputation.sign_off" not in draft.signals:
        yield None


def no_door_open(draft: Draft) -> Iterable[None]:
    if "door_open.future" not in draft.signals:
        yield None


def no_feedback_ask(draft: Draft) -> Iterable[None]:
    if draft.context.ask_for_feedback is not False and "feedback.polite_ask" not in draft.signals:
        yield None


def no_stay_in_touch(draft: Draft) -> Iterable[None]:
    if "networking.stay_in_touch" not in draft.signals:
        yield None


def too_long(draft: Draft) -> Iterable[None]:
    if draft.word_count > LONG_DRAFT_WORDS:
        yield None


def long_sentences(draft: Draft) -> Iterable[Span]:
    for sentence in draft.sentences:
        if sentence_word_count(sentence.text) > LONG_SENTENCE_WORDS:
            yield sentence


def grade_too_high(draft: Draft) -> Iterable[None]:
    from api.scoring.readability import flesch_kincaid_grade

    if draft.word_count >= 30 and flesch_kincaid_grade(draft.text, [s.text for s in draft.sentences]) > HIGH_GRADE:
        yield None


_ABOUT_THEM = re.compile(
    r"\b(?:you|your|they|their|them|he|she|his|her|the (?:team|panel|company|recruiter|interviewer|hiring manager|process))\b",
    re.IGNORECASE,
)
_ABOUT_ME = re.compile(r"\b(?:I|me|my|myself)\b|\bI'", re.IGNORECASE)
_QUESTION = re.compile(r"[^.!?\n]*\?")


def hostile_about_them(draft: Draft) -> Iterable[Span]:
    """Sentences about the reader or their company that read strongly negative, whatever the words."""
    for sentence in draft.sentences:
        if _is_hostile_about_them(sentence.text):
            yield sentence


@lru_cache(maxsize=8192)
def _is_hostile_about_them(sentence: str) -> bool:
    from api.scoring.signals import SIGNALS
    from api.scoring.tone import sentiment

    about_them = len(_ABOUT_THEM.findall(sentence))
    if word_count(sentence) < 4 or about_them == 0 or len(_ABOUT_ME.findall(sentence)) >= about_them:
        return False
    if SIGNALS["reputation.gratitude"].pattern.search(matching_copy(sentence)):
        return False
    return sentiment(sentence) <= -0.6


def interrogation(draft: Draft) -> Iterable[Span]:
    """Three or more questions in a reply to a rejection read as an interrogation of the decision."""
    if draft.text.count("?") < 3:
        return
    questions = [m for m in _QUESTION.finditer(draft.text) if m.group().strip()]
    if len(questions) >= 3:
        for match in questions[2:]:
            text = match.group()
            start = match.start() + len(text) - len(text.lstrip())
            yield draft.span(start, match.end())


def reads_findings(check):
    """Marks a check that judges the draft from what the other rules found in it."""
    check.reads_findings = True
    return check


# Anger, pressure or pleading aimed at the decision, in a reply that never accepts it, shows
# someone who has not moved on: the resilience principle is broken as well.
_NOT_MOVED_ON = frozenset({
    "reputation.insult", "reputation.blame", "reputation.sarcasm", "reputation.passive_aggression",
    "reputation.threat", "reputation.profanity", "reputation.venting", "reputation.hostile_sentence",
    "feedback.demands_reasons", "feedback.interrogation", "confidence.begging",
})
# Contempt, threats and closed doors end the relationship with everyone who met the candidate.
_BURNS_BRIDGES = frozenset({
    "reputation.insult", "reputation.threat", "reputation.profanity", "reputation.sarcasm", "door_open.closed",
})


def _signals_outside_findings(draft: Draft, findings: list) -> frozenset[str]:
    """Signals of the sentences nothing objects to: "won't be applying again" is no door left open."""
    from api.scoring.signals import signals_in_sentence

    # Shouting is about form: a polite line in capitals still says what it says.
    flagged = _flagged_spans(findings, ignoring="reputation.shouting")
    return frozenset().union(*(
        signals_in_sentence(probe.text) for probe in draft.probes if not _touches(probe.sentence, flagged)
    ))


def _flagged_spans(findings: list, ignoring: str | None = None) -> list[tuple[int, int]]:
    """Where findings that break a principle sit in the draft."""
    return [(f.start, f.end) for f in findings
            if f.breaks_principle and f.start is not None and f.rule != ignoring]


def _touches(sentence: Span, flagged: list[tuple[int, int]]) -> bool:
    return any(start < sentence.end and sentence.start < end for start, end in flagged)


@reads_findings
def not_accepting(draft: Draft, findings: list) -> Iterable[Span | None]:
    trigger = next((f for f in findings if f.rule in _NOT_MOVED_ON and f.start is not None), None)
    if trigger is None or any(f.principle == "resilience" for f in findings):
        return
    # A reply that also accepts, looks ahead or names something learned has one bad line, not this.
    if not _signals_outside_findings(draft, findings) & {"resilience.acceptance", "resilience.growth", "door_open.future"}:
        yield draft.span(trigger.start, trigger.end)


@reads_findings
def burns_bridges(draft: Draft, findings: list) -> Iterable[Span | None]:
    trigger = next((f for f in findings if f.rule in _BURNS_BRIDGES and f.start is not None), None)
    if trigger is None or any(f.principle == "networking" and f.breaks_principle for f in findings):
        return
    if not _signals_outside_findings(draft, findings) & {"networking.stay_in_touch", "door_open.future"}:
        yield draft.span(trigger.start, trigger.end)


_SHOWING_SIGNALS = frozenset({
    "door_open.future", "resilience.acceptance", "resilience.growth", "feedback.polite_ask",
    "networking.stay_in_touch", "confidence.enthusiasm", "reputation.gratitude",
})


def _cue_readings(draft: Draft, findings: list) -> list[tuple[Span, str]]:
    """What the cues say of each sentence no pattern flagged; worked out once per draft for all
    the cue rules (a cue finding never lands on a sentence another cue rule reads)."""
    readings = draft.__dict__.get("_cue_readings")
    if readings is None:
        flagged = _flagged_spans(findings)
        readings = [
            (sentence, reading) for sentence in draft.sentences
            if (reading := _cue_reading(sentence.text)) is not None and not _touches(sentence, flagged)
        ]
        draft.__dict__["_cue_readings"] = readings
    return readings


@lru_cache(maxsize=8192)
def _cue_reading(sentence: str) -> str | None:
    """The principle a sentence's word cues point to, unless it plainly shows a principle."""
    from api.scoring.signals import signals_in_sentence

    principle = cue_principle(sentence)
    if principle is None or signals_in_sentence(f"\n{matching_copy(sentence)}\n") & _SHOWING_SIGNALS:
        return None
    return principle


def _cue_check(principle: str):
    """Sentences nothing else objects to, whose word cues for principle are strong enough.

    Cues are for what the patterns miss: a sentence a pattern already flagged is left to it, and
    one that plainly shows a principle ("don't hesitate to reach out") is not second-guessed.
    """

    @reads_findings
    def check(draft: Draft, findings: list) -> Iterable[Span]:
        return [sentence for sentence, reading in _cue_readings(draft, findings) if reading == principle]

    check.__name__ = f"{principle}_cues"
    return check


reputation_cues = _cue_check("reputation")
resilience_cues = _cue_check("resilience")
feedback_cues = _cue_check("feedback")
confidence_cues = _cue_check("confidence")
