"""`reply-coach eval compare A.json B.json`: what changed between two eval runs."""

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def compare_reports(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Cases that flipped, the pass-rate delta and the per-principle delta from run A to run B."""
    old = {c["id"]: c for c in before["cases"]}
    new = {c["id"]: c for c in after["cases"]}
    shared = [case_id for case_id in new if case_id in old]
    regressed = [_flip(old[i], new[i]) for i in shared if new[i]["pass_rate"] < old[i]["pass_rate"]]
    fixed = [_flip(old[i], new[i]) for i in shared if new[i]["pass_rate"] > old[i]["pass_rate"]]
    principles = {}
    for name in dict.fromkeys([*before.get("principles", {}), *after.get("principles", {})]):
        a = before.get("principles", {}).get(name, {}).get("pass_rate")
        b = after.get("principles", {}).get(name, {}).get("pass_rate")
        principles[name] = {"before": a, "after": b, "delta": _delta(a, b)}
    a_rate, b_rate = before["summary"]["pass_rate"], after["summary"]["pass_rate"]
    return {
        "before": {"pass_rate": a_rate, "meta": _label_meta(before)},
        "after": {"pass_rate": b_rate, "meta": _label_meta(after)},
        "pass_rate_delta": _delta(a_rate, b_rate),
        "regressed": regressed,
        "fixed": fixed,
        "added": [i for i in new if i not in old],
        "removed": [i for i in old if i not in new],
        "principles": principles,
    }


def _flip(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {"id": after["id"], "before": before["pass_rate"], "after": after["pass_rate"],
            "failed_checks": after["failed_checks"]}


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)


def _label_meta(report: dict[str, Any]) -> dict[str, Any]:
    meta = report.get("meta", {})
    return {k: meta.get(k) for k in ("engine", "model", "prompt_version", "judge", "started_at")}


def _percent(rate: float | None, signed: bool = False) -> str:
    if rate is None:
        return "-"
    return f"{rate * 100:+.1f}" if signed else f"{rate * 100:.1f}%"


def print_comparison(diff: dict[str, Any], console: Console, before_name: str, after_name: str) -> None:
    """The pass-rate delta, flipped cases and per-principle deltas as tables."""
    console.print(
        f"Pass rate {_percent(diff['before']['pass_rate'])} ({before_name}) -> "
        f"{_percent(diff['after']['pass_rate'])} ({after_name}): {_percent(diff['pass_rate_delta'], signed=True)} points",
        highlight=False, markup=False,
    )
    for title, rows in (("Regressed", diff["regressed"]), ("Fixed", diff["fixed"])):
        if not rows:
            console.print(f"{title}: none", markup=False)
            continue
        table = Table(title=f"{title} ({len(rows)})", title_justify="left")
        for column in ("case", "before", "after", "failing now"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row["id"], _percent(row["before"]), _percent(row["after"]), ", ".join(row["failed_checks"]))
        console.print(table)
    for label in ("added", "removed"):
        if diff[label]:
            ids = diff[label]
            more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
            console.print(f"Cases {label} ({len(ids)}): {', '.join(ids[:10])}{more}", markup=False, highlight=False)
    table = Table(title="By principle", title_justify="left")
    for column in ("principle", "before", "after", "delta (points)"):
        table.add_column(column, justify="left" if column == "principle" else "right")
    for name, row in diff["principles"].items():
        table.add_row(name, _percent(row["before"]), _percent(row["after"]), _percent(row["delta"], signed=True))
    console.print(table)


def main(argv: list[str]) -> int:
    """Entry point of `reply-coach eval compare`: 0, or 1 with --fail-on-regression when a case got worse."""
    parser = argparse.ArgumentParser(prog="reply-coach eval compare", description=__doc__)
    parser.add_argument("before", type=Path, help="report.json of the baseline run (A)")
    parser.add_argument("after", type=Path, help="report.json of the new run (B)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--fail-on-regression", action="store_true", help="exit 1 when any case passes less often")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        before, after = (json.loads(path.read_text(encoding="utf-8")) for path in (args.before, args.after))
        diff = compare_reports(before, after)
    except (OSError, ValueError, KeyError, TypeError) as error:
        Console(stderr=True).print(f"reply-coach eval compare: cannot read the reports: {error}", markup=False)
        return 2
    if args.json:
        print(json.dumps(diff, indent=2))
    else:
        print_comparison(diff, Console(), str(args.before), str(args.after))
    return 1 if args.fail_on_regression and diff["regressed"] else 0
