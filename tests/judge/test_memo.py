"""The judge keeps its readings in one store, bounded by bytes, and reads an edited draft's other sentences from it."""

from api.judge import score_draft
from api.judge.text.memo import MEMO, Memo, estimated_bytes

SENTENCES = [
    "Thank you for letting me know.", "I understand your decision.", "I learned a lot from the team.",
    "Please keep me in mind for future openings.", "I'd be glad to stay in touch on LinkedIn.",
]


def test_the_memo_drops_the_least_recently_used_once_over_its_bytes():
    memo = Memo(max_bytes=2_000)
    for number in range(100):
        memo.get("words", f"sentence number {number}", lambda number=number: ("word",) * (number % 5))
        assert memo.bytes <= memo.max_bytes
    assert 0 < len(memo) < 100
    assert memo.get("words", "sentence number 99", lambda: "recomputed") != "recomputed"
    assert memo.get("words", "sentence number 0", lambda: "recomputed") == "recomputed"
    assert memo.bytes == sum(estimated_bytes(key) + estimated_bytes(value) for key, (value, _) in memo._entries.items())


def test_an_edited_draft_reads_only_its_new_sentence_again():
    draft = " ".join(SENTENCES)
    MEMO.clear()  # room for what this draft reads, whatever ran before
    score_draft(draft)
    before = len(MEMO)
    score_draft(draft.replace("the team.", "the team, and enjoyed it."))
    grown = len(MEMO) - before
    # A dozen or so readings of the one edited sentence (and the new text's figures), not of all five.
    assert 0 < grown < 30


def test_the_shared_memo_stays_within_its_bytes():
    for number in range(300):
        score_draft(f"Thank you, Dana. I enjoyed meeting the team on day {number}. Best, Sam")
    assert MEMO.bytes <= MEMO.max_bytes


def test_a_draft_sent_again_unchanged_is_answered_without_reading_it_again(monkeypatch):
    from api.judge.scores import scorer
    from api.schemas import CoachContext

    reads: list[str] = []
    run_rules = scorer.run_rules
    monkeypatch.setattr(scorer, "run_rules", lambda draft, *args: reads.append(draft.text) or run_rules(draft, *args))
    draft = " ".join(SENTENCES) + " Best, Sam"
    MEMO.clear()
    first = score_draft(draft)
    assert score_draft(draft).scores == first.scores
    assert reads == [draft]
    # Another context is another reading (the names in it change what is found), and so is a new text.
    score_draft(draft, CoachContext(recipient_name="Dana"))
    score_draft(draft + " Thanks again.")
    assert len(reads) == 3
