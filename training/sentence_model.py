"""Trains the sentence model's head on the labelled corpus (needs the `train` extra: torch).

Reads every training set in corpus/ (sentences, and the sentences of labelled replies), embeds
them with the same numpy encoder the service runs, fits a small head with cross-fitting by set
(each set is predicted by a head that never saw it), calibrates probabilities on those
out-of-set predictions, picks the thresholds, then fits the shipped head on everything and
writes api/judge/detectors/sentence_model.npz and sentence_model.json (what was learned from which sets).
Held-out sets (corpus/*/heldout_*) are never read here.

    python -m training.sentence_model
"""

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from api.judge.detectors.encoder import Encoder, base_model_dir, load_tokenizer, read_safetensors
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = ROOT / "api" / "judge" / "detectors"
CACHE = ROOT / ".cache" / "embeddings"
LABELS = list(PRINCIPLE_IDS)
SEED = 7
# Graceful replies may be given a warning this often, at most, on the training sets when each is left
# out. Those sets hold many writers asked for graceful replies that trip a reader (honest hurt, blunt
# words, long factual emails, plain pride), so the rate there is far higher than on ordinary replies:
# 10% out-of-set, with lonely warnings held to ALONE_WARNING_MARGIN, was 8 of 216 graceful replies warned
# on heldout_zzn to heldout_zzu (v16, docs/judgement.md).
GRACEFUL_WARNED_BUDGET = 0.10
# Below its warning, a sentence this close to it is a doubt: the rewrite leaves it out.
INFO_RATIO = 0.6
# In a draft that breaks a principle, the rewrite may keep at most this share of poor replies'
# offending sentences that the model reads (of sets it never saw).
REWRITE_KEEPS_OFFENDING_BUDGET = 0.01
# The model may turn a pattern's warning into a suggestion only where that loses at most this share of
# the patterns' warnings on offending sentences.
PATTERN_VETO_LOSS_BUDGET = 0.01
# What a threshold buys is SPEC's two measures on poor replies: this much of the flags found, the
# rest of the offending sentences underlined.
FOUND_WEIGHT = 0.5
# A model warning that nothing else in the draft backs must read at least its threshold times this
# margin, capped at ALONE_WARNING_CAP (never below the threshold itself).
ALONE_WARNING_MARGIN = 1.6
ALONE_WARNING_CAP = 0.7
THRESHOLD_STEP = 0.02
# How many steps at once a threshold may come down in one round of the search (past a plateau).
LOOKAHEAD = 10
THRESHOLD_STEPS = np.round(np.arange(0.95, 0.08, -THRESHOLD_STEP), 4)
VETO_STEPS = np.round(np.arange(0.01, 0.31, 0.01), 4)
# The rewrite's doubt may go lower than any warning: a reader whose misses sit just under its
# thresholds still reads them above a few hundredths, so the steps are finer at the low end.
DOUBT_STEPS = np.round(np.concatenate([np.arange(0.01, 0.09, 0.01), THRESHOLD_STEPS[::-1]]), 4)


@dataclass
class Example:
    text: str
    breaks: np.ndarray      # one 0/1 per principle
    source: str             # the set it comes from
    reply: str | None = None            # the id of the reply it belongs to, if any
    graceful: bool = False              # whether that reply is graceful


def training_files() -> list[Path]:
    files = sorted(CORPUS.glob("*/training_*.jsonl")) + sorted(CORPUS.glob("*/tuned_*.jsonl"))
    if any(f.name.startswith("heldout") for f in files):
        raise SystemExit("held-out sets are never trained on")
    return files


def _vector(principles: list[str]) -> np.ndarray:
    return np.array([1.0 if p in principles else 0.0 for p in LABELS], dtype=np.float32)


