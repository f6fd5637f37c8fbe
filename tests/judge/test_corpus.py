"""The scorer against the tuned reply sets (corpus/replies/tuned_*), which the patterns
were tuned on and the sentence model trained on. The held-out sets are not tested here: they are
measured by `make judgement`.

Thresholds are the product's bar, not today's numbers: good drafts must rank above poor ones,
broken principles must be found, and good drafts must rarely be told off.
"""

import json
from functools import cache
from pathlib import Path

import pytest

from api.judge import ScoredDraft, score_draft
from api.schemas import CoachContext

DATA = Path(__file__).resolve().parents[2] / "corpus" / "replies"
DRAFT_SETS = sorted(p.name for p in DATA.glob("tuned_*.jsonl"))
MIN_AUC = 0.98
MIN_FLAG_RECALL = 0.90
MAX_GOOD_WARNED = 0.10


@cache
def scored_corpus(name: str = "tuned_01.jsonl") -> tuple[tuple[dict, ScoredDraft], ...]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple((row, score_draft(row["draft"], CoachContext(**(row["context"] or {})))) for row in rows)


def ranking_auc(good: list[int], poor: list[int]) -> float:
    """Probability a random good draft outscores a random poor one (ties count half)."""
    wins = sum(1.0 if g > p else 0.5 if g == p else 0.0 for g in good for p in poor)
    return wins / (len(good) * len(poor))


def test_corpus_is_labelled_as_expected():
    labels = [row["label"] for row, _ in scored_corpus()]
    assert len(labels) == 70
    assert set(labels) == {"good", "poor"}
    for row, _ in scored_corpus():
        assert (row["label"] == "poor") == bool(row["flags"]), row["id"]


@pytest.mark.parametrize("name", DRAFT_SETS)
def test_ranking_auc_good_over_poor(name):
    good = [scored.scores.overall for row, scored in scored_corpus(name) if row["label"] == "good"]
    poor = [scored.scores.overall for row, scored in scored_corpus(name) if row["label"] == "poor"]
    auc = ranking_auc(good, poor)
    assert auc >= MIN_AUC, f"AUC {auc:.3f} < {MIN_AUC}"


@pytest.mark.parametrize("name", DRAFT_SETS)
def test_poor_drafts_have_their_broken_principles_flagged(name):
    expected = found = 0
    missed = []
    for row, scored in scored_corpus(name):
        for principle in row["flags"]:
            expected += 1
            if scored.scores.principles[principle].status == "broken":
                found += 1
            else:
                missed.append(f"{row['id']}:{principle}")
    recall = found / expected
    assert recall >= MIN_FLAG_RECALL, f"flag recall {recall:.3f} < {MIN_FLAG_RECALL}; missed {missed}"


@pytest.mark.parametrize("name", DRAFT_SETS)
def test_good_drafts_are_rarely_warned(name):
    good = [(row, scored) for row, scored in scored_corpus(name) if row["label"] == "good"]
    warned = [row["id"] for row, scored in good if any(f.severity != "info" for f in scored.findings)]
    rate = len(warned) / len(good)
    assert rate <= MAX_GOOD_WARNED, f"{rate:.2%} of good drafts warned: {warned}"


def test_auc_helper_ranks_correctly():
    # The metric itself must be right, or the threshold above means nothing.
    assert ranking_auc([90, 80], [10, 20]) == 1.0
    assert ranking_auc([10], [90]) == 0.0
    assert ranking_auc([50], [50]) == 0.5


@pytest.mark.parametrize("name", DRAFT_SETS)
def test_no_critical_finding_sits_beside_a_ready_verdict(name):
    for row, scored in scored_corpus(name):
        if any(f.severity == "critical" for f in scored.findings):
            assert scored.scores.verdict != "ready", row["id"]
