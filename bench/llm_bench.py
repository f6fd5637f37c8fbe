"""`python -m bench.llm_bench`: the llm engine's overhead, concurrency, memory and prompt size, as ratios.

Everything runs against the fake OpenAI-compatible server from tests/fakes on a loopback port,
so the numbers measure this service, not a provider.
"""

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake server lives with the tests

from fakes.openai_server import FakeOpenAI, Reply  # noqa: E402

from api.engines.llm import LlmEngine  # noqa: E402
from api.engines.llm_checks import CoachAnswer, coach_messages, rewrite_problems  # noqa: E402
from api.engines.rewrite import local_rewrite  # noqa: E402
from api.judge import score_draft  # noqa: E402
from api.llm_client import (  # noqa: E402
    litellm_module,
    prepared_messages,
    response_format_kind,
    response_format_param,
)
from api.schemas import CoachRequest  # noqa: E402
from api.settings import Settings  # noqa: E402
from bench.drafts import draft_pool  # noqa: E402

MODEL = "openai/fake-coach"
KIND = response_format_kind(MODEL, "auto")


def bare_prompt(request: CoachRequest) -> tuple[list[dict], dict | None]:
    """The messages and response_format the engine sends for this request, for a bare litellm call."""
    return prepared_messages(coach_messages(request), CoachAnswer, KIND), response_format_param(KIND, CoachAnswer)
OVERHEAD_LATENCY_S = 0.05
CONCURRENT_LATENCY_S = 0.5
CONCURRENT_REQUESTS = 200
SAMPLES = 40


def scripted_answers(drafts: list[str]) -> dict[str, str]:
    """A valid answer per draft whose rewrite passes the server's checks, so each coach is one call."""
    answers = {}
    for draft in drafts:
        request = CoachRequest(draft=draft)
        overall = score_draft(draft).scores.overall
        rewrite = next((r for r in (local_rewrite(draft), draft) if not rewrite_problems(r, request, overall)), None)
        if rewrite is None:
            continue
        answers[draft] = json.dumps({"summary": "Warm and clear.", "critiques": [
            {"principle": "networking", "severity": "info", "quote": draft.split()[0],
             "message": "Consider offering to stay in touch.", "suggestion": None}], "rewrite": rewrite})
    return answers


def answer_from(answers: dict[str, str], delay_s: float):
    def reply(body: dict) -> Reply:
        user = body["messages"][-1]["content"]
        found = re.search(r"<<<DRAFT (\w+)>>>\n(.*)\n<<<END DRAFT \1>>>", user, re.DOTALL)
        return Reply(content=answers[found.group(2)] if found else "", delay_s=delay_s)
    return reply


def settings_for(fake: "FakeProcess") -> Settings:
    return Settings(_env_file=None, model=MODEL, api_base=fake.url, api_key="bench", cache_size=0,
                    timeout_s=60, call_timeout_s=60, retries=0)


async def overhead(fake: "FakeProcess", drafts: list[str], samples: int = SAMPLES,
                   latency_s: float = OVERHEAD_LATENCY_S) -> dict:
    """Coach p50 against a bare litellm.acompletion of the same prompt to the same server."""
    litellm = litellm_module()
    engine = LlmEngine(settings_for(fake))
    coach_ms: list[float] = []
    bare_ms: list[float] = []
    for index in range(samples + 3):
        request = CoachRequest(draft=drafts[index % len(drafts)])
        messages, response_format = bare_prompt(request)
        started = time.perf_counter()
        await litellm.acompletion(model=MODEL, messages=messages, api_base=fake.url, api_key="bench",
                                  response_format=response_format)
        bare = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        response = await engine.coach(request, None, strict=True)
        coached = (time.perf_counter() - started) * 1000
        assert not response.engine.degraded, response.engine.reason
        if index >= 3:  # the first calls open connections
            bare_ms.append(bare)
            coach_ms.append(coached)
    coach_p50, bare_p50 = statistics.median(coach_ms), statistics.median(bare_ms)
    return {"coach_p50_ms": coach_p50, "bare_p50_ms": bare_p50, "ratio": coach_p50 / bare_p50,
            "overhead_ms": coach_p50 - bare_p50, "fake_latency_ms": latency_s * 1000}


