"""§5 (resident memory): RSS of `reply-coach serve` after warm-up and after 1,000 /v1/score requests,
beside a bare fastapi+uvicorn process given the same treatment."""

import asyncio
import json

from bench.client import REPO, Server, build_request, free_port, load, python_module, rss_mib
from bench.drafts import draft_pool

REQUESTS = 1000
WARMUP = 50
CONNECTIONS = 8
MAX_SECONDS = 30.0
REPLY_COACH = str(REPO / ".venv" / "bin" / "reply-coach")


async def _measure(argv_for_port, payloads_for_port) -> dict:
    port = free_port()
    payloads = payloads_for_port(port)
    with Server(argv_for_port(port), port) as server:
        await server.wait_until(payloads[0])
        await load(port, payloads, connections=CONNECTIONS, max_requests=WARMUP, max_seconds=MAX_SECONDS)
        warm = rss_mib(server.pid)
        result = await load(port, payloads, connections=CONNECTIONS, max_requests=REQUESTS, max_seconds=MAX_SECONDS)
        after = rss_mib(server.pid)
    return {"warm_mib": round(warm, 1), "after_mib": round(after, 1), "requests": result.requests,
            "errors": result.errors}


async def _run() -> dict:
    drafts = draft_pool(50, 120, 180)
    real = await _measure(
        lambda port: [REPLY_COACH, "serve", "--port", str(port)],
        lambda port: [build_request("/v1/score", json.dumps({"text": d}).encode(), port) for d in drafts],
    )
    bare = await _measure(
        lambda port: python_module("bench.bare_server", "--port", str(port)),
        lambda port: [build_request("/bench/bare", b'{"text": "hello"}', port)],
    )
    return {
        "serve": real,
        "bare": bare,
        "ratio_warm": round(real["warm_mib"] / bare["warm_mib"], 2),
        "ratio_after": round(real["after_mib"] / bare["after_mib"], 2),
        "serve_growth_mib": round(real["after_mib"] - real["warm_mib"], 1),
    }


def main() -> dict:
    result = asyncio.run(_run())
    s, b = result["serve"], result["bare"]
    print(f"resident memory (VmRSS), after {WARMUP} warm-up requests and after {REQUESTS} more")
    print(f"  reply-coach serve  warm {s['warm_mib']:6.1f} MiB  after {s['after_mib']:6.1f} MiB  ({s['requests']} served)")
    print(f"  bare fastapi       warm {b['warm_mib']:6.1f} MiB  after {b['after_mib']:6.1f} MiB  ({b['requests']} served)")
    print(f"  ratio serve/bare   warm {result['ratio_warm']:.2f}x  after {result['ratio_after']:.2f}x; "
          f"serve grew {result['serve_growth_mib']} MiB over the {REQUESTS} requests")
    return result


if __name__ == "__main__":
    main()
