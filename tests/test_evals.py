"""The eval suite has teeth: a weakened coach fails it. Plus its checks, judges, reports and compare."""

import asyncio
import json
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import api.engines.local
import api.judge.detectors
from api.engines.local import coach_locally
from api.judge.detectors.signals import has_signal
from api.judge.text.sentences import matching_copy, split_sentences
from api.schemas import CoachContext, CoachRequest
from evals import compare, runner
from evals.cache import AnswerCache
from evals.cases import Case, CaseError, Expect, load_cases
from evals.checks import CheckResult, check_response, invented_tokens, word_similarity
from evals.judges import JudgeVerdict, LlmJudge, LocalJudge
from evals.reports import build_report, to_junit_xml, write_reports

GOOD_DRAFT = """Hi Dana,

Thank you for letting me know, and for your time. I understand the decision and I enjoyed meeting the team.
I'd love to be kept in mind for future roles, and I'd be glad to stay in touch on LinkedIn.

Best regards,
Alex"""


def run_eval(tmp_path: Path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "reports"
    code = runner.main(["--quiet", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), *args])
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    return code, report


def only(ids: list[str]) -> list[str]:
    return [arg for case_id in ids for arg in ("--only", case_id)]


def write_case_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_CASE = f'''
[[case]]
id = "good"
tests = "a good draft"
draft = """{GOOD_DRAFT}"""
[case.context]
recipient_name = "Dana"
sender_name = "Alex"
[case.expect]
flagged = []
not_flagged = ["reputation", "door_open"]
'''

IMPOSSIBLE_CASE = '''
[[case]]
id = "impossible"
tests = "expects a break that is not there"
draft = "Thank you for letting me know. I'd love to be considered for future roles."
[case.expect]
flagged = ["reputation"]
'''


# Teeth: a weakened coach must fail the suite.

def test_disabling_what_reads_sarcasm_fails_the_suite(tmp_path, monkeypatch):
    reputation_cases = [c.id for c in load_cases() if "reputation" in c.expect.flagged]
    _, baseline = run_eval(tmp_path / "before", *only(reputation_cases))
    # The sentence model reads sarcasm too; both go.
    for rule_id in ("reputation.sarcasm", "reputation.reads_hostile"):
        monkeypatch.delitem(api.judge.detectors.RULES, rule_id)
    code, weakened = run_eval(tmp_path / "after", *only(reputation_cases))
    assert code == 1
    assert weakened["summary"]["pass_rate"] < 0.95
    assert weakened["summary"]["pass_rate"] < baseline["summary"]["pass_rate"]
    failing = {c["id"]: c["failed_checks"] for c in weakened["cases"] if c["pass_rate"] < 1}
    # Other rules catch some sarcasm on their own; this case is left to the sarcasm rule alone.
    assert "flagged.reputation" in failing["reputation-dig-at-product"]


def test_a_rewrite_without_the_door_open_line_fails_the_suite(tmp_path, monkeypatch):
    original = api.engines.local.local_rewrite

    def rewrite_without_door_open(*args, **kwargs):
        text = original(*args, **kwargs)
        for sentence in reversed(split_sentences(text)):
            if has_signal(matching_copy(sentence.text), "door_open.future"):
                text = text[:sentence.start] + text[sentence.end:]
        return text

    monkeypatch.setattr(api.engines.local, "local_rewrite", rewrite_without_door_open)
    code, report = run_eval(tmp_path, "--only", "good-*")
    assert code == 1
    assert report["summary"]["pass_rate"] < 0.95
    assert all(c["results"][0]["error"] is None for c in report["cases"])
    assert report["checks"]["rewrite.door_open"]["pass_rate"] < 0.5


# The runner's exit status and options.

def test_exit_status_follows_the_pass_threshold(tmp_path):
    cases = write_case_file(tmp_path, GOOD_CASE + IMPOSSIBLE_CASE)
    code, report = run_eval(tmp_path, "--cases", str(cases), "--min-pass-rate", "0.9")
    assert code == 1
    assert report["summary"]["gate"] == "fail"
    assert {c["id"]: c["pass_rate"] for c in report["cases"]} == {"good": 1.0, "impossible": 0.0}
    code, report = run_eval(tmp_path, "--cases", str(cases), "--min-pass-rate", "0.5")
    assert code == 0
    assert report["summary"]["gate"] == "pass"


