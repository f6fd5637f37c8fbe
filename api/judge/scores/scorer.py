"""Scores a draft: pure functions from text to Scores and critique findings, one scale for every engine."""

from collections.abc import Sequence
from dataclasses import dataclass

from api.judge.detectors import RULES, Finding, model_unease, run_rules
from api.judge.detectors.sentence_model import sentence_model
from api.judge.detectors.signals import SIGNALS, draft_signals
from api.judge.scores.grace import grace_score, principle_scores, verdict
from api.judge.scores.tone import tone
from api.judge.text.draft import Draft
from api.judge.text.memo import MEMO
from api.judge.text.readability import prepare_readability, readability
from api.judge.text.sentiment import prepare_sentiment
from api.schemas import CoachContext, Scores


@dataclass(frozen=True)
class ScoredDraft:
    scores: Scores
    findings: list[Finding]


# A whole draft's scores are kept too, so a draft sent again unchanged (a page re-scored on every
# pause) is answered without reading it again. What one kept draft holds, measured with tracemalloc on
# 150-word drafts: about 6 KB, and up to a few KB more for each finding.
_SCORED = f"{__name__}.score_draft"
_SCORED_BYTES = 6_144
_FINDING_BYTES = 3_072


def score_draft(
    text: str, context: CoachContext | None = None, disabled_rules: frozenset[str] = frozenset(),
    extra_findings: Sequence[Finding] = (),
) -> ScoredDraft:
    """Scores and findings of a draft; extra_findings (the model's located critiques) count like any rule's.
    The result is shared by every caller that scores the same draft: treat it as read-only."""
    context = context or CoachContext()
    if disabled_rules or extra_findings:
        return _score(text, context, disabled_rules, extra_findings)
    # The rules in force are part of the key, so a judge measured with some detectors taken out
    # (evals.judgement --detectors) never answers from what the whole judge read.
    key = (text, tuple(context), tuple(map(id, RULES.values())))
    return MEMO.get(_SCORED, key, lambda: _score(text, context),
                    size_of=lambda kept: _SCORED_BYTES + _FINDING_BYTES * len(kept.findings))


def _score(text: str, context: CoachContext, disabled_rules: frozenset[str] = frozenset(),
           extra_findings: Sequence[Finding] = ()) -> ScoredDraft:
    draft = Draft(text, context)
    findings = run_rules(draft, disabled_rules, extra_findings)
    signals = [SIGNALS[signal_id] for signal_id in sorted(draft_signals(draft))]
    sentences = [s.text for s in draft.sentences]
    draft_tone = tone(text, sentences, findings, draft.word_count)
    draft_readability = readability(text, sentences, words=draft.word_count)
    principles = principle_scores(findings, signals)
    overall = grace_score(principles, findings, draft_tone, draft_readability, model_unease(draft, disabled_rules))
    scores = Scores(
        overall=overall,
        verdict=verdict(overall, findings),
        principles=principles,
        tone=draft_tone,
        readability=draft_readability,
    )
    return ScoredDraft(scores=scores, findings=findings)


def prepare_scoring() -> None:
    """Do the one-off loading (pronouncing dictionary, sentiment lexicon, sentence model) before serving."""
    prepare_readability()
    prepare_sentiment()
    sentence_model()

