"""§5: /v1/score throughput against a bare endpoint in the same process, alternating rounds."""

import asyncio
import json
import statistics

from bench.client import Server, build_request, free_port, load, python_module
from bench.drafts import draft_pool

CONNECTIONS = 8
PAIRS = 4
ROUND_SECONDS = 3.0
ROUND_MAX_REQUESTS = 20_000
TARGET = 0.5


def _as_you_type(drafts: list[str], step: int = 2) -> list[str]:
    """Every draft as it grows while being typed, a couple of words at a time."""
    texts = []
    for draft in drafts:
        words = draft.split(" ")
        texts.extend(" ".join(words[:end]) for end in range(step, len(words) + 1, step))
    return texts


def _payloads(port: int, workload: str) -> tuple[list[bytes], list[bytes]]:
    # "pool": 50 finished drafts sent again and again (a page re-scored on every pause);
    # "typing": each request a new text, as a draft grows word by word (only its last sentence is new).
    drafts = draft_pool(50, 120, 180)
    if workload == "typing":
        drafts = _as_you_type(drafts)
    score = [build_request("/v1/score", json.dumps({"text": d}).encode(), port) for d in drafts]
    # The bare route receives the very same bodies, so the ratio measures the scoring work alone.
    bare = [build_request("/bench/bare", json.dumps({"text": d}).encode(), port) for d in drafts]
    return bare, score


async def _run(workload: str) -> dict:
    port = free_port()
    bare, score = _payloads(port, workload)
    with Server(python_module("bench.serve_app", "--port", str(port)), port) as server:
        await server.wait_until(score[0])
        # Warm both routes (first-request work, allocator growth) before any round counts.
        for payloads in (bare, score):
            await load(port, payloads, connections=CONNECTIONS, max_requests=200, max_seconds=2.0)
        rounds: dict[str, list] = {"bare": [], "score": []}
        for _ in range(PAIRS):
            for name, payloads in (("bare", bare), ("score", score)):
                result = await load(port, payloads, connections=CONNECTIONS, max_requests=ROUND_MAX_REQUESTS,
                                    max_seconds=ROUND_SECONDS, server_pid=server.pid)
                if result.errors:
                    raise RuntimeError(f"{name}: {result.errors} non-200 responses")
                rounds[name].append(result)
    bare_rps = statistics.median(r.rps for r in rounds["bare"])
    score_rps = statistics.median(r.rps for r in rounds["score"])
    return {
        "workload": workload,
        "connections": CONNECTIONS,
        "rounds_per_route": PAIRS,
        "bare_rps": round(bare_rps, 1),
        "score_rps": round(score_rps, 1),
        "ratio": round(score_rps / bare_rps, 3),
        "target_ratio": TARGET,
        "client_cpu_share": {k: round(max(r.client_cpu_share for r in v), 2) for k, v in rounds.items()},
        "server_cpu_share": {k: round(statistics.median(r.server_cpu_share for r in v), 2) for k, v in rounds.items()},
        # Server CPU per request shows what the route itself costs, independent of how busy the machine was.
        "server_cpu_ms_per_request": {k: round(1000 * sum(r.server_cpu_s for r in v) / sum(r.requests for r in v), 3)
                                      for k, v in rounds.items()},
        "rounds_rps": {k: [round(r.rps, 1) for r in v] for k, v in rounds.items()},
    }


def main() -> dict:
    result = _report(asyncio.run(_run("pool")))
    result["typing"] = _report(asyncio.run(_run("typing")))
    return result


def _report(result: dict) -> dict:
    print(f"throughput, workload {result['workload']} ({CONNECTIONS} keep-alive connections, "
          f"{PAIRS} alternating rounds of <= {ROUND_SECONDS:.0f} s)")
    print(f"  bare   {result['bare_rps']:8.1f} req/s   rounds {result['rounds_rps']['bare']}")
    print(f"  score  {result['score_rps']:8.1f} req/s   rounds {result['rounds_rps']['score']}")
    print(f"  ratio score/bare {result['ratio']:.3f} (target >= {TARGET})")
    print(f"  cpu share of one core: client max {result['client_cpu_share']}, server median {result['server_cpu_share']}")
    cpu = result["server_cpu_ms_per_request"]
    print(f"  server cpu per request: bare {cpu['bare']:.3f} ms, score {cpu['score']:.3f} ms "
          f"(score/bare throughput of {TARGET} needs score <= {2 * cpu['bare']:.3f} ms)")
    return result


if __name__ == "__main__":
    main()