def test_malformed_cases_and_bad_options_exit_2(tmp_path):
    typo = write_case_file(tmp_path, GOOD_CASE.replace("not_flagged", "not_flaged"))
    assert run_eval(tmp_path, "--cases", str(typo))[0] == 2
    contradiction = write_case_file(tmp_path, GOOD_CASE.replace("flagged = []", 'flagged = ["door_open"]'))
    assert run_eval(tmp_path, "--cases", str(contradiction))[0] == 2
    assert run_eval(tmp_path, "--only", "no-such-case")[0] == 2
    assert run_eval(tmp_path, "--min-pass-rate", "1.5")[0] == 2
    assert run_eval(tmp_path, "--engine", "llm", "--model", "")[0] == 2


def test_help_exits_0(capsys):
    assert runner.main(["--help"]) == 0
    assert "--min-pass-rate" in capsys.readouterr().out


def test_repeat_reports_each_case_across_runs(tmp_path):
    cases = write_case_file(tmp_path, GOOD_CASE + IMPOSSIBLE_CASE)
    code, report = run_eval(tmp_path, "--cases", str(cases), "--repeat", "3", "--min-pass-rate", "0")
    assert code == 0
    assert report["summary"]["runs"] == 6
    assert [(c["id"], c["runs"], c["runs_passed"]) for c in report["cases"]] == [("good", 3, 3), ("impossible", 3, 0)]


def test_every_case_file_loads():
    cases = load_cases()
    assert len(cases) >= 100
    assert len({c.id for c in cases}) == len(cases)


def test_cli_forwards_eval(tmp_path):
    from api.cli import main as cli_main

    cases = write_case_file(tmp_path, GOOD_CASE)
    assert cli_main(["eval", "--quiet", "--cases", str(cases), "--out", str(tmp_path)]) == 0


def test_eval_writes_nothing_into_the_checkout_by_default(tmp_path, monkeypatch, capsys):
    import tempfile

    from evals.cache import platform_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert platform_cache_dir() == tmp_path / "xdg" / "reply-coach" / "evals"
    assert not str(runner.CACHE_DIR).startswith(str(Path(runner.__file__).resolve().parents[1]))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    cases = write_case_file(tmp_path, GOOD_CASE)
    assert runner.main(["--cases", str(cases)]) == 0
    [out] = (tmp_path / "tmp").glob("reply-coach-eval-*")
    assert (out / "report.json").exists() and str(out) in capsys.readouterr().out.replace("\n", "")


# Checks.

def make_case(draft: str = GOOD_DRAFT, context: CoachContext | None = None, **expect) -> Case:
    return Case(id="case", tests="a case", draft=draft, context=context, expect=Expect(**expect))


def test_checks_pass_a_good_local_answer():
    case = make_case(context=CoachContext(recipient_name="Dana Whitfield", sender_name="Alex"), not_flagged=["reputation"])
    response = coach_locally(CoachRequest(draft=case.draft, context=case.context))
    failed = [c for c in check_response(case, response) if not c.passed]
    assert failed == []


def test_invented_names_dates_and_numbers_are_caught():
    case = make_case(context=CoachContext(company="Northwind"))
    assert invented_tokens("Thank you, Dana. I enjoyed Northwind.", case) == []
    assert invented_tokens("Thank you, Priya. I met Google on March 3.", case) == ["Priya", "Google", "March", "3"]


def test_names_from_the_context_must_be_kept():
    case = make_case(context=CoachContext(recipient_name="Dana Whitfield", sender_name="Alex Moreno"))
    response = coach_locally(CoachRequest(draft=case.draft, context=case.context))
    response.rewrite.text = response.rewrite.text.replace("Dana", "there").replace("Alex", "Me")
    names = next(c for c in check_response(case, response) if c.name == "rewrite.names_kept")
    assert not names.passed and "Dana Whitfield" in names.detail


def test_word_similarity():
    assert word_similarity("Thank you so much", "thank you so much") == 1.0
    assert word_similarity("Thank you so much", "Fine.") == 0.0


# Judges.

def test_local_judge_passes_a_graceful_reply_and_fails_a_hostile_one():
    case = make_case()
    good = coach_locally(CoachRequest(draft=GOOD_DRAFT))
    verdict = asyncio.run(LocalJudge().judge(case, good))
    assert verdict.passed and verdict.score >= 75
    good.rewrite.text = "This process was a joke and you wasted my time. Never contact me again."
    assert not asyncio.run(LocalJudge().judge(case, good)).passed


