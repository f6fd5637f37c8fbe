"""The scoring core: pure functions from a draft to Scores and critique findings.

Imports neither FastAPI nor litellm; every engine scores through api.scoring.scorer, so there is one scale.
"""
