"""Learns the word cues of api/judge/detectors/cues.py from the tuned reply sets in corpus/ and writes
api/judge/detectors/cues.json.

Every sentence of a graceful draft counts as graceful; every sentence of a poor draft counts for
each principle the draft breaks (its polite sentences share their words with graceful ones, so
they weigh nothing). Run `make cues` after adding labelled drafts or cases.
"""

import json
import math
import sys
from collections import Counter
from pathlib import Path

from api.judge.detectors.cues import TOP_TERMS, cue_score, sentence_terms
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "api" / "judge" / "detectors" / "cues.json"
CORPUS = ROOT / "corpus" / "replies"
# The word cues learn from the tuned reply sets but two (tuned_09 and tuned_10), which the corpus
# tests use to check them on replies they never saw. Training and held-out sets are not read here.
LEFT_OUT = frozenset({"tuned_09.jsonl", "tuned_10.jsonl"})
MIN_COUNT = 2
MIN_WEIGHT = 0.3
# How far above the highest-scoring graceful sentence a sentence must score to be flagged.
MARGIN = 1.5


def labelled_drafts() -> list[tuple[str, set[str], set[str]]]:
    """(draft, principles it breaks, principles it surely keeps) from corpus/replies/tuned_*.jsonl.

    A graceful draft keeps every principle; of a poor draft nothing is sure (its labels name only
    what clearly breaks). The eval cases are left out on purpose: they judge the coach, cues
    included, on replies the cues never saw.
    """
    drafts = []
    for path in sorted(CORPUS.glob("tuned_*.jsonl")):
        if path.name in LEFT_OUT:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                flags = set(row["flags"])
                drafts.append((row["draft"], flags, set() if flags else set(PRINCIPLE_IDS)))
    return drafts


def learn(drafts: list[tuple[str, set[str], set[str]]]) -> dict[str, dict]:
    graceful: Counter[str] = Counter()
    breaking: dict[str, Counter[str]] = {p: Counter() for p in PRINCIPLE_IDS}
    graceful_sentences: list[str] = []
    counts = {p: 0 for p in PRINCIPLE_IDS}
    kept_sentences: dict[str, list[str]] = {p: [] for p in PRINCIPLE_IDS}
    for draft, flags, kept in drafts:
        for sentence in split_sentences(draft):
            for principle in kept:
                kept_sentences[principle].append(sentence.text)
            terms = sentence_terms(sentence.text)
            if not flags:
                graceful.update(terms)
                graceful_sentences.append(sentence.text)
            for principle in flags:
                breaking[principle].update(terms)
                counts[principle] += 1
    cues = {}
    for principle in PRINCIPLE_IDS:
        weights = {}
        for term, count in breaking[principle].items():
            if count < MIN_COUNT:
                continue
            weight = math.log(((count + 0.5) / (counts[principle] + 1))
                              / ((graceful[term] + 0.5) / (len(graceful_sentences) + 1)))
            if weight >= MIN_WEIGHT:
                weights[term] = round(weight, 3)
        # Well above every graceful sentence, and above every sentence of a draft known to keep it.
        highest_graceful = max((cue_score(weights, s) for s in graceful_sentences), default=0.0)
        highest_kept = max((cue_score(weights, s) for s in kept_sentences[principle]), default=0.0)
        threshold = max(highest_graceful * MARGIN, highest_kept + 0.01)
        strongest = sum(sorted(weights.values(), reverse=True)[:TOP_TERMS])
        if strongest <= threshold:
            continue  # no sentence could reach it: the patterns carry this principle alone
        cues[principle] = {"threshold": round(threshold, 3), "weights": dict(sorted(weights.items()))}
    return cues


def main() -> int:
    cues = learn(labelled_drafts())
    OUTPUT.write_text(json.dumps(cues, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sizes = ", ".join(f"{p} {len(c['weights'])} terms (threshold {c['threshold']})" for p, c in cues.items()) or "none"
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
