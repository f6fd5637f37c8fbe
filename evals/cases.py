"""Eval cases as data: one TOML file per theme under evals/cases, each a list of [[case]] tables."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.schemas import CoachContext, DraftText, PrincipleId, Verdict

CASES_DIR = Path(__file__).resolve().parent / "cases"
DEFAULT_REWRITE_MAX_WORDS = 180
DEFAULT_REWRITE_MIN_WORDS = 15


class CaseError(ValueError):
    """A case file that cannot be read or does not match the case format."""


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flagged: list[PrincipleId] = Field(default_factory=list, description="Principles the draft must break.")
    not_flagged: list[PrincipleId] = Field(default_factory=list, description="Principles the draft must not break.")
    draft_verdict: list[Verdict] | None = Field(None, description="Acceptable verdicts for the draft.")
    offending: list[str] = Field(
        default_factory=list,
        description="Hand-marked offending sentences, exact substrings of the draft: a warning must mark each, "
        "and the rewrite must keep none.",
    )
    rewrite_max_words: int = Field(DEFAULT_REWRITE_MAX_WORDS, gt=0)
    rewrite_min_words: int = Field(DEFAULT_REWRITE_MIN_WORDS, ge=0)
    rewrite_similarity_min: float | None = Field(
        None, ge=0, le=1, description="For already-good drafts: the rewrite must keep this much of the wording."
    )

    @model_validator(mode="after")
    def _consistent(self) -> "Expect":
        both = set(self.flagged) & set(self.not_flagged)
        if both:
            raise ValueError(f"principles both flagged and not_flagged: {sorted(both)}")
        return self


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    tests: str = Field(description="What the case is about, in one line.")
    draft: DraftText
    context: CoachContext | None = None
    expect: Expect
    source: str = Field("", description="The file the case came from.")

    @model_validator(mode="after")
    def _offending_in_draft(self) -> "Case":
        missing = [phrase for phrase in self.expect.offending if phrase not in self.draft]
        if missing:
            raise ValueError(f"offending phrases not in the draft: {missing}")
        return self


def load_cases(path: Path | str = CASES_DIR, only: list[str] | None = None) -> list[Case]:
    """Every case in a file or a directory of *.toml files, optionally only ids matching glob patterns."""
    path = Path(path)
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise CaseError(f"no case files in {path}")
    cases: list[Case] = []
    for file in files:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise CaseError(f"{file}: {error}") from error
        for index, entry in enumerate(raw.get("case", [])):
            try:
                cases.append(Case(**entry, source=file.name))
            except (ValidationError, TypeError) as error:
                label = entry.get("id", f"case #{index + 1}") if isinstance(entry, dict) else f"case #{index + 1}"
                raise CaseError(f"{file.name}: {label}: {error}") from error
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseError(f"duplicate case id {case.id!r}")
        seen.add(case.id)
    if only:
        cases = [c for c in cases if any(fnmatch(c.id, pattern) for pattern in only)]
    return cases
