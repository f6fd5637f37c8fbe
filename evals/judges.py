"""Judges of a rewrite's grace and professionalism: an offline one on the local scorer (CI without a
key) and an LLM-as-judge on the rubric in prompts/judge, with its own model, independent of the coach's."""

import os
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from api.judge import score_draft
from api.judge.principles import PRINCIPLE_IDS
from api.prompts import JUDGE_DIR, PROMPTS_DIR, load_prompt
from api.schemas import CoachContext, CoachResponse
from api.settings import Settings, get_settings
from evals.cache import AnswerCache, prompts_digest
from evals.cases import Case

JUDGE_PROMPT_DIR = PROMPTS_DIR / JUDGE_DIR
LOCAL_PASS_SCORE = 75
LLM_PASS_SCORE = 80


class JudgeVerdict(BaseModel):
    """The judge's structured verdict on one reply."""

    model_config = ConfigDict(populate_by_name=True)

    score: int = Field(ge=0, le=100, description="Grace and professionalism of the reply, 0 to 100, by the rubric.")
    passed: bool = Field(alias="pass", description="true when the reply is ready to send: score of 80 or more and nothing invented.")
    reason: str = Field(description="One or two sentences: the main strength or the main problem.")


class JudgeUnavailable(RuntimeError):
    """The judge cannot run here, e.g. its model client is not installed."""


class Judge(Protocol):
    name: str

    def check_ready(self) -> None: ...

    async def judge(self, case: Case, response: CoachResponse) -> JudgeVerdict: ...


class LocalJudge:
    """Re-scores the rewrite with the local scorer: offline, deterministic, no key."""

    name = "local"

    def __init__(self, pass_score: int = LOCAL_PASS_SCORE) -> None:
        self.pass_score = pass_score

    def check_ready(self) -> None:
        return None

    async def judge(self, case: Case, response: CoachResponse) -> JudgeVerdict:
        if response.rewrite is None:
            return JudgeVerdict(score=0, passed=False, reason="There is no rewrite to judge.")
        scores = score_draft(response.rewrite.text, case.context or CoachContext()).scores
        broken = [p for p in PRINCIPLE_IDS if scores.principles[p].status == "broken"]
        passed = scores.overall >= self.pass_score and scores.verdict == "ready" and not broken
        reason = f"Grace score {scores.overall}, verdict {scores.verdict}, tone {scores.tone.label}"
        reason += f"; breaks {', '.join(broken)}." if broken else "."
        return JudgeVerdict(score=scores.overall, passed=passed, reason=reason)


class LlmJudge:
    """Asks a model to grade the rewrite on the rubric in prompts/judge/<version>."""

    def __init__(self, model: str, cache: AnswerCache | None = None, settings: Settings | None = None,
                 timeout_s: float | None = None, prompt_dir: Path = JUDGE_PROMPT_DIR) -> None:
        self.name = model
        self.model = model
        self.cache = cache or AnswerCache(enabled=False)
        self.settings = settings or judge_settings(model)
        self.timeout_s = timeout_s or self.settings.timeout_s
        self.system_prompt = load_prompt(str((prompt_dir / "system.md").relative_to(PROMPTS_DIR))).template
        self.user_prompt = load_prompt(str((prompt_dir / "user.md").relative_to(PROMPTS_DIR)))
        self.prompt_version = f"judge-{prompt_dir.name}-{prompts_digest(prompt_dir)}"

    def check_ready(self) -> None:
        try:
            import api.llm_client  # noqa: F401
        except ImportError as error:
            raise JudgeUnavailable(f"the LLM judge needs api.llm_client ({error})") from error

    def messages(self, case: Case, reply: str) -> list[dict[str, str]]:
        context = case.context or CoachContext()
        facts = context.model_dump(exclude={"received_message"}, exclude_none=True)
        return [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": self.user_prompt.substitute(
                context="\n".join(f"{k}: {v}" for k, v in facts.items()) or "(none)",
                received_message=context.received_message or "(not given)",
                draft=case.draft,
                reply=reply,
            )},
        ]

    async def judge(self, case: Case, response: CoachResponse) -> JudgeVerdict:
        if response.rewrite is None:
            return JudgeVerdict(score=0, passed=False, reason="There is no rewrite to judge.")
        messages = self.messages(case, response.rewrite.text)
        key = {"kind": "judge", "model": self.model, "prompt_version": self.prompt_version, "messages": messages}
        cached = self.cache.get(key)
        if cached is not None:
            return JudgeVerdict.model_validate(cached)
        from api.llm_client import complete_structured  # litellm loads only when a model judge is used

        verdict, _usage = await complete_structured(
            self.model, messages, JudgeVerdict, settings=self.settings, timeout_s=self.timeout_s
        )
        # The rubric ties pass to the score; a model that says pass at 60 is not believed.
        verdict = JudgeVerdict(score=verdict.score, passed=verdict.passed and verdict.score >= LLM_PASS_SCORE,
                               reason=verdict.reason)
        self.cache.put(key, verdict.model_dump(by_alias=True))
        return verdict


def judge_settings(model: str) -> Settings:
    """Settings for the judge's model: its own base URL and key, never the coach's for another model."""
    settings = get_settings()
    same_model = model == settings.model
    update: dict[str, object] = {
        "model": model,
        "fallback_models": [],
        "api_base": os.environ.get("REPLY_COACH_JUDGE_API_BASE") or (settings.api_base if same_model else None),
        "api_key": os.environ.get("REPLY_COACH_JUDGE_API_KEY") or (settings.api_key if same_model else None),
    }
    return settings.model_copy(update=update)


def make_judge(spec: str, cache: AnswerCache | None = None) -> Judge:
    """'local' for the offline judge, anything else is a litellm model string for the LLM judge."""
    return LocalJudge() if spec == "local" else LlmJudge(spec, cache=cache)
