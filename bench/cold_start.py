"""§5: spawn to first 200 from /v1/score for `reply-coach serve`, beside a bare fastapi+uvicorn process.

Whether litellm was imported is read from the real server's own import log: the same command is run
once more with PYTHONPROFILEIMPORTTIME=1, which makes CPython report every import (including any made
lazily while serving) on stderr, and the bench looks for litellm there after a /v1/score was served.
"""

import asyncio
import json
import statistics

from bench.client import REPO, Server, build_request, free_port, python_module
from bench.drafts import draft_pool

RUNS = 5
TARGET_S = 2.0  # SPEC §5: under 2 s, sentence model loaded
REPLY_COACH = str(REPO / ".venv" / "bin" / "reply-coach")


def _score_payload(port: int) -> bytes:
    return build_request("/v1/score", json.dumps({"text": draft_pool(1)[0]}).encode(), port)


def _bare_payload(port: int) -> bytes:
    return build_request("/bench/bare", b'{"text": "hello"}', port)


async def _time_real() -> float:
    port = free_port()
    with Server([REPLY_COACH, "serve", "--port", str(port)], port) as server:
        return await server.wait_until(_score_payload(port))


async def _time_bare() -> float:
    port = free_port()
    with Server(python_module("bench.bare_server", "--port", str(port)), port) as server:
        return await server.wait_until(_bare_payload(port))


def import_log(text: str) -> list[tuple[int, int, str]]:
    """(self_us, cumulative_us, dotted name) for each line of a -X importtime log."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|", 2)
        rows.append((int(own), int(cumulative), name.rstrip()))
    return rows


async def _import_check() -> dict:
    port = free_port()
    with Server([REPLY_COACH, "serve", "--port", str(port)], port, {"PYTHONPROFILEIMPORTTIME": "1"}) as server:
        await server.wait_until(_score_payload(port))
        log = server.stderr()
    rows = import_log(log)
    litellm = sorted({name.strip() for _, _, name in rows if name.strip().split(".")[0] == "litellm"})
    # Top-level packages by cumulative import time: where a cold start goes before the first request.
    top = sorted(((cum, name.strip()) for _, cum, name in rows if not name.startswith("  ")), reverse=True)[:8]
    return {"modules_logged": len(rows), "litellm_imported": bool(litellm), "litellm_modules": litellm[:5],
            "top_imports_ms": [[name, round(cum / 1000, 1)] for cum, name in top]}


async def _run() -> dict:
    real, bare = [], []
    for _ in range(RUNS):
        bare.append(await _time_bare())
        real.append(await _time_real())
    check = await _import_check()
    real_median, bare_median = statistics.median(real), statistics.median(bare)
    return {
        "runs": RUNS,
        "serve_median_s": round(real_median, 3),
        "bare_median_s": round(bare_median, 3),
        "ratio": round(real_median / bare_median, 2),
        "target_s": TARGET_S,
        "serve_runs_s": [round(x, 3) for x in real],
        "bare_runs_s": [round(x, 3) for x in bare],
        **check,
    }


def main() -> dict:
    result = asyncio.run(_run())
    print(f"cold start, spawn to first 200 ({RUNS} alternating runs)")
    print(f"  reply-coach serve /v1/score  median {result['serve_median_s']:.3f} s  runs {result['serve_runs_s']}")
    print(f"  bare fastapi+uvicorn         median {result['bare_median_s']:.3f} s  runs {result['bare_runs_s']}")
    print(f"  ratio {result['ratio']:.2f}; target {TARGET_S} s absolute, "
          f"{'met' if result['serve_median_s'] <= TARGET_S else 'MISSED'} on this machine")
    verdict = "YES (must not be)" if result["litellm_imported"] else "no"
    print(f"  litellm imported by the server after serving /v1/score: {verdict} "
          f"({result['modules_logged']} modules in its import log)")
    print("  slowest top-level imports (cumulative ms, under -X importtime): "
          + ", ".join(f"{n} {ms}" for n, ms in result["top_imports_ms"]))
    return result


if __name__ == "__main__":
    main()
