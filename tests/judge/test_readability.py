"""Readability figures are textstat's, even though words and syllables are counted per sentence."""

import json
from pathlib import Path

import pytest
import textstat

from api.judge import prepare_scoring, score_draft

DRAFTS = [
    json.loads(line)["draft"]
    for line in (Path(__file__).resolve().parents[2] / "corpus" / "replies" / "tuned_01.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
] + ["Fine.", "Thanks!!! Great!!!", "Hello -- world... Mr. Smith rang, e.g. twice. \U0001f602 yes"]


@pytest.mark.parametrize("draft", DRAFTS)
def test_figures_match_textstat_on_the_whole_text(draft):
    prepare_scoring()
    readability = score_draft(draft).scores.readability
    assert readability.flesch_reading_ease == round(textstat.flesch_reading_ease(draft), 1)
    assert readability.grade == round(textstat.flesch_kincaid_grade(draft), 1)
    assert readability.reading_time_s == round(textstat.reading_time(draft), 2)
