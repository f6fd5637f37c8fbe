"""Every entry of api/judge/principles, run on its own good and bad examples.

A rule must leave each good example alone and flag each bad one with exact spans; a signal must
be found in each good example and not in the bad ones. The good side is deliberately close to the
bad one, so a pattern that grows too greedy fails here before a user sees a false underline.
"""

import pytest

from api.judge import RULES, Draft, findings_of
from api.judge.detectors.signals import SIGNALS, draft_signals
from api.judge.principles import BREAKS_ENTRIES, PRINCIPLE_IDS, SHOWS_ENTRIES
from api.schemas import CoachContext, PrincipleId

RULE_EXAMPLES = [
    (entry["id"], side, text)
    for entry in BREAKS_ENTRIES for side in ("good", "bad") for text in entry.get("examples", {}).get(side, ())
]
SIGNAL_EXAMPLES = [
    (entry["id"], side, text)
    for entry in SHOWS_ENTRIES for side in ("good", "bad") for text in entry.get("examples", {}).get(side, ())
]


def _ids(cases):
    return [f"{entry_id}-{side}" for entry_id, side, _ in cases]


def test_every_entry_has_good_and_bad_examples():
    for entry in (*BREAKS_ENTRIES, *SHOWS_ENTRIES):
        examples = entry.get("examples", {})
        assert examples.get("good") and examples.get("bad"), f"{entry['id']} needs examples.good and examples.bad"


def test_the_six_principles_each_have_a_file():
    assert PRINCIPLE_IDS == PrincipleId.__args__
    assert {entry["principle"] for entry in SHOWS_ENTRIES} == set(PRINCIPLE_IDS)


@pytest.mark.parametrize(("rule_id", "side", "text"), RULE_EXAMPLES, ids=_ids(RULE_EXAMPLES))
def test_rule_examples(rule_id, side, text):
    findings = findings_of(RULES[rule_id], Draft(text, CoachContext()))
    if side == "good":
        assert findings == [], [(f.rule, f.quote) for f in findings]
        return
    assert findings, f"{rule_id} did not fire on {text!r}"
    for finding in findings:
        assert finding.rule == rule_id
        if finding.start is not None:
            assert text[finding.start:finding.end] == finding.quote
            assert finding.quote.strip(), "an underline must cover some text"


@pytest.mark.parametrize(("signal_id", "side", "text"), SIGNAL_EXAMPLES, ids=_ids(SIGNAL_EXAMPLES))
def test_signal_examples(signal_id, side, text):
    assert (signal_id in draft_signals(Draft(text))) == (side == "good")


def test_rules_are_declared_with_their_kind_severity_and_tags():
    for rule_id, rule in RULES.items():
        assert rule_id.split(".")[0] == rule.principle
        assert rule.kind in {"pattern", "sentence_function", "draft_function", "derived", "sentence_model"}
        assert rule.severity in {"info", "warning", "critical"}
        assert rule.message
    assert all(signal.tags for signal in SIGNALS.values())
