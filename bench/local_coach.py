"""§5: the local coach in-process on 150-word drafts, beside a plain request validation."""

import statistics
import time

from bench.drafts import exact_length_pool

MAX_ITERATIONS = 400
MAX_SECONDS = 8.0
WARMUP = 20
TARGET_MS = 10.0


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _time_each(call, bodies: list[dict], iterations: int, seconds: float) -> list[float]:
    samples = []
    deadline = time.perf_counter() + seconds
    for i in range(iterations):
        if time.perf_counter() > deadline:
            break
        body = bodies[i % len(bodies)]
        started = time.perf_counter()
        call(body)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> dict:
    from api.engines.local import coach_locally
    from api.judge import prepare_scoring
    from api.schemas import CoachRequest

    prepare_scoring()
    bodies = [{"draft": d, "context": {"company": "Northwind", "role": "Data Engineer"}} for d in exact_length_pool(50, 150)]

    def coach(body: dict) -> None:
        coach_locally(CoachRequest.model_validate(body))

    def validate(body: dict) -> None:
        CoachRequest.model_validate(body)

    for i in range(WARMUP):
        coach(bodies[i % len(bodies)])
    # Interleave the two in blocks so both see the same machine noise.
    coach_ms: list[float] = []
    validate_ms: list[float] = []
    block = MAX_ITERATIONS // 8
    for _ in range(8):
        coach_ms += _time_each(coach, bodies, block, MAX_SECONDS / 8)
        validate_ms += _time_each(validate, bodies, block, 0.5)
    p50, p95 = statistics.median(coach_ms), _percentile(coach_ms, 0.95)
    base50 = statistics.median(validate_ms)
    result = {
        "samples": len(coach_ms),
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "target_ms": TARGET_MS,
        "p50_over_target": round(p50 / TARGET_MS, 3),
        "validate_p50_ms": round(base50, 4),
        "p50_over_validate": round(p50 / base50, 1),
    }
    print(f"local coach, 150-word drafts, in-process ({len(coach_ms)} samples, rewrite on)")
    print(f"  coach_locally  p50 {p50:7.3f} ms  p95 {p95:7.3f} ms   p50/target {result['p50_over_target']:.2f} (target < 1, {TARGET_MS:.0f} ms)")
    print(f"  model_validate p50 {base50:7.4f} ms   coach p50 / validate p50 = {result['p50_over_validate']:.0f}x")
    return result


if __name__ == "__main__":
    main()
