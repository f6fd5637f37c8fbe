"""The rules together: traps that once tripped them, offsets, order. Each rule's own good and bad
examples live in its entry in api/judge/principles and run in test_principles.py."""

import pytest

from api.judge import RULES, Draft, findings_of, run_rules
from api.judge.text.sentiment import sentiment
from api.schemas import CoachContext


def test_curly_apostrophes_are_matched_and_quoted_as_typed():
    draft = "Don\u2019t contact me. You\u2019ll regret this."
    findings = run_rules(Draft(draft))
    rules = {f.rule for f in findings}
    assert {"door_open.closed", "reputation.threat"} <= rules
    for finding in findings:
        if finding.start is not None:
            assert draft[finding.start:finding.end] == finding.quote
    assert any("\u2019" in (f.quote or "") for f in findings), "the quote must keep the curly apostrophe"


@pytest.mark.parametrize("masked", ["f***", "f*ck", "f@#k", "sh!t", "sh*t", "s**t", "a**hole"])
def test_masked_profanity_is_caught(masked):
    draft = f"Honestly, this was {masked} and you know it."
    findings = findings_of(RULES["reputation.profanity"], Draft(draft))
    assert findings, masked
    assert any(masked in draft[f.start:f.end] or draft[f.start:f.end] in masked for f in findings)


def test_sarcasm_that_sentiment_reads_as_positive_is_still_flagged():
    draft = "Wow, great job guys. Thanks so much for wasting three weeks of my life, really amazing work."
    # The lexicon sees "great", "thanks", "amazing": exactly why sarcasm needs its own rule.
    assert sentiment(draft) > 0
    assert any(f.rule == "reputation.sarcasm" for f in run_rules(Draft(draft)))


@pytest.mark.parametrize("trap", [
    "I never stopped learning, and I'm grateful for the chance.",
    "I reviewed my notes and I'm glad I applied.",
    "My CDISC and SDTM work at the CRO taught me a lot.",
    "I'm not going to stop growing; thank you for the push.",
    "I appreciate your honest feedback on the case study.",
    "Thank you for considering me for the Data Analyst role at Acme.",
    "I will keep working on my system design skills.",
    # Gracious lines a candidate really writes, which over-broad patterns once misread.
    "Congratulations on finding a great candidate!",
    "Please tell everyone on the panel I said thanks.",
    "No offense taken at all, I understand completely.",
    "I'd welcome the chance to interview again for future roles.",
])
def test_false_positive_traps_trip_no_principle(trap):
    breaking = [f for f in run_rules(Draft(trap)) if f.breaks_principle]
    assert breaking == [], [(f.rule, f.quote) for f in breaking]


def test_praise_shared_with_friends_is_not_a_threat():
    draft = "I'll tell my friends how much I enjoyed meeting you."
    assert findings_of(RULES["reputation.threat"], Draft(draft)) == []


def test_reflecting_on_what_was_learned_is_not_rumination():
    draft = "I have been thinking about what I learned from our conversation."
    assert findings_of(RULES["resilience.rumination"], Draft(draft)) == []


@pytest.mark.parametrize("feeling", [
    "Hi Kev, can't sleep, so you're getting this now rather than at a sensible hour.",
    "I was heartbroken to read it, because I wanted this role very much.",
    "I cried a bit in the car park, then I rang my mum and I'm fine now.",
    "Slightly crushed, mostly grateful, entirely moving on.",
])
def test_saying_how_it_felt_is_not_rumination(feeling):
    assert findings_of(RULES["resilience.rumination"], Draft(feeling)) == []


@pytest.mark.parametrize("dwelling", [
    "I can't sleep thinking about the interview.",
    "Since your email I cannot sleep, I keep wondering which answer was wrong.",
    "I've gone over my answers so many times I can't sleep.",
    "I haven't slept since Tuesday.",
])
def test_losing_sleep_over_the_rejection_is_rumination(dwelling):
    assert findings_of(RULES["resilience.rumination"], Draft(dwelling))


def test_initials_under_a_sign_off_are_a_name_not_a_curt_reply():
    signed = "Thank you for letting me know, and for your time.\n\nBest regards,\nK"
    assert [f for f in run_rules(Draft(signed)) if f.principle == "networking" and f.breaks_principle] == []
    curt = "Thank you for letting me know.\n\nK"
    assert any(f.rule == "networking.coldness" for f in run_rules(Draft(curt)))


def test_own_sadness_is_not_hostility_about_them():
    draft = "I felt awful and sad after the final round at your company."
    assert findings_of(RULES["reputation.hostile_sentence"], Draft(draft)) == []


def test_findings_come_most_severe_first():
    draft = "Thanks for nothing. I'll be posting about this on Glassdoor. You f***ing clowns."
    ranks = {"critical": 0, "warning": 1, "info": 2}
    severities = [ranks[f.severity] for f in run_rules(Draft(draft))]
    assert severities == sorted(severities)
    assert severities[0] == 0


def test_feedback_missing_respects_explicit_no_feedback_wish():
    draft = "Thank you for letting me know."
    assert findings_of(RULES["feedback.missing"], Draft(draft, CoachContext(ask_for_feedback=None)))
    assert not findings_of(RULES["feedback.missing"], Draft(draft, CoachContext(ask_for_feedback=False)))


def test_offsets_survive_emoji_and_crlf():
    draft = "Hi Sam \U0001F642,\r\nThanks for nothing!!!\r\nYou idiots. \u05e9\u05dc\u05d5\u05dd"
    findings = run_rules(Draft(draft))
    assert findings
    for finding in findings:
        if finding.start is not None:
            assert draft[finding.start:finding.end] == finding.quote
