"""The grace score moves the way a reader would expect, stays in range, and works offline."""

import subprocess
import sys
import textwrap

import pytest

from api.judge import score_draft
from api.judge.principles import PRINCIPLE_IDS
from api.schemas import CoachContext, Scores

BASE = (
    "Hi Jordan,\n\nThank you for letting me know. I understand your decision, and I enjoyed learning "
    "about the analytics team.\n\nBest regards,\nAlex"
)
PLAIN = "Hi Jordan,\n\nI got your note about the analytics role. I understand your decision.\n\nBest regards,\nAlex"
COMPLETE = (
    "Dear Ms. Chen,\n\nThank you for letting me know, and for the time you and the team spent with me. "
    "I'm disappointed, but I understand and respect your decision, and I learned a lot from our conversations. "
    "Please keep me in mind for future openings at Lumen. If you have a moment, I'd welcome any feedback on "
    "my interviews. I'd be glad to stay in touch on LinkedIn.\n\nKind regards,\nAlex Moreno"
)
HOSTILE_SENTENCES = [
    "You clowns wasted my time.",
    "I'll be leaving a one-star review on Glassdoor.",
    "This whole process was a joke.",
    "Never contact me again.",
]


def overall(text: str) -> int:
    return score_draft(text).scores.overall


def _before_sign_off(text: str, sentence: str) -> str:
    body, sign_off = text.rsplit("\n\n", 1)
    return f"{body} {sentence}\n\n{sign_off}"


@pytest.mark.parametrize("hostile", HOSTILE_SENTENCES)
def test_appending_a_hostile_sentence_lowers_the_score(hostile):
    assert overall(_before_sign_off(BASE, hostile)) < overall(BASE)
    assert overall(_before_sign_off(COMPLETE, hostile)) < overall(COMPLETE)


def test_adding_thanks_raises_the_score():
    assert overall(_before_sign_off(PLAIN, "Thank you for your time.")) > overall(PLAIN)


def test_adding_a_door_open_line_raises_the_score():
    with_door = _before_sign_off(BASE, "Please keep me in mind for future openings.")
    assert overall(with_door) > overall(BASE)
    assert score_draft(with_door).scores.principles["door_open"].status == "shown"


def test_more_hostility_scores_lower_still():
    one = _before_sign_off(BASE, HOSTILE_SENTENCES[0])
    two = _before_sign_off(one, HOSTILE_SENTENCES[1])
    assert overall(two) < overall(one)


@pytest.mark.parametrize("text", [
    BASE, PLAIN, COMPLETE, "Fine.", "x", "\U0001F642", "YOU F***ING IDIOTS!!! " * 30,
    "Thank you. " * 400, "\u0634\u0643\u0631\u0627 \u0644\u0643\u0645", "<script>alert(1)</script>",
])
def test_scores_cover_every_principle_within_range(text):
    scores = score_draft(text).scores
    Scores.model_validate(scores.model_dump())  # the response schema's own bounds
    assert set(scores.principles) == set(PRINCIPLE_IDS)
    assert 0 <= scores.overall <= 100
    for entry in scores.principles.values():
        assert 0 <= entry.score <= 100
        assert entry.status in {"shown", "missing", "broken"}
    tone = scores.tone
    assert -1 <= tone.sentiment <= 1
    assert all(0 <= value <= 100 for value in (tone.politeness, tone.hostility, tone.anxiety))
    assert tone.label
    readability = scores.readability
    assert readability.words >= 0 and readability.sentences >= 0 and readability.reading_time_s >= 0


def test_a_broken_principle_is_marked_broken_and_scores_below_a_shown_one():
    broken = score_draft(_before_sign_off(BASE, "Never contact me again.")).scores.principles["door_open"]
    shown = score_draft(_before_sign_off(BASE, "Please keep me in mind for future openings.")).scores.principles["door_open"]
    missing = score_draft(BASE).scores.principles["door_open"]
    assert (broken.status, missing.status, shown.status) == ("broken", "missing", "shown")
    assert broken.score < missing.score < shown.score


@pytest.mark.parametrize("one_liner", [
    "You idiots wasted my time.",
    "F*** you and your clown company.",
    "Remove me from your list, I'll post about this on Glassdoor.",
])
def test_a_hostile_one_liner_is_rethink(one_liner):
    scores = score_draft(one_liner).scores
    assert scores.verdict == "rethink"
    assert scores.tone.hostility > 0
    assert scores.principles["reputation"].status == "broken"


def test_a_complete_graceful_reply_is_ready():
    scores = score_draft(COMPLETE).scores
    assert scores.verdict == "ready"
    assert not any(entry.status == "broken" for entry in scores.principles.values()), scores.principles
    assert scores.tone.hostility == 0


def test_an_edit_worth_making_is_revise():
    scores = score_draft(_before_sign_off(COMPLETE, "Please reconsider your decision.")).scores
    assert scores.verdict == "revise"


def test_positive_sarcasm_is_not_ready():
    scores = score_draft("Thanks so much for wasting my time, great job guys. Best of luck, you'll need it.").scores
    assert scores.tone.sentiment > 0
    assert scores.verdict != "ready"
    assert scores.principles["reputation"].status == "broken"


def test_context_can_switch_off_the_feedback_suggestion():
    asked_not_to = score_draft(BASE, CoachContext(ask_for_feedback=False))
    default = score_draft(BASE)
    assert any(f.rule == "feedback.missing" for f in default.findings)
    assert not any(f.rule == "feedback.missing" for f in asked_not_to.findings)


def test_readability_counts_words_and_sentences():
    readability = score_draft("Thank you for your time. I enjoyed meeting the team. Best of luck!").scores.readability
    assert readability.words == 13
    assert readability.sentences == 3
    assert readability.grade < 8  # short everyday words
    assert readability.flesch_reading_ease > 60


def test_scoring_is_deterministic():
    assert score_draft(COMPLETE).scores == score_draft(COMPLETE).scores


def test_readability_never_downloads(tmp_path):
    # A fresh interpreter, so the pronouncing dictionary really is loaded for the first time here;
    # nltk.download raising proves nothing tries the network, NLTK_DATA pointing at an empty
    # directory proves nothing leans on a dictionary someone downloaded earlier.
    script = textwrap.dedent("""
        import nltk

        def refuse(*args, **kwargs):
            raise AssertionError("nltk.download called")

        nltk.download = refuse
        from api.judge import score_draft
        scores = score_draft("Thank you for the opportunity. Xylophonic quizzaciousness abounds.").scores
        assert scores.readability.words == 8, scores.readability
        assert scores.readability.flesch_reading_ease != 0
        print("ok")
    """)
    env = {"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
