"""Judgement measures on labelled replies (corpus/replies/*.jsonl): what the judge finds, what it
underlines, what it warns wrongly, and what its rewrite keeps. Needs no judge of its own: every
poor reply carries its hand-marked offending sentences.

    python -m evals.judgement corpus/replies/heldout_*.jsonl [--json out.json]
"""

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from api.engines.local import coach_locally
from api.judge.detectors import RULES
from api.judge.text.memo import MEMO
from api.schemas import CoachContext, CoachRequest, CoachResponse
from evals.checks import keeps_phrase, phrase_span

BREAKING = ("warning", "critical")


@dataclass
class SetMeasures:
    name: str
    replies: int
    poor: int
    good: int
    flags_expected: int
    flags_found: int
    offending: int
    underlined: int
    touched: int
    good_warned: int
    poor_ready: int
    rewrites_keeping_offending: int
    rewrites_not_ready: int
    rewrites_dropping_names: int
    auc: float

    def row(self) -> list[str]:
        def pct(n: int, d: int) -> str:
            return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"

        return [self.name, pct(self.flags_found, self.flags_expected), pct(self.underlined, self.offending),
                pct(self.touched, self.offending), pct(self.good_warned, self.good), pct(self.poor_ready, self.poor),
                pct(self.rewrites_keeping_offending, self.poor), pct(self.rewrites_not_ready, self.poor),
                f"{self.auc:.3f}"]


HEADER = ["set", "flags found", "offending underlined", "offending touched", "graceful warned",
          "poor judged ready", "rewrites keeping an offending line", "rewrites not ready", "AUC"]


def read_replies(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def reply_context(reply: dict) -> CoachContext:
    """The context a labelled reply was written in, as the API takes it."""
    return CoachContext(**{k: v for k, v in (reply.get("context") or {}).items() if k in CoachContext.model_fields})


def coach(reply: dict) -> CoachResponse:
    return coach_locally(CoachRequest(draft=reply["draft"], context=reply_context(reply)))


def measure(name: str, replies: list[dict]) -> SetMeasures:
    poor = [r for r in replies if r["label"] == "poor"]
    good = [r for r in replies if r["label"] == "good"]
    m = SetMeasures(name, len(replies), len(poor), len(good), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)
    overall: dict[str, list[int]] = {"good": [], "poor": []}
    for reply in replies:
        response = coach(reply)
        overall[reply["label"]].append(response.scores.overall)
        spans = [(c.start, c.end) for c in response.critiques if c.severity in BREAKING and c.start is not None]
        if reply["label"] == "good":
            m.good_warned += bool(spans)
            continue
        m.flags_expected += len(reply["flags"])
        m.flags_found += sum(response.scores.principles[p].status == "broken" for p in reply["flags"])
        m.poor_ready += response.scores.verdict == "ready"
        rewrite = response.rewrite
        kept = False
        for offending in reply["offending"]:
            start, end = phrase_span(reply["draft"], offending["quote"])
            m.offending += 1
            m.underlined += any(s <= start and end <= e for s, e in spans)
            m.touched += any(s < end and start < e for s, e in spans)
            kept = kept or (rewrite is not None and keeps_phrase(rewrite.text, offending["quote"]))
        m.rewrites_keeping_offending += kept
        if rewrite is not None:
            m.rewrites_not_ready += rewrite.scores.verdict != "ready"
            names = [n for n in ((reply.get("context") or {}).get("recipient_name"),) if n]
            m.rewrites_dropping_names += any(n.split()[0] not in rewrite.text for n in names)
    m.auc = auc(overall["good"], overall["poor"])
    return m


def auc(good: list[int], poor: list[int]) -> float:
    """Probability that a graceful reply outscores a poor one (ties count half)."""
    if not good or not poor:
        return float("nan")
    wins = sum((g > p) + 0.5 * (g == p) for g in good for p in poor)
    return wins / (len(good) * len(poor))


DETECTORS = ("all", "patterns", "model")


@contextmanager
def only_detectors(which: str) -> Iterator[None]:
    """Judge with every detector, with all but the sentence model ("patterns": patterns, functions,
    and derived rules), or with the sentence model alone."""
    if which == "all":
        yield
        return
    keep_model = which == "model"
    saved = dict(RULES)
    for rule_id, rule in saved.items():
        if (rule.kind == "sentence_model") != keep_model and rule.severity != "info":
            del RULES[rule_id]
    MEMO.clear()
    try:
        yield
    finally:
        RULES.clear()
        RULES.update(saved)
        MEMO.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.judgement", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="write the measures here as JSON")
    parser.add_argument("--detectors", choices=DETECTORS, default="all",
                        help="judge with all detectors (default), all but the sentence model, or the model alone")
    args = parser.parse_args(argv)
    with only_detectors(args.detectors):
        results = [measure(path.stem, read_replies(path)) for path in args.sets]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for result in results:
        print("| " + " | ".join(result.row()) + " |")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
