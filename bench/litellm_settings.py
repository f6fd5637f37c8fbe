"""`python -m bench.litellm_settings`: litellm's own CPU per call, with each of its settings that may
cut it, as ratios to the defaults measured in the same run.

Each setting runs in a fresh process (litellm keeps module state) against the fake OpenAI-compatible
server in another process answering at once; CPU time of the calling process per call is what is
compared, so the fake server's work does not count.
"""

import json
import statistics
import subprocess
import sys

from bench.llm_bench import ROOT, FakeProcess

CALLS = 300
WARM_UP = 30
# litellm module attributes, each set on its own and all together.
SETTINGS = {
    "defaults": {},
    "turn_off_message_logging": {"turn_off_message_logging": True},
    "disable_streaming_logging": {"disable_streaming_logging": True},
    "disable_token_counter": {"disable_token_counter": True},
    "logging=False": {"logging": False},
    "disable_aiohttp_transport (httpx)": {"disable_aiohttp_transport": True},
}

CHILD = """
import asyncio, json, sys, time
settings, url, calls, warm_up = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from api.llm_client import litellm_module
litellm = litellm_module()
for name, value in settings.items():
    setattr(litellm, name, value)
messages = [{"role": "system", "content": "You are a coach. " * 200}, {"role": "user", "content": "Draft. " * 150}]
async def main():
    for _ in range(warm_up):
        await litellm.acompletion(model="openai/fake-coach", messages=messages, api_base=url, api_key="bench")
    cpu = []
    for _ in range(calls):
        started = time.process_time()
        await litellm.acompletion(model="openai/fake-coach", messages=messages, api_base=url, api_key="bench")
        cpu.append((time.process_time() - started) * 1000)
    cpu.sort()
    print(json.dumps({"p50_ms": cpu[len(cpu) // 2], "mean_ms": sum(cpu) / len(cpu)}))
asyncio.run(main())
"""


def measure(settings: dict, url: str) -> dict:
    output = subprocess.run([sys.executable, "-c", CHILD, json.dumps(settings), url, str(CALLS), str(WARM_UP)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    fake = FakeProcess(0.0)
    results: dict[str, list[float]] = {name: [] for name in SETTINGS}
    try:
        for _ in range(3):  # interleaved rounds, so drift in the machine's load hits every setting alike
            for name, settings in SETTINGS.items():
                results[name].append(measure(settings, fake.url)["mean_ms"])
            all_together = {k: v for s in SETTINGS.values() for k, v in s.items() if k != "disable_aiohttp_transport"}
            results.setdefault("all but the transport", []).append(measure(all_together, fake.url)["mean_ms"])
    finally:
        fake.close()
    baseline = statistics.median(results["defaults"])
    for name, values in results.items():
        value = statistics.median(values)
        print(f"{name:36s} {value:6.2f} ms CPU per call, ratio to defaults {value / baseline:.2f}")


if __name__ == "__main__":
    main()
