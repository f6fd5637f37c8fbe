"""`reply-coach eval`: runs the cases through the coach (the same path as the HTTP API), checks each
answer, asks a judge, prints a summary and writes JSON, JUnit XML and Markdown reports.

Exit status: 0 at or above the pass threshold, 1 below it, 2 when the suite cannot run.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.coach_errors import CoachError
from api.coaching import CoachService
from api.prompts import PROMPTS_DIR
from api.schemas import CoachOptions, CoachRequest, CoachResponse
from api.settings import Settings, get_settings
from evals.cache import CACHE_DIR, AnswerCache, prompts_digest
from evals.cases import CASES_DIR, Case, CaseError, load_cases
from evals.checks import CheckResult, check_response
from evals.judges import Judge, JudgeUnavailable, make_judge
from evals.reports import build_report, print_summary, write_reports

DEFAULT_MIN_PASS_RATE = 0.95
# SPEC §5: offending sentences underlined >= 90%, and a rewrite keeps none of them.
DEFAULT_MIN_PHRASE_RATE = 0.90


@dataclass
class CaseRun:
    case: Case
    run: int
    checks: list[CheckResult] = field(default_factory=list)
    judge: dict[str, Any] | None = None
    error: str | None = None
    response: CoachResponse | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks if not c.phrase)


class CoachRunner:
    """Coaches a case with the chosen engine; model answers go through the disk cache."""

    def __init__(self, engine: str, model: str | None, settings: Settings, cache: AnswerCache) -> None:
        self.engine = engine
        self.model = model
        self.settings = settings
        self.cache = cache
        self.service = CoachService(settings)
        self.prompt_version = coach_prompt_version() if engine == "llm" else None

    def request(self, case: Case) -> CoachRequest:
        return CoachRequest(draft=case.draft, context=case.context,
                            options=CoachOptions(engine=self.engine, model=self.model))

    async def coach(self, case: Case, run: int) -> CoachResponse:
        request = self.request(case)
        if self.engine != "llm":
            return await self.service.coach(request)
        # Each repeat has its own cached sample: variance is measured once, then replayed.
        key = {"kind": "coach", "model": self.model or self.settings.model, "prompt_version": self.prompt_version,
               "request": request.model_dump(mode="json"), "sample": run}
        cached = self.cache.get(key)
        if cached is not None:
            return CoachResponse.model_validate(cached)
        response = await self.service.coach(request)
        if not response.engine.degraded:
            self.cache.put(key, response.model_dump(mode="json"))
        return response


def coach_prompt_version() -> str:
    """The engine's declared prompt version plus a digest of the coach's templates (all of prompts/ but
    the judge's), so an edited template misses the cache even before anyone bumps the version."""
    from api.engines import llm

    declared = getattr(llm, "PROMPT_VERSION", "unversioned")
    return f"{declared}+{prompts_digest(PROMPTS_DIR, exclude=('judge/',))}"


async def run_case(case: Case, run: int, coach: CoachRunner, judge: Judge) -> CaseRun:
    result = CaseRun(case=case, run=run)
    started = time.perf_counter()
    try:
        response = await coach.coach(case, run)
        result.response = response
        result.checks = check_response(case, response)
        if coach.engine == "llm":
            result.checks.append(CheckResult("engine.not_degraded", not response.engine.degraded,
                                             response.engine.reason or "answered by the model"))
        verdict = await judge.judge(case, response)
        result.judge = {"judge": judge.name, **verdict.model_dump(by_alias=True)}
        result.checks.append(CheckResult("judge", verdict.passed, f"{verdict.score}: {verdict.reason}"))
    except CoachError as error:
        result.error = f"{error.code}: {error.message}"
    except Exception as error:  # one broken answer must not stop the other cases
        result.error = f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - started
    return result


async def run_suite(cases: list[Case], coach: CoachRunner, judge: Judge, repeat: int = 1, concurrency: int = 4,
                    on_done=None) -> list[CaseRun]:
    """Every case, repeat times, at most `concurrency` at once; results in case order."""
    limit = asyncio.Semaphore(concurrency)

    async def one(case: Case, run: int) -> CaseRun:
        async with limit:
            result = await run_case(case, run, coach, judge)
        if on_done:
            on_done(result)
        return result

    return list(await asyncio.gather(*(one(case, run) for run in range(repeat) for case in cases)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reply-coach eval",
        description="Run the eval suite against an engine and model. `reply-coach eval compare A.json B.json` "
                    "shows what changed between two runs.",
    )
    parser.add_argument("--engine", choices=["local", "llm"], default="local", help="engine to evaluate (default local)")
    parser.add_argument("--model", help="litellm model for the llm engine (default REPLY_COACH_MODEL)")
    parser.add_argument("--judge", default="local", help="'local' (offline, default) or a litellm model for the LLM judge")
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="a case file or a directory of them")
    parser.add_argument("--only", action="append", metavar="PATTERN", help="only case ids matching this glob (repeatable)")
    parser.add_argument("--repeat", type=_positive_int, default=1, help="runs per case, to measure variance")
    parser.add_argument("--concurrency", type=_positive_int, default=4, help="cases in flight at once")
    parser.add_argument("--min-pass-rate", type=_rate, default=DEFAULT_MIN_PASS_RATE,
                        help=f"exit non-zero below this share of passing runs (default {DEFAULT_MIN_PASS_RATE})")
    parser.add_argument("--min-phrase-rate", type=_rate, default=DEFAULT_MIN_PHRASE_RATE,
                        help="exit non-zero when fewer of the hand-marked offending phrases are underlined and "
                             f"dropped from the rewrite (default {DEFAULT_MIN_PHRASE_RATE})")
    parser.add_argument("--out", type=Path, default=None,
                        help="directory for the reports (default: a new temporary directory, printed at the end)")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR,
                        help=f"where model answers are cached (default {CACHE_DIR})")
    parser.add_argument("--no-cache", action="store_true", help="always ask the model; store nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or tables; the exit status says it all")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `reply-coach eval`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compare"]:
        from evals.compare import main as compare_main

        return compare_main(argv[1:])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    errors = Console(stderr=True)
    try:
        cases = load_cases(args.cases, args.only)
    except CaseError as error:
        errors.print(f"reply-coach eval: {error}", markup=False, highlight=False)
        return 2
    if not cases:
        errors.print("reply-coach eval: no cases selected", markup=False)
        return 2
    settings = get_settings()
    if args.engine == "llm":
        model = args.model or settings.model
        if not model:
            errors.print("reply-coach eval: the llm engine needs --model or REPLY_COACH_MODEL", markup=False)
            return 2
        update: dict[str, object] = {"model": model, "allowed_models": [*settings.model_allow_list, model]}
        if "cache_size" in Settings.model_fields:
            # The engine's in-memory cache would replay one answer for every repeat and hide the variance.
            update["cache_size"] = 0
        settings = settings.model_copy(update=update)
    else:
        model = None
    cache = AnswerCache(args.cache_dir, enabled=not args.no_cache)
    judge = make_judge(args.judge, cache=cache)
    try:
        judge.check_ready()
    except JudgeUnavailable as error:
        errors.print(f"reply-coach eval: {error}", markup=False)
        return 2
    coach = CoachRunner(args.engine, model, settings, cache)

    started_at = datetime.now(UTC)
    started = time.perf_counter()
    results = _run_with_progress(cases, coach, judge, args, quiet=args.quiet)
    meta = {
        "engine": args.engine,
        "model": model,
        "prompt_version": coach.prompt_version,
        "judge": judge.name,
        "cases_path": str(args.cases),
        "only": args.only or [],
        "repeat": args.repeat,
        "min_pass_rate": args.min_pass_rate,
        "min_phrase_rate": args.min_phrase_rate,
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 3),
        "cache": {"enabled": cache.enabled, "hits": cache.hits, "misses": cache.misses},
    }
    report = build_report(results, meta)
    out = args.out or Path(tempfile.mkdtemp(prefix="reply-coach-eval-"))
    paths = write_reports(report, out)
    if not args.quiet:
        console = Console()
        print_summary(report, console)
        console.print(f"Reports: {', '.join(str(p) for p in paths)}", highlight=False)
    return 0 if report["summary"]["gate"] == "pass" else 1


def _run_with_progress(cases: list[Case], coach: CoachRunner, judge: Judge, args: argparse.Namespace,
                       quiet: bool) -> list[CaseRun]:
    if quiet:
        return asyncio.run(run_suite(cases, coach, judge, args.repeat, args.concurrency))
    columns = (TextColumn("[bold]eval[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"{coach.engine}", total=len(cases) * args.repeat, failed=0)
        failed = 0

        def on_done(result: CaseRun) -> None:
            nonlocal failed
            failed += not result.passed
            progress.update(task, advance=1, failed=failed)

        return asyncio.run(run_suite(cases, coach, judge, args.repeat, args.concurrency, on_done))


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return rate


if __name__ == "__main__":
    sys.exit(main())