def read_examples() -> list[Example]:
    examples: list[Example] = []
    for path in training_files():
        source = path.stem
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if "text" in item:
                examples.append(Example(item["text"], _vector(item["breaks"]), source))
                continue
            draft = item["draft"]
            marked = [(draft.index(q["quote"]), draft.index(q["quote"]) + len(q["quote"]), q["principles"])
                      for q in item.get("offending", [])]
            for sentence in split_sentences(draft):
                principles = sorted({p for s, e, ps in marked if s < sentence.end and sentence.start < e for p in ps})
                examples.append(Example(sentence.text, _vector(principles), source, item["id"], item["label"] == "good"))
    return examples


def token_ids(texts: list[str]) -> list[list[int]]:
    tokenizer = load_tokenizer()
    return [tokenizer.encode(t).ids for t in texts]


def lower_states(texts: list[str], frozen: int) -> list[np.ndarray]:
    """Token states after the frozen lower layers, cached on disk, so only new text is encoded."""
    CACHE.mkdir(parents=True, exist_ok=True)
    store = CACHE / f"states_{frozen}.npz"
    cached: dict[str, np.ndarray] = {}
    if store.exists():
        with np.load(store) as data:
            cached = {k: data[k] for k in data.files}
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in cached}, key=lambda kt: len(kt[1]))
    if missing:
        encoder = Encoder(read_safetensors(base_model_dir() / "model.safetensors"))
        ids = token_ids([t for _, t in missing])
        for begin in range(0, len(missing), 32):
            chunk = ids[begin:begin + 32]
            for (key, _), states in zip(missing[begin:begin + 32], encoder.lower_states(chunk, frozen), strict=True):
                cached[key] = states.astype(np.float16)
            print(f"\rencoded {begin + len(chunk)}/{len(missing)}", end="", file=sys.stderr)
        print(file=sys.stderr)
        np.savez(store, **cached)
    return [cached[k].astype(np.float32) for k in keys]


class BertLayer(torch.nn.Module):
    """One encoder layer, the same arithmetic as api.sentence_model.encoder.Encoder.layer."""

    def __init__(self, weights: dict[str, np.ndarray], index: int):
        super().__init__()
        p = f"encoder.layer.{index}."
        self.prefix = p
        self.params = torch.nn.ParameterDict({
            name.removeprefix(p).replace(".", "__"): torch.nn.Parameter(torch.from_numpy(value.copy()))
            for name, value in weights.items() if name.startswith(p)
        })

    def w(self, name: str) -> torch.Tensor:
        return self.params[name.replace(".", "__")]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        f = torch.nn.functional
        batch, length, hidden = x.shape
        size = hidden // 12

        def project(name: str) -> torch.Tensor:
            y = f.linear(x, self.w(f"attention.self.{name}.weight"), self.w(f"attention.self.{name}.bias"))
            return y.view(batch, length, 12, size).transpose(1, 2)

        q, k, v = project("query"), project("key"), project("value")
        scores = torch.softmax(q @ k.transpose(-1, -2) / size ** 0.5 + mask, -1)
        context = f.dropout((scores @ v).transpose(1, 2).reshape(batch, length, hidden), 0.1, self.training)
        attended = f.linear(context, self.w("attention.output.dense.weight"), self.w("attention.output.dense.bias"))
        x = f.layer_norm(attended + x, (hidden,), self.w("attention.output.LayerNorm.weight"),
                         self.w("attention.output.LayerNorm.bias"), 1e-12)
        inner = f.gelu(f.linear(x, self.w("intermediate.dense.weight"), self.w("intermediate.dense.bias")))
        out = f.dropout(f.linear(inner, self.w("output.dense.weight"), self.w("output.dense.bias")), 0.1, self.training)
        return f.layer_norm(out + x, (hidden,), self.w("output.LayerNorm.weight"), self.w("output.LayerNorm.bias"), 1e-12)