class FakeLlm:
    """Stands in for api.llm_client: answers with queued verdicts and records every call."""

    def __init__(self, *answers: JudgeVerdict) -> None:
        self.answers = list(answers)
        self.calls: list[dict] = []

    async def complete_structured(self, model, messages, schema, *, settings, timeout_s):
        self.calls.append({"model": model, "messages": messages, "schema": schema, "settings": settings})
        return self.answers.pop(0), {"prompt_tokens": 1, "completion_tokens": 1}


@pytest.fixture
def fake_llm(monkeypatch):
    fake = FakeLlm()
    module = types.ModuleType("api.llm_client")
    module.complete_structured = fake.complete_structured
    monkeypatch.setitem(sys.modules, "api.llm_client", module)
    return fake


def test_llm_judge_uses_its_own_model_and_the_cache(tmp_path, fake_llm):
    fake_llm.answers = [JudgeVerdict(score=90, passed=True, reason="Gracious.")]
    case = make_case()
    response = coach_locally(CoachRequest(draft=GOOD_DRAFT))
    judge = LlmJudge("judge/model", cache=AnswerCache(tmp_path))
    judge.check_ready()
    first = asyncio.run(judge.judge(case, response))
    again = asyncio.run(judge.judge(case, response))
    assert first == again == JudgeVerdict(score=90, passed=True, reason="Gracious.")
    assert len(fake_llm.calls) == 1
    call = fake_llm.calls[0]
    assert call["model"] == call["settings"].model == "judge/model"
    assert call["schema"] is JudgeVerdict
    assert response.rewrite.text in call["messages"][1]["content"]
    assert "rubric" in call["messages"][0]["content"]


def test_llm_judge_does_not_believe_a_pass_below_the_rubric_score(fake_llm):
    fake_llm.answers = [JudgeVerdict(score=60, passed=True, reason="Fine.")]
    verdict = asyncio.run(LlmJudge("judge/model").judge(make_case(), coach_locally(CoachRequest(draft=GOOD_DRAFT))))
    assert not verdict.passed


def test_judge_verdict_uses_pass_on_the_wire():
    verdict = JudgeVerdict.model_validate({"score": 88, "pass": True, "reason": "ok"})
    assert verdict.model_dump(by_alias=True) == {"score": 88, "pass": True, "reason": "ok"}
    assert "pass" in JudgeVerdict.model_json_schema()["properties"]


def test_model_answers_are_cached_and_degraded_ones_are_not(tmp_path):
    from api.settings import Settings

    settings = Settings(_env_file=None, model="fake/model")
    coach = runner.CoachRunner("llm", "fake/model", settings, AnswerCache(tmp_path))
    calls = []

    async def fake_coach(request):
        calls.append(request)
        response = coach_locally(request.model_copy(update={"options": None}))
        response.engine.degraded = len(calls) == 1
        return response

    coach.service.coach = fake_coach
    case = make_case()
    asyncio.run(coach.coach(case, 0))  # degraded: not stored
    asyncio.run(coach.coach(case, 0))
    asyncio.run(coach.coach(case, 0))  # from the cache
    asyncio.run(coach.coach(case, 1))  # another repeat is another sample
    assert len(calls) == 3


# Reports and compare.

def fake_runs(outcomes: dict[str, list[bool]]) -> list[runner.CaseRun]:
    runs = []
    for case_id, passes in outcomes.items():
        case = Case(id=case_id, tests=f"tests {case_id}", draft="Thanks.", expect=Expect(), source="x.toml")
        for index, passed in enumerate(passes):
            checks = [CheckResult("flagged.reputation", passed, "status shown", "reputation"),
                      CheckResult("rewrite.door_open", True, "ok", "door_open")]
            runs.append(runner.CaseRun(case=case, run=index, checks=checks))
    return runs


def make_report(outcomes: dict[str, list[bool]], min_pass_rate: float = 0.95) -> dict:
    return build_report(fake_runs(outcomes), {"engine": "local", "judge": "local", "repeat": 2,
                                              "min_pass_rate": min_pass_rate, "duration_s": 0.1})


