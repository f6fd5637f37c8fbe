"""The judge: one package that reads a draft and scores it against the six principles.

Imports go one way only: text (sentences, offsets, names, readings of plain text) -> detectors
(signals and rules declared in principles/, one data file per principle) -> scores. Nothing here
imports FastAPI or litellm; every engine scores through score_draft, so there is one scale.
"""

from api.judge.detectors import RULES, Finding, findings_of, model_finding, run_rules
from api.judge.scores.scorer import ScoredDraft, prepare_scoring, score_draft
from api.judge.text.draft import Draft

__all__ = ["RULES", "Draft", "Finding", "ScoredDraft", "findings_of", "model_finding", "prepare_scoring",
           "run_rules", "score_draft"]
