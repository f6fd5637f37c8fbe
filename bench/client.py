"""A minimal keep-alive HTTP/1.1 load generator on raw asyncio streams, plus process helpers.

httpx costs far more CPU per request than the server's bare endpoint, so on a 2-core machine it
would measure itself; this client only writes prebuilt request bytes and reads Content-Length bodies.
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def build_request(path: str, body: bytes, port: int) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


async def request_once(port: int, payload: bytes, timeout: float = 2.0) -> tuple[int, bytes]:
    """One request on a fresh connection; raises OSError/TimeoutError while the server is not up."""
    async def exchange() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(payload)
            return await _read_response(reader)
        finally:
            writer.close()
    return await asyncio.wait_for(exchange(), timeout)


@dataclass
class LoadResult:
    requests: int
    errors: int
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def client_cpu_share(self) -> float:
        """Share of one core the load generator used; near 1.0 would mean it was the bottleneck."""
        return self.client_cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def server_cpu_share(self) -> float:
        return self.server_cpu_s / self.wall_s if self.wall_s else 0.0


async def load(port: int, payloads: list[bytes], *, connections: int, max_requests: int, max_seconds: float,
               server_pid: int | None = None) -> LoadResult:
    """Send up to max_requests over `connections` keep-alive connections, stopping after max_seconds."""
    streams = [await asyncio.open_connection(HOST, port) for _ in range(connections)]
    issued = 0
    done = 0
    errors = 0
    deadline = 0.0

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal issued, done, errors
        while issued < max_requests and time.perf_counter() < deadline:
            payload = payloads[issued % len(payloads)]
            issued += 1
            writer.write(payload)
            status, _ = await _read_response(reader)
            done += 1
            if status != 200:
                errors += 1

    server_before = process_cpu_seconds(server_pid) if server_pid else 0.0
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline = started + max_seconds
    try:
        await asyncio.wait_for(asyncio.gather(*(worker(r, w) for r, w in streams)), max_seconds + 10)
    finally:
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_before
        server_cpu = (process_cpu_seconds(server_pid) - server_before) if server_pid else 0.0
        for _, writer in streams:
            writer.close()
    return LoadResult(done, errors, wall, client_cpu, server_cpu)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def server_env(port: int) -> dict[str, str]:
    """The environment for a server under test: no model configured, whatever the caller's shell has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLY_COACH_")}
    env.update(HOST=HOST, PORT=str(port), PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    return env


class Server:
    """A server subprocess, started in an empty directory so a developer's .env cannot configure a model."""

    def __init__(self, argv: list[str], port: int, extra_env: dict[str, str] | None = None) -> None:
        self.port = port
        self._workdir = tempfile.TemporaryDirectory(prefix="bench-")
        env = server_env(port)
        env.update(extra_env or {})
        self._stderr = tempfile.TemporaryFile()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, cwd=self._workdir.name, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self._stderr)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def wait_until(self, payload: bytes, timeout: float = 20.0, interval: float = 0.005) -> float:
        """Poll until `payload` is answered with 200; return seconds since spawn."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.stderr()[-2000:]}")
            try:
                status, _ = await request_once(self.port, payload)
                if status == 200:
                    return time.perf_counter() - self.started
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                pass
            await asyncio.sleep(interval)
        raise TimeoutError(f"server on port {self.port} did not answer 200 within {timeout} s")

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._workdir.cleanup()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._stderr.close()


def python_module(module: str, *args: str) -> list[str]:
    return [str(PYTHON), "-m", module, *args]


def interpreter() -> str:
    return sys.executable