def test_report_writers(tmp_path):
    report = make_report({"steady": [True, True], "flaky": [True, False], "broken": [False, False]})
    wanted = {"runs": 6, "runs_passed": 3, "pass_rate": 0.5, "cases_flaky": 1, "gate": "fail"}
    assert {k: report["summary"][k] for k in wanted} == wanted
    assert report["principles"]["reputation"] == {"checks": 6, "passed": 3, "pass_rate": 0.5}
    paths = write_reports(report, tmp_path)
    assert [p.name for p in paths] == ["report.json", "junit.xml", "report.md"]
    assert json.loads(paths[0].read_text())["summary"]["pass_rate"] == 0.5
    suite = ET.fromstring(paths[1].read_text()).find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    failure = suite.find("testcase[@name='flaky']/failure")
    assert "passed 1/2 runs" in failure.get("message") and "run 2: flagged.reputation" in failure.text
    markdown = paths[2].read_text()
    assert markdown.startswith("# Eval report: FAIL")
    assert "| reputation | 6 | 3 | 50.0% |" in markdown and "### `broken` (0.0%)" in markdown


def test_junit_marks_errors(tmp_path):
    runs = fake_runs({"crashed": [True]})
    runs[0].error = "llm_timeout: the model did not answer in time"
    report = build_report(runs, {"min_pass_rate": 0.95})
    suite = ET.fromstring(to_junit_xml(report)).find("testsuite")
    assert suite.get("errors") == "1" and suite.find("testcase/error") is not None


def test_compare_shows_flips_and_deltas(tmp_path, capsys):
    before = make_report({"a": [True, True], "b": [False, False], "c": [True, True]})
    after = make_report({"a": [False, True], "b": [True, True], "d": [True, True]})
    diff = compare.compare_reports(before, after)
    assert [r["id"] for r in diff["regressed"]] == ["a"]
    assert [r["id"] for r in diff["fixed"]] == ["b"]
    assert diff["added"] == ["d"] and diff["removed"] == ["c"]
    assert diff["pass_rate_delta"] == pytest.approx(0.8333 - 0.6667, abs=1e-3)
    assert diff["principles"]["reputation"]["delta"] == diff["pass_rate_delta"]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(before)), b.write_text(json.dumps(after))
    assert runner.main(["compare", str(a), str(b)]) == 0
    assert "Regressed" in capsys.readouterr().out
    assert runner.main(["compare", str(a), str(b), "--fail-on-regression"]) == 1
    assert runner.main(["compare", str(b), str(b), "--fail-on-regression"]) == 0
    assert runner.main(["compare", str(a), str(tmp_path / "missing.json")]) == 2


def test_case_errors_are_reported():
    with pytest.raises(CaseError):
        load_cases(Path("/nonexistent/cases.toml"))


# The llm engine and the LLM judge end to end, through litellm's real HTTP path to a fake server.

def test_llm_engine_and_llm_judge_against_a_fake_server(tmp_path, monkeypatch):
    from fakes.openai_server import FakeOpenAI, Reply

    from api.settings import get_settings

    def answer(body: dict) -> Reply:
        if "strict reviewer" in body["messages"][0]["content"]:
            return Reply.json({"score": 92, "pass": True, "reason": "Warm and professional."})
        return Reply.json({"summary": "Gracious.", "critiques": [], "rewrite": GOOD_DRAFT})

    cases = write_case_file(tmp_path, GOOD_CASE)
    with FakeOpenAI(default=answer) as server:
        for name in ("REPLY_COACH_API_BASE", "REPLY_COACH_JUDGE_API_BASE"):
            monkeypatch.setenv(name, server.url)
        for name in ("REPLY_COACH_API_KEY", "REPLY_COACH_JUDGE_API_KEY"):
            monkeypatch.setenv(name, "test-key")
        get_settings.cache_clear()
        try:
            args = ("--cases", str(cases), "--engine", "llm", "--model", "openai/fake-coach",
                    "--judge", "openai/fake-judge", "--repeat", "2", "--concurrency", "1")
            code, report = run_eval(tmp_path, *args)
            assert code == 0, report["cases"]
            models = [call.body["model"] for call in server.calls]
            # Two coach samples; the judge sees the same reply twice and answers once.
            assert sorted(models) == ["fake-coach", "fake-coach", "fake-judge"]
            assert report["meta"]["prompt_version"].startswith("coach-v3+")
            assert report["cases"][0]["results"][0]["judge"]["judge"] == "openai/fake-judge"
            code, report = run_eval(tmp_path, *args)
            assert code == 0 and len(server.calls) == 3  # the second run is answered from the disk cache
            assert report["meta"]["cache"]["hits"] == 4
        finally:
            get_settings.cache_clear()