async def concurrency(fake: "FakeProcess", drafts: list[str]) -> dict:
    """Wall time of many concurrent coach requests against one request's time."""
    engine = LlmEngine(settings_for(fake))
    started = time.perf_counter()
    await engine.coach(CoachRequest(draft=drafts[0]), None, strict=True)
    single_s = time.perf_counter() - started
    started = time.perf_counter()
    responses = await asyncio.gather(
        *(engine.coach(CoachRequest(draft=d), None, strict=True) for d in drafts[:CONCURRENT_REQUESTS]),
        return_exceptions=True,
    )
    wall_s = time.perf_counter() - started
    failures = sum(1 for r in responses if isinstance(r, BaseException) or r.engine.degraded)
    # The same calls through bare litellm: what is left over is this service's own CPU work.
    litellm = litellm_module()
    prompts = [bare_prompt(CoachRequest(draft=d)) for d in drafts[:CONCURRENT_REQUESTS]]
    started = time.perf_counter()
    await asyncio.gather(*(litellm.acompletion(model=MODEL, messages=m, api_base=fake.url, api_key="bench",
                                               response_format=f) for m, f in prompts))
    bare_wall_s = time.perf_counter() - started
    return {"requests": CONCURRENT_REQUESTS, "single_s": single_s, "wall_s": wall_s,
            "ratio": wall_s / single_s, "failures": failures, "bare_wall_s": bare_wall_s,
            "ratio_to_bare": wall_s / bare_wall_s}


async def served_concurrency(fake: "FakeProcess", drafts: list[str], workers: int) -> dict:
    """The same 200 concurrent coaches over HTTP to `reply-coach serve --workers N`, against one request."""
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLY_COACH_")}
    env.update(REPLY_COACH_MODEL=MODEL, REPLY_COACH_API_BASE=fake.url, REPLY_COACH_API_KEY="bench",
               REPLY_COACH_CACHE_SIZE="0", REPLY_COACH_TIMEOUT_S="60", REPLY_COACH_CALL_TIMEOUT_S="60",
               REPLY_COACH_RETRIES="0")
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--workers", str(workers), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        limits = httpx.Limits(max_connections=CONCURRENT_REQUESTS + 10, max_keepalive_connections=CONCURRENT_REQUESTS)
        async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    ready = await client.get("/readyz")
                    if ready.status_code == 200 and ready.json().get("engines", {}).get("llm"):
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

            async def one(draft: str) -> bool:
                response = await client.post("/v1/coach", json={"draft": draft, "options": {"engine": "llm"}})
                return response.status_code == 200 and not response.json()["engine"]["degraded"]

            for draft in drafts[:4]:  # every worker opens its connections to the model server
                await one(draft)
            started = time.perf_counter()
            await one(drafts[0])
            single_s = time.perf_counter() - started
            cpu_before = _tree_cpu_s(server.pid)
            started = time.perf_counter()
            results = await asyncio.gather(*(one(d) for d in drafts[:CONCURRENT_REQUESTS]))
            wall_s = time.perf_counter() - started
            cpu = {pid: after - cpu_before.get(pid, 0.0) for pid, after in _tree_cpu_s(server.pid).items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"workers": workers, "requests": CONCURRENT_REQUESTS, "single_s": single_s, "wall_s": wall_s,
            "ratio": wall_s / single_s, "failures": results.count(False),
            "worker_cpu_s": sorted((round(v, 2) for v in cpu.values() if v > 0.05), reverse=True)}


