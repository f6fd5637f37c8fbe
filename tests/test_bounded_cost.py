"""Hostile but valid drafts: each answered quickly, the server stays live meanwhile, and the response stays small."""

import concurrent.futures
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from live_server import ServerProcess

from api.judge import prepare_scoring, score_draft
from api.judge.text.sentiment import sentiment
from api.schemas import MAX_CRITIQUES, MAX_CRITIQUES_PER_RULE, MAX_DRAFT_CHARS

HOSTILE_BUT_VALID = {
    "10,000 emoji": "\U0001f600" * MAX_DRAFT_CHARS,
    "emoji words": ("\U0001f600" * 50 + " ") * 190,
    "2,000 one-word lines": "\n".join(["word"] * 2000)[:MAX_DRAFT_CHARS],
    "one 10,000-character sentence": ("you idiot you fool and " * 500)[:MAX_DRAFT_CHARS],
    "shouting": ("WHY DID YOU REJECT ME " * 500)[:MAX_DRAFT_CHARS],
    "every kind of trouble": ("I hate you. Never contact me again. You made a mistake. Please reconsider! " * 150)[
        :MAX_DRAFT_CHARS],
    "one long word": "a" * MAX_DRAFT_CHARS,
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    # Its own process, as served: a server thread in the test process would share its interpreter lock.
    with ServerProcess() as live:
        yield live


@pytest.mark.parametrize("name", list(HOSTILE_BUT_VALID))
def test_a_hostile_draft_is_answered_within_two_seconds_with_capped_critiques(server, name):
    draft = HOSTILE_BUT_VALID[name]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        started = time.monotonic()
        response = client.post("/v1/coach", json={"draft": draft})
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"
    body = response.json()
    assert len(body["critiques"]) <= MAX_CRITIQUES
    assert max(Counter(c["rule"] for c in body["critiques"]).values(), default=0) <= MAX_CRITIQUES_PER_RULE
    for critique in body["critiques"]:
        if critique["start"] is not None:
            assert draft[critique["start"]:critique["end"]] == critique["quote"]


def test_healthz_answers_while_hostile_drafts_are_read(server):
    drafts = list(HOSTILE_BUT_VALID.values())[:4]
    with httpx.Client(base_url=server.url, timeout=30) as client, \
            concurrent.futures.ThreadPoolExecutor(len(drafts)) as pool:
        # Fresh texts each run, so nothing is answered from the judge's memo.
        suffix = f" {time.monotonic_ns()}"
        busy = [pool.submit(client.post, path, json={key: draft[:MAX_DRAFT_CHARS - len(suffix)] + suffix})
                for draft in drafts for path, key in (("/v1/score", "text"), ("/v1/coach", "draft"))]
        waits = []
        while not all(future.done() for future in busy):
            started = time.monotonic()
            assert client.get("/healthz").status_code == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.02)
        assert all(future.result().status_code == 200 for future in busy)
    assert waits and max(waits) < 0.5, f"/healthz waited up to {max(waits):.2f} s"


def test_the_response_says_how_many_critiques_were_left_out(server):
    draft = ("You idiots wasted my time. " * 370)[:MAX_DRAFT_CHARS]
    prepare_scoring()
    findings = score_draft(draft, None).findings
    assert len(findings) > MAX_CRITIQUES
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = client.post("/v1/coach", json={"draft": draft}).json()
    assert len(body["critiques"]) + body["critiques_omitted"] == len(findings)
    rules = Counter(c["rule"] for c in body["critiques"])
    assert rules["reputation.insult"] == MAX_CRITIQUES_PER_RULE
    assert body["critiques"][0]["severity"] == "critical"
    # The cap per rule leaves room for the other rules, down to the suggestions.
    assert "feedback.missing" in rules
    assert body["scores"]["verdict"] == "rethink"


def test_an_ordinary_draft_leaves_nothing_out(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = client.post("/v1/coach", json={"draft": "Fine. Thanks for wasting my time."}).json()
    assert body["critiques"] and body["critiques_omitted"] == 0


def test_a_long_sentence_of_emoji_or_insults_keeps_its_sentiment():
    assert sentiment("\U0001f600" * MAX_DRAFT_CHARS) > 0.5
    assert sentiment(("you are a horrible, awful, hateful liar and " * 230)[:MAX_DRAFT_CHARS]) < -0.5


def test_the_editor_scores_of_a_hostile_draft_carry_capped_critiques_and_say_how_many_were_left_out(server):
    draft = HOSTILE_BUT_VALID["every kind of trouble"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        plain = client.post("/v1/score", json={"text": draft}).json()
        body = client.post("/v1/score", json={"text": draft, "options": {"critiques": True}}).json()
    assert "critiques" not in plain and "critiques_omitted" not in plain
    assert 0 < len(body["critiques"]) <= MAX_CRITIQUES
    assert max(Counter(c["rule"] for c in body["critiques"]).values()) <= MAX_CRITIQUES_PER_RULE
    assert body["critiques_omitted"] > 0
    assert body["overall"] == plain["overall"]
    assert any(c["replacements"] for c in body["critiques"])
