"""Every labelled set in corpus/ follows the one schema of corpus/README.md, so what trains, tunes
and measures the judge can be read the same way by each of them."""

from pathlib import Path

import pytest

from api.judge.principles import PRINCIPLE_IDS
from evals.judgement import read_replies as rows

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
REPLY_SETS = sorted((CORPUS / "replies").glob("*.jsonl"))
SENTENCE_SETS = sorted((CORPUS / "sentences").glob("*.jsonl"))
PREFIXES = ("tuned_", "training_", "pending_", "heldout_")


def test_every_set_is_named_for_what_it_is_for():
    assert REPLY_SETS and SENTENCE_SETS
    assert [p.name for p in REPLY_SETS + SENTENCE_SETS if not p.name.startswith(PREFIXES)] == []


@pytest.mark.parametrize("path", REPLY_SETS, ids=lambda p: p.stem)
def test_reply_sets_mark_offending_sentences_exactly(path):
    replies = rows(path)
    assert len({r["id"] for r in replies}) == len(replies), "duplicate ids"
    for reply in replies:
        assert reply["label"] in ("good", "poor"), reply["id"]
        assert set(reply["flags"]) <= set(PRINCIPLE_IDS), reply["id"]
        assert (reply["label"] == "poor") == bool(reply["flags"]), reply["id"]
        quotes = reply["offending"]
        assert all(q["quote"] and q["quote"] in reply["draft"] for q in quotes), reply["id"]
        assert {p for q in quotes for p in q["principles"]} == set(reply["flags"]), reply["id"]


@pytest.mark.parametrize("path", SENTENCE_SETS, ids=lambda p: p.stem)
def test_sentence_sets_label_each_sentence_once(path):
    sentences = rows(path)
    assert len({s["text"] for s in sentences}) == len(sentences), "duplicate sentences"
    for sentence in sentences:
        assert sentence["text"].strip()
        assert set(sentence["breaks"]) <= set(PRINCIPLE_IDS) and set(sentence["shows"]) <= set(PRINCIPLE_IDS)
