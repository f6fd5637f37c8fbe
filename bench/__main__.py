"""`python -m bench`: run every benchmark, print a summary table and write bench/results/latest.json."""

import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import cold_start, local_coach, memory, sentence_model, throughput

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _rows(results: dict) -> list[tuple[str, str, str, str, str]]:
    rows = []
    t = results.get("throughput")
    if t:
        rows.append(("/v1/score throughput, re-sent drafts", f"{t['score_rps']:.0f} req/s",
                     f"bare {t['bare_rps']:.0f} req/s", f"{t['ratio']:.3f}", f">= {t['target_ratio']} of bare"))
        typing = t.get("typing")
        if typing:
            rows.append(("/v1/score throughput, as typed", f"{typing['score_rps']:.0f} req/s",
                         f"bare {typing['bare_rps']:.0f} req/s", f"{typing['ratio']:.3f}", f">= {t['target_ratio']} of bare"))
    c = results.get("local_coach")
    if c:
        rows.append(("local coach p50 (150 words)", f"{c['p50_ms']:.1f} ms", f"validate {c['validate_p50_ms']:.3f} ms",
                     f"{c['p50_over_validate']:.0f}x", f"< {c['target_ms']:.0f} ms ({c['p50_over_target']:.2f}x)"))
    sm = results.get("sentence_model")
    if sm:
        t, cc = sm["typing_pause"], sm["cold_coach"]
        rows.append(("sentence model, one sentence", f"{sm['per_sentence']['p50_ms']:.1f} ms", "-", "-", "-"))
        rows.append(("typing pause over HTTP (150 words, 1 edited)", f"{t['pause_p50_ms']:.1f} ms",
                     f"its inference {t['inference_p50_ms']:.1f} ms", f"{t['ratio']:.2f}x",
                     f"<= 1.5x + 1 ms ({t['bound_ms']:.1f} ms)"))
        rows.append(("local coach p50, nothing cached", f"{cc['p50_ms']:.1f} ms", "-", "-", f"< {cc['target_ms']:.0f} ms"))
    s = results.get("cold_start")
    if s:
        rows.append(("cold start to /v1/score", f"{s['serve_median_s']:.2f} s", f"bare {s['bare_median_s']:.2f} s",
                     f"{s['ratio']:.2f}x", f"< {s['target_s']} s"))
        rows.append(("litellm imported, no model", "yes" if s["litellm_imported"] else "no", "-", "-", "no"))
    m = results.get("memory")
    if m:
        rows.append(("RSS after warm-up", f"{m['serve']['warm_mib']:.0f} MiB", f"bare {m['bare']['warm_mib']:.0f} MiB",
                     f"{m['ratio_warm']:.2f}x", "-"))
        rows.append(("RSS after 1,000 scores", f"{m['serve']['after_mib']:.0f} MiB",
                     f"bare {m['bare']['after_mib']:.0f} MiB", f"{m['ratio_after']:.2f}x", "-"))
    return rows


def _print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("measure", "value", "baseline", "ratio", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> int:
    started = time.perf_counter()
    results: dict = {}
    failures = []
    for name, module in (("throughput", throughput), ("local_coach", local_coach),
                         ("sentence_model", sentence_model), ("cold_start", cold_start), ("memory", memory)):
        print(flush=True)
        try:
            results[name] = module.main()
        except Exception as error:  # one broken benchmark should not hide the others' numbers
            failures.append(name)
            results[name] = None
            print(f"{name}: FAILED: {type(error).__name__}: {error}")
        sys.stdout.flush()
    print("\nsummary (baselines measured side by side in this run)")
    _print_table(_rows(results))
    RESULTS.parent.mkdir(exist_ok=True)
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
              "cpus": os.cpu_count(), "seconds": round(time.perf_counter() - started, 1),
              "summary": [dict(zip(("measure", "value", "baseline", "ratio", "target"), r, strict=True)) for r in _rows(results)],
              "results": results}
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")

    # The llm benchmark lives in its own module and may not exist in every checkout.
    try:
        llm_bench = importlib.import_module("bench.llm_bench")
    except ModuleNotFoundError as error:
        if error.name != "bench.llm_bench":
            raise
        llm_bench = None
    if llm_bench is not None:
        print()
        llm_bench.main()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