def _tree_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and its children, by pid (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            found[current] = (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(child) for child in children)
    return found


def memory() -> dict:
    """RSS of a fresh process with the app loaded, before and after litellm is imported."""
    code = (
        "import json\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS'): return int(line.split()[1]) / 1024\n"
        "import api.app; api.app.create_app(); before = rss()\n"
        "from api.llm_client import litellm_module; litellm_module(); print(json.dumps([before, rss()]))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    before, after = json.loads(output.stdout.strip().splitlines()[-1])
    return {"app_mib": before, "with_litellm_mib": after, "ratio": after / before}


def prompt_size(draft: str) -> dict:
    """Prompt tokens for one 150-word draft, with the schema sent as response_format or in the prompt."""
    litellm = litellm_module()
    messages = coach_messages(CoachRequest(draft=draft))
    with_schema_in_prompt = prepared_messages(messages, CoachAnswer, "none")
    counted = litellm.token_counter(model="gpt-4o-mini", messages=messages)
    in_prompt = litellm.token_counter(model="gpt-4o-mini", messages=with_schema_in_prompt)
    draft_tokens = litellm.token_counter(model="gpt-4o-mini", text=draft)
    return {"draft_words": len(draft.split()), "draft_tokens": draft_tokens, "prompt_tokens": counted,
            "prompt_tokens_schema_in_prompt": in_prompt, "ratio": counted / draft_tokens}


def serve_fake(delay_s: float) -> None:
    """Child-process mode: serve the scripted answers with delay_s latency until stdin closes."""
    with FakeOpenAI(default=answer_from(scripted_answers(bench_drafts()), delay_s)) as fake:
        print(fake.port, flush=True)
        sys.stdin.read()


def bench_drafts() -> list[str]:
    return draft_pool(CONCURRENT_REQUESTS * 2, 120, 180)


class FakeProcess:
    """The fake server in its own process, so its work does not share this process's GIL."""

    def __init__(self, delay_s: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.llm_bench", "serve-fake", str(delay_s)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}/v1"  # type: ignore[union-attr]

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=10)


def main() -> None:
    if sys.argv[1:2] == ["serve-fake"]:
        serve_fake(float(sys.argv[2]))
        return
    print("Preparing answers and loading litellm ...", flush=True)
    drafts = list(scripted_answers(bench_drafts()))[:CONCURRENT_REQUESTS]
    litellm_module()
    results: dict = {}
    runs = (
        ("overhead", OVERHEAD_LATENCY_S, lambda fake: overhead(fake, drafts)),
        ("overhead_slow_model", CONCURRENT_LATENCY_S,
         lambda fake: overhead(fake, drafts, samples=12, latency_s=CONCURRENT_LATENCY_S)),
        ("concurrency", CONCURRENT_LATENCY_S, lambda fake: concurrency(fake, drafts)),
        ("served_1_worker", CONCURRENT_LATENCY_S, lambda fake: served_concurrency(fake, drafts, 1)),
        ("served_2_workers", CONCURRENT_LATENCY_S, lambda fake: served_concurrency(fake, drafts, 2)),
    )
    for name, delay_s, run in runs:
        fake = FakeProcess(delay_s)
        try:
            results[name] = asyncio.run(run(fake))
        finally:
            fake.close()
    results["memory"] = memory()
    sized = min(drafts, key=lambda d: abs(len(d.split()) - 150))
    results["prompt"] = prompt_size(sized)

    c, m, p = results["concurrency"], results["memory"], results["prompt"]
    for o in (results["overhead"], results["overhead_slow_model"]):
        print(f"llm coach p50 vs bare litellm ({o['fake_latency_ms']:.0f} ms fake model): "
              f"{o['coach_p50_ms']:.1f} ms vs {o['bare_p50_ms']:.1f} ms, ratio {o['ratio']:.3f} "
              f"(+{o['overhead_ms']:.1f} ms; target within 10%)")
    print(f"{c['requests']} concurrent coach requests (500 ms fake model): {c['wall_s']:.2f} s vs one "
          f"request {c['single_s']:.2f} s, ratio {c['ratio']:.2f} ({c['failures']} failed or degraded); "
          f"bare litellm {c['bare_wall_s']:.2f} s, ratio to bare {c['ratio_to_bare']:.2f}")
    for name in ("served_1_worker", "served_2_workers"):
        w = results[name]
        print(f"{w['requests']} concurrent /v1/coach over HTTP, reply-coach serve --workers {w['workers']}: "
              f"{w['wall_s']:.2f} s vs one request {w['single_s']:.2f} s, ratio {w['ratio']:.2f} "
              f"({w['failures']} failed or degraded; target < 2 with 2 workers); CPU s by process {w['worker_cpu_s']}")
    print(f"RSS: app {m['app_mib']:.0f} MiB, with litellm loaded {m['with_litellm_mib']:.0f} MiB, "
          f"ratio {m['ratio']:.2f}")
    print(f"Prompt for a {p['draft_words']}-word draft ({p['draft_tokens']} tokens): {p['prompt_tokens']} "
          f"prompt tokens with response_format, {p['prompt_tokens_schema_in_prompt']} with the schema in "
          f"the prompt; ratio to the draft {p['ratio']:.1f}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
