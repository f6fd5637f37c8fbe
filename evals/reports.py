"""The eval report: one JSON-ready dict built from the runs, written as JSON, JUnit XML and Markdown."""

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from api.judge.principles import PRINCIPLE_IDS

if TYPE_CHECKING:
    from evals.runner import CaseRun

REPORT_FILES = {"json": "report.json", "junit": "junit.xml", "markdown": "report.md"}


def _phrase_tally(results: list["CaseRun"], min_rate: float) -> dict[str, Any]:
    """How the checks of hand-marked offending phrases went: underlined, and dropped by the rewrite."""
    checks = [c for r in results for c in r.checks if c.phrase]
    passed = sum(c.passed for c in checks)
    rate = round(passed / len(checks), 4) if checks else None
    return {"checks": len(checks), "passed": passed, "pass_rate": rate, "min_rate": min_rate,
            "gate": "pass" if rate is None or rate >= min_rate else "fail"}


def build_report(results: list["CaseRun"], meta: dict[str, Any]) -> dict[str, Any]:
    """Per-case, per-principle and per-check pass rates, plus the gate, from every run of every case."""
    by_case: dict[str, list[CaseRun]] = defaultdict(list)
    for result in results:
        by_case[result.case.id].append(result)
    cases = []
    for case_id, runs in by_case.items():
        runs.sort(key=lambda r: r.run)
        case = runs[0].case
        passed = sum(r.passed for r in runs)
        cases.append({
            "id": case_id,
            "tests": case.tests,
            "source": case.source,
            "runs_passed": passed,
            "runs": len(runs),
            "pass_rate": round(passed / len(runs), 4),
            "failed_checks": sorted({c.name for r in runs for c in r.checks if not c.passed}
                                    | ({"error"} if any(r.error for r in runs) else set())),
            "results": [_run_json(r) for r in runs],
        })
    total = len(results)
    passed_runs = sum(r.passed for r in results)
    pass_rate = round(passed_runs / total, 4) if total else 0.0
    summary = {
        "pass_rate": pass_rate,
        "runs": total,
        "runs_passed": passed_runs,
        "cases": len(cases),
        "cases_passed": sum(c["pass_rate"] == 1 for c in cases),
        "cases_flaky": sum(0 < c["pass_rate"] < 1 for c in cases),
        "cases_failed": sum(c["pass_rate"] == 0 for c in cases),
        "min_pass_rate": meta.get("min_pass_rate"),
        "phrases": _phrase_tally(results, meta.get("min_phrase_rate", 0)),
    }
    cases_pass = bool(total) and pass_rate >= meta.get("min_pass_rate", 0)
    summary["gate"] = "pass" if cases_pass and summary["phrases"]["gate"] == "pass" else "fail"
    return {
        "meta": meta,
        "summary": summary,
        "principles": _tally(results, lambda check: check.principle, keys=PRINCIPLE_IDS),
        "checks": _tally(results, _check_group),
        "sources": _case_tally(cases, "source"),
        "cases": cases,
    }


def _check_group(check) -> str:
    # flagged.<principle> and not_flagged.<principle> are tallied by principle already.
    return check.name.split(".")[0] if check.name.startswith(("flagged.", "not_flagged.")) else check.name


def _run_json(result: "CaseRun") -> dict[str, Any]:
    response = result.response
    return {
        "run": result.run,
        "passed": result.passed,
        "error": result.error,
        "seconds": round(result.seconds, 4),
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail, "principle": c.principle}
                   for c in result.checks],
        "judge": result.judge,
        "draft_verdict": response.scores.verdict if response else None,
        "draft_overall": response.scores.overall if response else None,
        "rewrite": response.rewrite.text if response and response.rewrite else None,
        "engine": response.engine.model_dump(mode="json") if response else None,
        "usage": response.usage.model_dump(mode="json") if response else None,
    }


