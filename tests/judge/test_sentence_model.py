"""The offline sentence model: what it reads, how it is cached, and how its findings look."""

import numpy as np

from api.judge import Draft, run_rules, score_draft
from api.judge.detectors import RULES, plug_sentence_model, sentence_readings
from api.judge.detectors.sentence_model import SentenceModel, sentence_model
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.memo import MEMO

MODEL_RULES = sorted(rule.id for rule in RULES.values() if rule.kind == "sentence_model")


def test_every_principle_has_a_sentence_model_rule():
    assert {RULES[rule_id].principle for rule_id in MODEL_RULES} == set(PRINCIPLE_IDS)


def test_similar_sentences_embed_closer_than_unrelated_ones():
    model = sentence_model()
    vectors = model._encoder.encode([model._tokenizer.encode(s).ids for s in (
        "Thank you so much for letting me know.", "Thanks a lot for telling me.", "The warehouse shift starts at six.",
    )])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_probabilities_per_principle_are_calibrated_numbers():
    (reading,) = sentence_model().read(["Thanks for wasting three weeks of my life."])
    assert set(reading) == set(PRINCIPLE_IDS)
    assert all(0.0 <= p <= 1.0 for p in reading.values())
    assert reading["reputation"] >= sentence_model().warning_at["reputation"]


def test_sarcasm_with_no_rude_word_is_underlined_as_a_whole_sentence():
    text = ("Hi Dana,\n\nThanks for the update. I hope your next candidate enjoys being interviewed by someone "
            "who checks their phone the whole time. Best of luck.\n\nSam")
    findings = [f for f in run_rules(Draft(text)) if f.rule in MODEL_RULES]
    assert findings, "the model found nothing"
    for finding in findings:
        assert text[finding.start:finding.end] == finding.quote
        assert finding.quote.startswith("I hope your next") and finding.quote.endswith("the whole time.")


def test_a_graceful_reply_gets_no_model_warning():
    text = ("Hi Dana,\n\nThank you for letting me know. I'm disappointed, honestly, but I understand. "
            "I'd love to be considered for future roles and to stay in touch.\n\nBest,\nSam")
    assert not [f for f in run_rules(Draft(text)) if f.rule in MODEL_RULES]


def test_each_sentence_is_read_once_then_remembered(monkeypatch):
    model = sentence_model()
    computed: list[str] = []
    original = SentenceModel._compute

    def counting(self, sentences):
        computed.extend(sentences)
        return original(self, sentences)

    monkeypatch.setattr(SentenceModel, "_compute", counting)
    MEMO.clear()
    first = "I spent a weekend on the take-home for this."
    model.read([first, "Thank you for your time."])
    model.read([first, "Thanks again, and all the best."])
    assert computed.count(first) == 1
    assert len(computed) == 3


def test_a_plugged_reader_replaces_the_model_and_feeds_the_verdict():
    text = "Thank you for letting me know. I'd be glad to be considered for future roles."
    assert score_draft(text).scores.verdict != "rethink"
    plug_sentence_model(lambda sentences: [{p: 0.99 if p == "reputation" else 0.0 for p in PRINCIPLE_IDS}
                                           for _ in sentences])
    try:
        MEMO.clear()
        scored = score_draft(text)
        assert scored.scores.principles["reputation"].status == "broken"
        assert scored.scores.verdict != "ready"
        assert sentence_readings(Draft(text))[0]["reputation"] == 0.99
    finally:
        plug_sentence_model(None)
        MEMO.clear()


def test_disabling_the_model_rules_silences_the_model():
    text = "I hope your next candidate enjoys being interviewed by someone who checks their phone the whole time."
    assert [f for f in run_rules(Draft(text)) if f.rule in MODEL_RULES]
    assert not [f for f in run_rules(Draft(text), frozenset(MODEL_RULES)) if f.rule in MODEL_RULES]
