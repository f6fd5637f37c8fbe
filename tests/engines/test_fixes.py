"""One-click fixes (SPEC §2 replacements): what an editor offers, and that taking them never hurts."""

import json
from pathlib import Path

from api.engines.fixes import apply_first_replacements
from api.engines.local import coach_locally
from api.judge import score_draft
from api.schemas import CoachContext, CoachOptions, CoachRequest

ROOT = Path(__file__).resolve().parents[2]
# The tuned sets: 770 labelled replies (the training and held-out sets add nothing this property needs).
LABELLED = sorted((ROOT / "corpus" / "replies").glob("tuned_*.jsonl"))


def labelled_drafts() -> list[dict]:
    return [json.loads(line) for path in LABELLED for line in path.read_text("utf-8").splitlines() if line.strip()]


def critiques_of(draft: str, context: CoachContext | None = None):
    return coach_locally(CoachRequest(draft=draft, context=context, options=CoachOptions(rewrite=False))).critiques


def test_applying_every_first_replacement_never_lowers_the_score_of_a_labelled_draft():
    drafts = labelled_drafts()
    assert len(drafts) > 500
    raised = 0
    for reply in drafts:
        context = CoachContext(**reply["context"]) if reply.get("context") else None
        draft = reply["draft"]
        critiques = critiques_of(draft, context)
        before = score_draft(draft, context).scores.overall
        fixed = apply_first_replacements(draft, critiques)
        after = score_draft(fixed, context).scores.overall
        assert after >= before, (reply["id"], before, after, fixed)
        raised += after > before
        spans = sorted({(c.start, c.end) for c in critiques if c.start is not None})
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end <= start, f"{reply['id']}: fixes of one response must not collide"
        for critique in critiques:
            if critique.start is None:
                assert critique.replacements == []
            else:
                assert draft[critique.start:critique.end] == critique.quote
                if critique.severity != "info":
                    assert critique.replacements, (reply["id"], critique.rule)
    poor = sum(r["label"] == "poor" for r in drafts)
    assert raised >= 0.9 * poor  # the fixes do something on nearly every poor draft


def test_a_threat_is_deleted_with_the_space_after_it():
    draft = "Hi Dana,\n\nThanks for letting me know. I will leave a review on Glassdoor. I enjoyed meeting the team.\n\nBest,\nSam"
    threat = next(c for c in critiques_of(draft) if c.rule == "reputation.threat")
    assert threat.quote == "I will leave a review on Glassdoor. "
    assert threat.replacements[0] == ""
    assert "know. I enjoyed" in apply_first_replacements(draft, [threat])


def test_a_demand_for_reasons_becomes_a_gentle_feedback_ask():
    draft = "Dear Ms Rivera,\n\nThank you for letting me know. I demand to know why I was rejected.\n\nBest regards,\nSam"
    demand = next(c for c in critiques_of(draft) if c.rule == "feedback.demands_reasons")
    fixed = apply_first_replacements(draft, [demand])
    assert "I would welcome any feedback" in fixed and "demand" not in fixed
    scores = score_draft(fixed).scores
    assert scores.principles["feedback"].status == "shown"
    assert scores.overall > score_draft(draft).scores.overall


def test_shouting_is_written_in_sentence_case():
    draft = "Hi Dana, THANK YOU SO MUCH for the chance!!! I understand your decision."
    shouting = [c for c in critiques_of(draft) if c.rule == "reputation.shouting"]
    # The capitals and the "!!!" are fixed as two spans, or as their whole sentence where the sentence
    # model reads it as shouting too: either way the fix writes the same sentence.
    assert shouting and all("!!!" not in c.replacements[0] and "SO MUCH" not in c.replacements[0] for c in shouting)
    assert apply_first_replacements(draft, shouting) == "Hi Dana, thank you so much for the chance. I understand your decision."


def test_a_greeting_in_the_offending_line_is_kept():
    draft = "Hi Dana, you clowns wasted my time."
    critiques = critiques_of(draft)
    fixed = apply_first_replacements(draft, critiques)
    assert fixed.startswith("Hi Dana,") and "clowns" not in fixed


def test_a_reply_that_is_all_complaint_is_not_fixed_into_nothing():
    for draft in ("You clowns wasted my time.", "Thanks for nothing. Your loss. Don't contact me again."):
        critiques = critiques_of(draft)
        fixed = apply_first_replacements(draft, critiques)
        assert fixed.strip(), draft
        assert score_draft(fixed).scores.overall > score_draft(draft).scores.overall


def test_the_same_calmer_sentence_is_not_offered_first_twice():
    draft = "Please reconsider your decision. You made a mistake and should reconsider. Thanks, Sam"
    fixed = apply_first_replacements(draft, critiques_of(draft))
    assert fixed.count("I understand and respect your decision.") <= 1


def test_a_graceful_reply_gets_no_fixes():
    draft = ("Dear Ms Rivera,\n\nThank you for letting me know. I understand your decision and enjoyed meeting the "
             "team. Please keep me in mind for future openings, and I'd be glad to stay in touch.\n\nBest regards,\nSam")
    assert [c for c in critiques_of(draft) if c.replacements] == []


def test_every_calmer_wording_in_the_rule_data_is_itself_graceful():
    from api.judge.principles import BREAKS_ENTRIES

    wordings = {w for entry in BREAKS_ENTRIES for w in entry.get("replacements", ())}
    assert wordings
    for wording in wordings:
        flagged = [f.rule for f in score_draft(wording).findings if f.breaks_principle]
        assert flagged == [], (wording, flagged)