def _tally(results: list["CaseRun"], key, keys: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = {k: [0, 0] for k in keys}
    for result in results:
        for check in result.checks:
            name = key(check)
            if name is None:
                continue
            count = counts.setdefault(name, [0, 0])
            count[0] += 1
            count[1] += check.passed
    return {name: {"checks": n, "passed": p, "pass_rate": round(p / n, 4) if n else None}
            for name, (n, p) in counts.items()}


def _case_tally(cases: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        count = counts[case[field]]
        count[0] += case["runs"]
        count[1] += case["runs_passed"]
    return {name: {"runs": n, "passed": p, "pass_rate": round(p / n, 4) if n else None}
            for name, (n, p) in sorted(counts.items())}


def write_reports(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.json, junit.xml and report.md into out_dir; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    writers = {"json": to_json, "junit": to_junit_xml, "markdown": to_markdown}
    paths = []
    for kind, name in REPORT_FILES.items():
        path = out_dir / name
        path.write_text(writers[kind](report), encoding="utf-8")
        paths.append(path)
    return paths


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _failure_lines(case: dict[str, Any]) -> list[str]:
    lines = []
    for result in case["results"]:
        prefix = f"run {result['run'] + 1}: " if case["runs"] > 1 else ""
        if result["error"]:
            lines.append(f"{prefix}error: {result['error']}")
        lines += [f"{prefix}{c['name']}: {c['detail']}" for c in result["checks"] if not c["passed"]]
    return lines


def to_junit_xml(report: dict[str, Any]) -> str:
    """One testcase per case, failed unless every run passed; CI test tabs read this."""
    summary = report["summary"]
    failures = sum(c["pass_rate"] < 1 and not _all_errors(c) for c in report["cases"])
    errors = sum(_all_errors(c) for c in report["cases"])
    duration = f"{report['meta'].get('duration_s', 0):.3f}"
    suites = ET.Element("testsuites", name="reply-coach evals", tests=str(summary["cases"]),
                        failures=str(failures), errors=str(errors), time=duration)
    suite = ET.SubElement(suites, "testsuite", name=_suite_name(report["meta"]), tests=str(summary["cases"]),
                          failures=str(failures), errors=str(errors), time=duration,
                          timestamp=str(report["meta"].get("started_at", "")))
    properties = ET.SubElement(suite, "properties")
    for name in ("engine", "model", "judge", "prompt_version", "repeat", "min_pass_rate"):
        ET.SubElement(properties, "property", name=name, value=str(report["meta"].get(name)))
    ET.SubElement(properties, "property", name="pass_rate", value=str(summary["pass_rate"]))
    for case in report["cases"]:
        seconds = sum(r["seconds"] for r in case["results"])
        element = ET.SubElement(suite, "testcase", classname=f"evals.{Path(case['source']).stem}",
                                name=case["id"], time=f"{seconds:.3f}")
        if case["pass_rate"] < 1:
            tag = "error" if _all_errors(case) else "failure"
            message = f"passed {case['runs_passed']}/{case['runs']} runs: {', '.join(case['failed_checks'])}"
            ET.SubElement(element, tag, message=message, type=tag).text = "\n".join(_failure_lines(case))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _all_errors(case: dict[str, Any]) -> bool:
    return all(r["error"] for r in case["results"])


def _suite_name(meta: dict[str, Any]) -> str:
    return f"evals ({meta.get('engine')}{' ' + meta['model'] if meta.get('model') else ''}, judge {meta.get('judge')})"


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    """A human report for a pull request comment or a CI job summary."""
    meta, summary = report["meta"], report["summary"]
    mark = "PASS" if summary["gate"] == "pass" else "FAIL"
    lines = [
        f"# Eval report: {mark}",
        "",
        f"- Engine: `{meta.get('engine')}`" + (f", model `{meta['model']}`" if meta.get("model") else "")
        + (f", prompts `{meta['prompt_version']}`" if meta.get("prompt_version") else ""),
        f"- Judge: `{meta.get('judge')}`",
        f"- Pass rate: **{_percent(summary['pass_rate'])}** ({summary['runs_passed']}/{summary['runs']} runs), "
        f"threshold {_percent(summary['min_pass_rate'])}",
        f"- Offending phrases underlined and dropped: {_percent(summary['phrases']['pass_rate'])} "
        f"({summary['phrases']['passed']}/{summary['phrases']['checks']} checks), "
        f"threshold {_percent(summary['phrases']['min_rate'])}",
        f"- Cases: {summary['cases']} ({summary['cases_passed']} passed, {summary['cases_flaky']} flaky, "
        f"{summary['cases_failed']} failed), {meta.get('repeat', 1)} run(s) each",
        "",
        "## By principle",
        "",
        "| principle | checks | passed | pass rate |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {t['checks']} | {t['passed']} | {_percent(t['pass_rate'])} |"
              for name, t in report["principles"].items()]
    lines += ["", "## By check", "", "| check | checks | passed | pass rate |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {t['checks']} | {t['passed']} | {_percent(t['pass_rate'])} |"
              for name, t in sorted(report["checks"].items())]
    failing = [c for c in report["cases"] if c["pass_rate"] < 1]
    lines += ["", f"## Failing cases ({len(failing)})", ""]
    if not failing:
        lines.append("None.")
    for case in failing:
        lines += [f"### `{case['id']}` ({_percent(case['pass_rate'])})", "", f"{case['tests']} ({case['source']})", ""]
        lines += [f"- {_cell(line)}" for line in _failure_lines(case)]
        rewrite = next((r["rewrite"] for r in case["results"] if r["rewrite"]), None)
        if rewrite:
            lines += ["", "<details><summary>rewrite</summary>", "", "```text", rewrite, "```", "", "</details>"]
        lines.append("")
    lines += ["", "## By case", "", "| case | source | pass rate | failed checks |", "|---|---|---:|---|"]
    lines += [f"| `{c['id']}` | {c['source']} | {_percent(c['pass_rate'])} | {_cell(', '.join(c['failed_checks']))} |"
              for c in report["cases"]]
    return "\n".join(lines).rstrip() + "\n"


def print_summary(report: dict[str, Any], console: Console) -> None:
    """Tables by principle and by failing case, then the gate."""
    summary = report["summary"]
    principles = Table(title="By principle", title_justify="left")
    for column in ("principle", "checks", "passed", "pass rate"):
        principles.add_column(column, justify="left" if column == "principle" else "right")
    for name, tally in report["principles"].items():
        principles.add_row(name, str(tally["checks"]), str(tally["passed"]), _percent(tally["pass_rate"]))
    console.print(principles)

    checks = Table(title="By check", title_justify="left")
    for column in ("check", "checks", "passed", "pass rate"):
        checks.add_column(column, justify="left" if column == "check" else "right")
    for name, tally in sorted(report["checks"].items()):
        checks.add_row(name, str(tally["checks"]), str(tally["passed"]), _percent(tally["pass_rate"]))
    console.print(checks)

    failing = [c for c in report["cases"] if c["pass_rate"] < 1]
    cases = Table(title=f"Cases not passing every run ({len(failing)} of {summary['cases']})", title_justify="left")
    for column in ("case", "pass rate", "failed checks"):
        cases.add_column(column, justify="right" if column == "pass rate" else "left", overflow="fold")
    for case in failing:
        details = "; ".join(_failure_lines(case)[:4])
        cases.add_row(case["id"], _percent(case["pass_rate"]), details)
    if failing:
        console.print(cases)
    style = "bold green" if summary["gate"] == "pass" else "bold red"
    console.print(
        f"[{style}]{summary['gate'].upper()}[/]: pass rate {_percent(summary['pass_rate'])} "
        f"({summary['runs_passed']}/{summary['runs']} runs, {summary['cases_passed']}/{summary['cases']} cases), "
        f"threshold {_percent(summary['min_pass_rate'])}; offending phrases underlined and dropped "
        f"{_percent(summary['phrases']['pass_rate'])} ({summary['phrases']['passed']}/{summary['phrases']['checks']}), "
        f"threshold {_percent(summary['phrases']['min_rate'])}",
        highlight=False,
    )
