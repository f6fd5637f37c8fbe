"""The offline sentence model: what it reads, how it is cached, and how its findings look."""

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
from fakes.sentence_reader import reading

from api.engines.rewrite import local_rewrite
from api.judge import Draft, run_rules, score_draft
from api.judge.detectors import RULES, plug_sentence_model, sentence_readings
from api.judge.detectors.encoder import PACK_TOKENS, Encoder, base_model_dir, gelu, load_tokenizer, read_safetensors
from api.judge.detectors.sentence_model import SentenceModel, sentence_model
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.memo import MEMO

MODEL_RULES = sorted(rule.id for rule in RULES.values() if rule.kind == "sentence_model")


def test_every_principle_has_a_sentence_model_rule():
    assert {RULES[rule_id].principle for rule_id in MODEL_RULES} == set(PRINCIPLE_IDS)


def test_the_numpy_encoder_embeds_similar_sentences_closer_than_unrelated_ones():
    # The base MiniLM weights: the fine-tuned top layers read principles, not general similarity.
    encoder, tokenizer = Encoder(read_safetensors(base_model_dir() / "model.safetensors")), load_tokenizer()
    vectors = encoder.encode([tokenizer.encode(s).ids for s in (
        "Thank you so much for letting me know.", "Thanks a lot for telling me.", "The warehouse shift starts at six.",
    )])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_the_encoders_gelu_is_the_exact_one_the_model_was_trained_with():
    x = np.linspace(-10, 10, 20001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert gelu(x).dtype == np.float32
    assert np.abs(gelu(x) - exact).max() < 5e-6


def test_sentences_read_together_read_as_each_one_alone():
    model = sentence_model()
    texts = ["Fine.", "Thanks for letting me know, and best of luck to the whole platform team with the launch."]
    texts += [f"I enjoyed meeting panel member number {n} and hearing how the team plans its releases." for n in range(30)]
    ids = [model._tokenizer.encode(t).ids for t in texts]
    assert sum(len(i) for i in ids) > 2 * PACK_TOKENS  # read in several passes
    together = model._encoder.encode(ids)
    alone = np.vstack([model._encoder.encode([i]) for i in ids])
    assert np.abs(together - alone).max() < 1e-5


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


STINGS = "Hi Dana,\n\nThis one stings, but I'm glad I applied. Thank you for your time.\n\nSam"


def test_a_pattern_warning_on_a_sentence_the_model_reads_as_fine_is_only_a_suggestion():
    with reading(lambda s: {}):
        scored = score_draft(STINGS)
        venting = [f for f in scored.findings if f.rule == "reputation.venting"]
        assert venting and all(f.severity == "info" for f in venting)
        assert scored.scores.principles["reputation"].status != "broken"
        assert scored.scores.verdict == "ready"


def test_a_pattern_warning_stands_where_the_model_shares_the_doubt():
    veto = sentence_model().pattern_veto_below
    with reading(lambda s: {"resilience": veto} if "stings" in s else {}):
        scored = score_draft(STINGS)
        assert [f for f in scored.findings if f.rule == "reputation.venting" and f.severity == "warning"]
        assert scored.scores.verdict != "ready"


def test_warnings_start_at_each_principles_own_threshold(monkeypatch):
    model = sentence_model()
    monkeypatch.setattr(model, "alone_warning_margin", 1.0)  # the bar for a lone warning is tested below
    low, high = sorted(model.warning_at, key=model.warning_at.get)[0], sorted(model.warning_at, key=model.warning_at.get)[-1]
    assert model.warning_at[low] < model.warning_at[high]
    between = (model.warning_at[low] + model.warning_at[high]) / 2
    text = "I hope the new hire works out."
    with reading(lambda s: {low: between, high: between}):
        broken = {f.principle for f in run_rules(Draft(text)) if f.rule in MODEL_RULES and f.breaks_principle}
    assert low in broken and high not in broken


LUKEWARM = "Hi Dana,\n\nWell, shoot. Thanks for letting me know, and all the best to the team.\n\nSam"


def test_a_lonely_lukewarm_model_warning_is_only_a_suggestion_when_the_model_asks_for_sureness(monkeypatch):
    model = sentence_model()
    lukewarm = {"networking": model.warning_at["networking"] * 1.2}
    with reading(lambda s: lukewarm if "shoot" in s else {}):
        monkeypatch.setattr(model, "alone_warning_margin", 1.0)  # 1: every model warning stands
        assert score_draft(LUKEWARM).scores.principles["networking"].status == "broken"
        monkeypatch.setattr(model, "alone_warning_margin", 1.6)
        MEMO.clear()
        scored = score_draft(LUKEWARM)
        cold = [f for f in scored.findings if f.rule in MODEL_RULES]
        assert cold and all(f.severity == "info" for f in cold)
        assert scored.scores.principles["networking"].status != "broken"
        assert "shoot" not in local_rewrite(LUKEWARM)  # when in doubt, the rewrite still leaves it out


def test_a_model_warning_stands_when_sure_or_backed(monkeypatch):
    model = sentence_model()
    monkeypatch.setattr(model, "alone_warning_margin", 1.6)
    sure = {"networking": min(0.99, model.warning_at["networking"] * 2)}
    lukewarm = {"networking": model.warning_at["networking"] * 1.2}
    backed = LUKEWARM.replace("all the best to the team", "this process was a joke")
    with reading(lambda s: sure if "shoot" in s else {}):
        assert score_draft(LUKEWARM).scores.principles["networking"].status == "broken"
    with reading(lambda s: lukewarm if "shoot" in s else {"reputation": 0.99} if "joke" in s else {}):
        assert score_draft(backed).scores.principles["networking"].status == "broken"


def test_a_draft_that_went_wrong_loses_the_sentences_the_model_half_doubts():
    model = sentence_model()
    doubtful = "I guess the other candidate had connections."
    half = (model.broken_draft_doubt_at + min(model.info_at.values())) / 2
    rude = f"Hi Dana,\n\nThanks for letting me know. {doubtful} This process was a joke.\n\nSam"
    polite = f"Hi Dana,\n\nThanks for letting me know. {doubtful} All the best to the team.\n\nSam"
    with reading(lambda s: {"reputation": half} if s == doubtful else {"reputation": 0.99} if "joke" in s else {}):
        assert doubtful not in local_rewrite(rude)
        assert doubtful in local_rewrite(polite)


def test_a_rewrite_that_leaves_out_the_doubted_thanks_still_thanks():
    """The thanks was in a sentence the model doubted, so the rewrite leaves the sentence out, and the
    letter must not go without thanks because the draft once had them."""
    model = sentence_model()
    doubted = "cheers for letting me know, won't be bothering you lot again."
    doubt = (model.info_at["door_open"] + model.warning_at["door_open"]) / 2
    draft = f"{doubted} good luck with the launch x"
    with reading(lambda s: {"door_open": doubt} if s == doubted else {}):
        assert not [f for f in run_rules(Draft(draft)) if f.breaks_principle]
        rewrite = local_rewrite(draft)
        assert "bothering" not in rewrite
        assert "reputation.no_thanks" not in {f.rule for f in run_rules(Draft(rewrite))}
        assert "thank" in rewrite.lower(), rewrite


def test_the_models_unease_ranks_a_reply_below_one_it_trusts():
    text = "Thank you for letting me know. I'd be glad to be considered for future roles. Best wishes, Sam"
    with reading(lambda s: {}):
        trusted = score_draft(text).scores.overall
    model = sentence_model()
    near = (model.info_at["reputation"] + model.warning_at["reputation"]) / 2
    with reading(lambda s: {"reputation": near} if s.startswith("I'd be glad") else {}):
        doubted = score_draft(text)
    assert doubted.scores.overall < trusted
    assert not [f for f in doubted.findings if f.breaks_principle]


def test_the_shipped_model_learned_from_training_sets_only_never_a_held_out_one():
    meta = json.loads(resources.files("api.judge.detectors").joinpath("sentence_model.json").read_text("utf-8"))
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    on_disk = {path.stem for path in corpus.glob("*/*.jsonl")}
    assert meta["trained_on"], "the model says what it learned from"
    for name in meta["trained_on"]:
        assert name.startswith(("training_", "tuned_")), name
        assert name in on_disk, f"{name} is not in corpus/, so `make model` cannot reproduce the model"
    # Every training set in the corpus is one the shipped model learned from: `make model` reproduces it.
    assert {n for n in on_disk if n.startswith(("training_", "tuned_"))} == set(meta["trained_on"])
