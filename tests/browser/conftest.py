"""A real headless Chromium (Debian's, from apt: nothing downloads a browser) driven by Playwright,
against the live service on a free loopback port."""

import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the fakes
from fakes.server import ThreadedServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REPLY_COACH_CHROMIUM", "/usr/bin/chromium")
# How long a page may take to show what the server said before a test gives up on it. Speed is
# measured by the benchmarks (bench/), side by side with a baseline; this only stops a page that never
# answers, so it is generous enough for a machine busy with other work.
PATIENCE_MS = 20_000
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def _need_chromium() -> None:
    if not shutil.which(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it (.ci/run); a missing browser must not pass as a skip
        pytest.skip(message)


class CountingApp:
    """The app, counting the requests it gets by path (to show what a client sent, and when)."""

    def __init__(self, app) -> None:
        self.app = app
        self.paths: Counter[str] = Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.paths[scope["path"]] += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def service() -> Iterator[tuple[str, CountingApp]]:
    settings = Settings(_env_file=None, model=None, cors_origins=[])
    app = CountingApp(create_app(settings))
    with ThreadedServer(app) as server:
        yield server.url, app


# Per module: Playwright's sync API keeps an event loop running in this thread until it stops, and
# the rest of the suite uses asyncio.run.
@pytest.fixture(scope="module")
def playwright_driver():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def wait_until():
    """Polls a condition from Python, as patiently as the browser contexts' own waits (a page's CSP may
    forbid the string evaluation Playwright's wait_for_function relies on)."""
    def wait(condition) -> None:
        deadline = time.monotonic() + PATIENCE_MS / 1000
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)
    return wait


@pytest.fixture
def browser_context(playwright_driver):
    """A fresh profile each test."""
    with tempfile.TemporaryDirectory(prefix="reply-coach-chromium-") as profile:
        context = playwright_driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        context.set_default_timeout(PATIENCE_MS)
        yield context
        context.close()


@pytest.fixture
def extension_context(playwright_driver):
    """A fresh profile with the sample extension loaded unpacked."""
    extension = str(ROOT / "extension")
    with tempfile.TemporaryDirectory(prefix="reply-coach-chromium-") as profile:
        context = playwright_driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, f"--disable-extensions-except={extension}", f"--load-extension={extension}"],
            viewport={"width": 1200, "height": 900},
        )
        context.set_default_timeout(PATIENCE_MS)
        yield context
        context.close()


@pytest.fixture(scope="session")
def reply_page_url() -> Iterator[str]:
    """A stand-in for a webmail compose page, served from tests/browser/pages on its own loopback port."""
    handler = partial(_QuietHandler, directory=str(Path(__file__).parent / "pages"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/compose.html"
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
