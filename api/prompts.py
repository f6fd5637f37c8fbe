"""Prompt templates in prompts/: one loader, one syntax (string.Template, `$name`), and each
prompt's version named in one place."""

import string
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
COACH_VERSION = "v3"
COACH_PROMPT_VERSION = f"coach-{COACH_VERSION}"
COACH_DIR = f"coach/{COACH_VERSION}"
JUDGE_VERSION = "v1"
JUDGE_DIR = f"judge/{JUDGE_VERSION}"


@cache
def load_prompt(name: str) -> string.Template:
    """A prompt template from prompts/, e.g. 'coach/v3/system.md'; placeholders are $names."""
    return string.Template((PROMPTS_DIR / name).read_text(encoding="utf-8").strip())