class Reader(torch.nn.Module):
    """The tuned top layers, mean pooling to a unit vector, and the head."""

    def __init__(self, weights: dict[str, np.ndarray], tuned: int, width: int = 256):
        super().__init__()
        self.layers = torch.nn.ModuleList(BertLayer(weights, i) for i in range(6 - tuned, 6))
        self.hidden = torch.nn.Linear(384, width)
        self.out = torch.nn.Linear(width, len(LABELS))

    def forward(self, x: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
        mask = ((1.0 - present) * -1e4)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        pooled = (x * present[:, :, None]).sum(1) / present.sum(1, keepdim=True)
        pooled = torch.nn.functional.normalize(pooled, dim=1)
        hidden = torch.nn.functional.gelu(self.hidden(pooled))
        return self.out(torch.nn.functional.dropout(hidden, 0.25, self.training))


def _batches(states: list[np.ndarray], order: list[int], size: int):
    for begin in range(0, len(order), size):
        rows = order[begin:begin + size]
        length = max(len(states[r]) for r in rows)
        x = np.zeros((len(rows), length, 384), dtype=np.float32)
        present = np.zeros((len(rows), length), dtype=np.float32)
        for i, r in enumerate(rows):
            x[i, :len(states[r])] = states[r]
            present[i, :len(states[r])] = 1.0
        yield rows, torch.from_numpy(x), torch.from_numpy(present)


def fit_reader(weights: dict[str, np.ndarray], states: list[np.ndarray], y: np.ndarray, tuned: int,
               epochs: int) -> Reader:
    torch.manual_seed(SEED)
    reader = Reader(weights, tuned)
    groups = [{"params": list(reader.layers.parameters()), "lr": 5e-5},
              {"params": list(reader.hidden.parameters()) + list(reader.out.parameters()), "lr": 2e-3}]
    optimiser = torch.optim.AdamW(groups, weight_decay=1e-2)
    rng = np.random.default_rng(SEED)
    targets = torch.from_numpy(y)
    for epoch in range(epochs):
        reader.train()
        # Batches of similar length waste little on padding; their order is shuffled.
        order = sorted(rng.permutation(len(states)).tolist(), key=lambda r: len(states[r]) // 8)
        batches = list(_batches(states, order, 32))
        for i in rng.permutation(len(batches)):
            rows, x, present = batches[i]
            optimiser.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(reader(x, present), targets[rows])
            loss.backward()
            optimiser.step()
        print(f"  epoch {epoch + 1}/{epochs} loss {float(loss.detach()):.3f}", file=sys.stderr)
    reader.eval()
    return reader


def logits_of(reader: Reader, states: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(states), len(LABELS)), dtype=np.float32)
    order = sorted(range(len(states)), key=lambda r: len(states[r]))
    with torch.no_grad():
        for rows, x, present in _batches(states, order, 64):
            out[rows] = reader(x, present).numpy()
    return out


def platt(logits: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Scale and shift that turn one principle's logits into calibrated probabilities."""
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    z, t = torch.from_numpy(logits), torch.from_numpy(truth)
    optimiser = torch.optim.LBFGS([a, b], max_iter=200)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a * z + b, t)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(a.detach()), float(b.detach())


FOLDS = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.sentence_model", description=__doc__.splitlines()[0])
    parser.add_argument("--tuned-layers", type=int, default=4, help="top encoder layers fine-tuned (0 = frozen)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=FOLDS, help="cross-fitting folds, by set")
    parser.add_argument("--measure-only", action="store_true", help="report the out-of-set figures, write nothing")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write sentence_model.npz and .json")
    parser.add_argument("--save-out-of-set", type=Path, metavar="NPZ",
                        help="also save each sentence's out-of-set probabilities (for choosing thresholds)")
    parser.add_argument("--choose-from", type=Path, metavar="NPZ",
                        help="train nothing: choose the thresholds again from out-of-set probabilities saved "
                             "by --save-out-of-set for this corpus, and rewrite only sentence_model.json in --out")
    args = parser.parse_args(argv)
    examples = read_examples()
    y = np.stack([e.breaks for e in examples])
    sources = np.array([e.source for e in examples])
    sets = sorted(set(sources))
    if args.choose_from:
        with np.load(args.choose_from) as saved:
            if saved["text"].tolist() != [e.text for e in examples]:
                raise SystemExit(f"{args.choose_from} was saved for another corpus")
            probabilities = saved["probabilities"]
        meta = json.loads((args.out / "sentence_model.json").read_text("utf-8"))
        meta.update(choices(examples, y, probabilities, sets))
        (args.out / "sentence_model.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        return 0
    print(f"{len(examples)} sentences from {len(sets)} sets; offending: {int((y.sum(1) > 0).sum())}", file=sys.stderr)
    weights = read_safetensors(base_model_dir() / "model.safetensors")
    states = lower_states([e.text for e in examples], 6 - args.tuned_layers)

    # Out-of-set logits: each fold of sets predicted by a reader trained on the other folds.
    fold_of = {name: i % args.folds for i, name in enumerate(sets)}
    folds = np.array([fold_of[s] for s in sources])
    held = np.zeros_like(y)
    for fold in range(args.folds):
        inside = np.flatnonzero(folds != fold)
        outside = np.flatnonzero(folds == fold)
        print(f"fold {fold + 1}/{args.folds}: {sorted(str(n) for n, f in fold_of.items() if f == fold)}", file=sys.stderr)
        reader = fit_reader(weights, [states[i] for i in inside], y[inside], args.tuned_layers, args.epochs)
        held[outside] = logits_of(reader, [states[i] for i in outside])
    calibration = [platt(held[:, i], y[:, i]) for i in range(len(LABELS))]
    probabilities = 1 / (1 + np.exp(-(held * [a for a, _ in calibration] + [b for _, b in calibration])))
    if args.save_out_of_set:
        np.savez_compressed(args.save_out_of_set, text=np.array([e.text for e in examples]), source=sources,
                            reply=np.array([e.reply or "" for e in examples]),
                            graceful=np.array([e.graceful for e in examples]),
                            truth=y, probabilities=probabilities, labels=np.array(LABELS))
    chosen = choices(examples, y, probabilities, sets)
    if args.measure_only:
        return 0

    reader = fit_reader(weights, states, y, args.tuned_layers, args.epochs)
    args.out.mkdir(parents=True, exist_ok=True)
    tensors = {f"encoder.layer.{6 - args.tuned_layers + i}.{name.replace('__', '.')}": value.detach().numpy()
               for i, layer in enumerate(reader.layers) for name, value in layer.params.items()}
    tensors.update({
        "head.hidden.weight": reader.hidden.weight.detach().numpy(), "head.hidden.bias": reader.hidden.bias.detach().numpy(),
        "head.out.weight": reader.out.weight.detach().numpy(), "head.out.bias": reader.out.bias.detach().numpy(),
        "head.scale": np.array([a for a, _ in calibration], dtype=np.float32),
        "head.shift": np.array([b for _, b in calibration], dtype=np.float32),
    })
    np.savez_compressed(args.out / "sentence_model.npz", **{k: v.astype(np.float16) if v.ndim == 2 else v for k, v in tensors.items()})
    meta = {"labels": LABELS, "tuned_layers": args.tuned_layers, "epochs": args.epochs, **chosen}
    (args.out / "sentence_model.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    return 0


def choices(examples: list[Example], y: np.ndarray, probabilities: np.ndarray, sets: list[str]) -> dict:
    """What is chosen on the out-of-set probabilities: thresholds, the rewrite's doubt, the pattern
    veto, and the out-of-set figures they give (the part of sentence_model.json that is not weights)."""
    graceful, poor = _replies(examples)
    thresholds = pick_thresholds(y, probabilities, graceful, poor)
    report = summarise(examples, y, probabilities, np.array(thresholds), sets, graceful, poor)
    print(json.dumps(report["out_of_set"], indent=2), file=sys.stderr)
    return {"warning_at": dict(zip(LABELS, thresholds, strict=True)),
            "info_at": {label: round(t * INFO_RATIO, 4) for label, t in zip(LABELS, thresholds, strict=True)},
            "broken_draft_doubt_at": pick_broken_draft_doubt(y, probabilities, poor),
            "pattern_veto_below": pick_pattern_veto(examples, y, probabilities),
            "alone_warning_margin": ALONE_WARNING_MARGIN, "alone_warning_cap": ALONE_WARNING_CAP, **report}


def _replies(examples: list[Example]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Row indices of each graceful reply's sentences, and of each poor reply's (grouped once per
    choice, then shared by what is chosen)."""
    rows: dict[str, list[int]] = {}
    graceful: set[str] = set()
    for i, example in enumerate(examples):
        if example.reply:
            rows.setdefault(example.reply, []).append(i)
            if example.graceful:
                graceful.add(example.reply)
    return ([np.array(r) for k, r in rows.items() if k in graceful],
            [np.array(r) for k, r in rows.items() if k not in graceful])


def _offending(y: np.ndarray, poor: list[np.ndarray]) -> np.ndarray:
    """Row indices of the poor replies' offending sentences."""
    rows = np.concatenate(poor)
    return rows[y[rows].sum(1) > 0]


def _reply_measures(flagged: np.ndarray, y: np.ndarray, graceful: list[np.ndarray],
                    poor: list[np.ndarray], offending: np.ndarray) -> tuple[float, float, float]:
    """Share of graceful replies given any warning, share of poor replies' broken principles found,
    and share of poor replies' offending sentences (`_offending`) given a warning."""
    warned = float(np.mean([flagged[rows].any() for rows in graceful]))
    expected = found = 0
    for rows in poor:
        truth = y[rows].max(0) > 0
        expected += int(truth.sum())
        found += int((flagged[rows].any(0) & truth).sum())
    return warned, found / max(expected, 1), float(flagged[offending].any(1).mean())


def pick_thresholds(y: np.ndarray, probabilities: np.ndarray, graceful: list[np.ndarray],
                    poor: list[np.ndarray]) -> list[float]:
    """A warning threshold per principle. Starting high, each round lowers the one principle's
    threshold, by as many steps (up to LOOKAHEAD) as buy the most for each graceful reply warned,
    where what is bought is SPEC's two measures on poor replies: flags found and offending sentences
    underlined, weighed by FOUND_WEIGHT. It stops when any further step would warn more graceful replies (of
    sets the model never saw) than the budget allows."""
    offending = _offending(y, poor)
    thresholds = np.full(len(LABELS), THRESHOLD_STEPS[0])

    def measure(trial: np.ndarray) -> tuple[float, float]:
        warned, found, underlined = _reply_measures(probabilities >= trial, y, graceful, poor, offending)
        return warned, FOUND_WEIGHT * found + (1 - FOUND_WEIGHT) * underlined

    warned, gained = measure(thresholds)
    while True:
        best: tuple[float, np.ndarray, float, float] | None = None
        for i in range(len(LABELS)):
            lower = THRESHOLD_STEPS[THRESHOLD_STEPS < thresholds[i] - 1e-9][:LOOKAHEAD]
            for level in lower:
                trial = thresholds.copy()
                trial[i] = level
                trial_warned, trial_gained = measure(trial)
                if trial_warned > GRACEFUL_WARNED_BUDGET:
                    break
                value = (trial_gained - gained + 1e-4) / (trial_warned - warned + 1e-3)
                if best is None or value > best[0]:
                    best = (value, trial, trial_warned, trial_gained)
        if best is None:
            return [round(float(t), 4) for t in thresholds]
        _, thresholds, warned, gained = best


def pick_broken_draft_doubt(y: np.ndarray, probabilities: np.ndarray, poor: list[np.ndarray]) -> float:
    """In a draft that already breaks a principle the rewrite keeps a sentence only below this
    probability: the highest level that keeps no more than the allowed share of poor replies'
    offending sentences (of sets the model never saw)."""
    highest = probabilities[_offending(y, poor)].max(1)
    allowed = [level for level in DOUBT_STEPS if (highest < level).mean() <= REWRITE_KEEPS_OFFENDING_BUDGET]
    return round(float(max(allowed, default=DOUBT_STEPS[0])), 4)


def pick_pattern_veto(examples: list[Example], y: np.ndarray, probabilities: np.ndarray) -> float:
    """The highest probability below which the model may turn a pattern's warning into a suggestion:
    every principle of every sentence the warning covers reads below it (out-of-set), and no more
    than the allowed share of the patterns' warnings on offending sentences of the training replies
    is lost that way."""
    from api.judge import Draft, run_rules
    from api.judge.detectors import MODEL_RULES, sentences_under, vetoable
    from evals.judgement import read_replies, reply_context

    highest = {e.text: float(p.max()) for e, p in zip(examples, probabilities, strict=True)}
    offending = {e.text: bool(t.sum() > 0) for e, t in zip(examples, y, strict=True)}
    readings: list[tuple[float, bool]] = []  # per pattern warning: its sentences' highest reading, and whether one offends
    for path in training_files():
        for item in read_replies(path):
            if "draft" not in item:
                continue  # a sentence set
            draft = Draft(item["draft"], reply_context(item))
            for finding in run_rules(draft, disabled=MODEL_RULES):
                if not vetoable(finding):
                    continue
                covered = [draft.sentences[i].text for i in sentences_under(draft, finding)]
                if covered and all(t in highest for t in covered):
                    readings.append((max(highest[t] for t in covered), any(offending[t] for t in covered)))
    true_warnings = np.array([r for r, offends in readings if offends])
    false_warnings = np.array([r for r, offends in readings if not offends])
    chosen = 0.0
    for level in VETO_STEPS:
        if (true_warnings < level).mean() > PATTERN_VETO_LOSS_BUDGET:
            break
        chosen = float(level)
    print(f"pattern warnings: {len(true_warnings)} on offending sentences, {len(false_warnings)} on clean ones; "
          f"below {chosen}: {int((true_warnings < chosen).sum())} and {int((false_warnings < chosen).sum())}",
          file=sys.stderr)
    return round(chosen, 4)


def summarise(examples: list[Example], y: np.ndarray, p: np.ndarray, threshold: np.ndarray, sets: list[str],
              graceful: list[np.ndarray], poor: list[np.ndarray]) -> dict:
    offending = y.sum(1) > 0
    flagged = p >= threshold
    per_set = {}
    for name in sets:
        rows = np.array([e.source == name for e in examples])
        hit = (flagged & (y > 0)).any(1)
        per_set[name] = {
            "sentences": int(rows.sum()),
            "offending": int((rows & offending).sum()),
            "offending_found": int((rows & offending & hit).sum()),
            "clean_flagged": int((rows & ~offending & flagged.any(1)).sum()),
        }
    per_principle = {
        label: {"offending": int(y[:, i].sum()), "found": round(float(flagged[y[:, i] > 0, i].mean()), 3)}
        for i, label in enumerate(LABELS)
    }
    warned, found, underlined = _reply_measures(flagged, y, graceful, poor, _offending(y, poor))
    return {
        "trained_on": sets,
        "sentences": len(examples),
        "offending_sentences": int(offending.sum()),
        "out_of_set": {
            "offending_found": round(float((flagged & (y > 0)).any(1)[offending].mean()), 3),
            "clean_flagged": round(float(flagged.any(1)[~offending].mean()), 3),
            "graceful_replies_warned": round(warned, 3),
            "poor_replies_flags_found": round(found, 3),
            "poor_replies_offending_underlined": round(underlined, 3),
            "per_principle": per_principle,
            "per_set": per_set,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
