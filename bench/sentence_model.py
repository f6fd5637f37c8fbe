"""§5: the sentence model. Per-sentence inference; a typing pause (one sentence of a 150-word draft
edited) over real HTTP against that sentence's own inference; the local coach with nothing cached."""

import asyncio
import json
import statistics
import time

from bench.client import Server, build_request, free_port, python_module, request_once
from bench.drafts import exact_length_pool

TRIALS = 40
TYPING_TARGET_RATIO = 1.5
TYPING_ALLOWANCE_MS = 1.0
COLD_COACH_TARGET_MS = 100.0
_EDITS = ["I also really liked hearing about the {n} project the team is planning.",
          "Our chat about the {n} rollout stayed with me on the way home.",
          "It was good to see how the {n} dashboards fit into the wider platform."]
_WORDS = ["billing", "routing", "forecasting", "payroll", "onboarding", "search", "mobile", "reporting",
          "pricing", "audit"]


def _edited(draft: str, n: int) -> tuple[str, str]:
    """The draft with its third sentence replaced by one never sent before, and that sentence."""
    sentence = _EDITS[n % len(_EDITS)].format(n=f"{_WORDS[n % len(_WORDS)]} {n}")
    parts = draft.split(". ")
    parts[2] = sentence.rstrip(".")
    return ". ".join(parts), sentence


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def _typing_pause() -> dict:
    from api.judge.detectors.sentence_model import sentence_model

    model = sentence_model()
    drafts = exact_length_pool(TRIALS, 150)
    port = free_port()
    with Server(python_module("bench.serve_app", "--port", str(port)), port) as server:
        await server.wait_until(build_request("/v1/score", b'{"text": "Thanks."}', port))
        pause_ms, inference_ms = [], []
        for n, draft in enumerate(drafts):
            # The draft as it stood before the pause is already read; then one sentence changes.
            await request_once(port, build_request("/v1/score", json.dumps({"text": draft}).encode(), port), timeout=10)
            edited, sentence = _edited(draft, n)
            payload = build_request("/v1/score", json.dumps({"text": edited}).encode(), port)
            started = time.perf_counter()
            status, _ = await request_once(port, payload, timeout=10)
            pause_ms.append(_ms(started))
            assert status == 200, status
            started = time.perf_counter()
            model._compute([sentence + " "])  # the same work on a text the model has not read
            inference_ms.append(_ms(started))
    pause, inference = statistics.median(pause_ms), statistics.median(inference_ms)
    bound = TYPING_TARGET_RATIO * inference + TYPING_ALLOWANCE_MS
    return {"pause_p50_ms": round(pause, 2), "inference_p50_ms": round(inference, 2),
            "ratio": round(pause / inference, 3), "bound_ms": round(bound, 2), "within_target": pause <= bound}


def _cold_coach() -> dict:
    from api.engines.local import coach_locally
    from api.judge import prepare_scoring
    from api.judge.text.memo import MEMO
    from api.schemas import CoachRequest

    prepare_scoring()
    requests = [CoachRequest(draft=d) for d in exact_length_pool(TRIALS, 150, seed=23)]
    coach_locally(requests[0])
    samples = []
    for request in requests:
        MEMO.clear()
        started = time.perf_counter()
        coach_locally(request)
        samples.append(_ms(started))
    p50 = statistics.median(samples)
    return {"p50_ms": round(p50, 1), "target_ms": COLD_COACH_TARGET_MS, "p50_over_target": round(p50 / COLD_COACH_TARGET_MS, 3)}


def _per_sentence() -> dict:
    from api.judge.detectors.sentence_model import sentence_model

    model = sentence_model()
    samples = []
    for n in range(TRIALS):
        sentence = _edited("a. b. c. d", n)[1]
        started = time.perf_counter()
        model._compute([sentence])
        samples.append(_ms(started))
    return {"p50_ms": round(statistics.median(samples), 2)}


def main() -> dict:
    result = {"per_sentence": _per_sentence(), "typing_pause": asyncio.run(_typing_pause()),
              "cold_coach": _cold_coach()}
    t, c = result["typing_pause"], result["cold_coach"]
    print(f"sentence model: {result['per_sentence']['p50_ms']:.1f} ms a sentence; typing pause over HTTP "
          f"{t['pause_p50_ms']:.1f} ms vs the edited sentence's inference {t['inference_p50_ms']:.1f} ms "
          f"(ratio {t['ratio']:.2f}, bound {t['bound_ms']:.1f} ms); local coach, nothing cached, p50 {c['p50_ms']:.1f} ms")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
