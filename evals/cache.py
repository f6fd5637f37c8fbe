"""A disk cache of model answers, keyed by model, prompt version and input, so repeated CI runs are
cheap and reproducible. Only model answers are stored here, never answers of the local engine."""

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any


def platform_cache_dir() -> Path:
    """Where this platform keeps per-user caches: ~/.cache (or $XDG_CACHE_HOME), ~/Library/Caches, %LOCALAPPDATA%."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "reply-coach" / "evals"


# Outside the checkout, so a run leaves the working tree clean.
CACHE_DIR = platform_cache_dir()


def cache_key(parts: dict[str, Any]) -> str:
    """A stable digest of everything that decides a model's answer."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def prompts_digest(directory: Path, exclude: tuple[str, ...] = ()) -> str:
    """A short digest of every prompt file under directory, so an edited template misses the cache."""
    digest = hashlib.sha256()
    if directory.is_dir():
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            relative = file.relative_to(directory).as_posix()
            if relative.startswith(exclude):
                continue
            digest.update(relative.encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


class AnswerCache:
    def __init__(self, directory: Path = CACHE_DIR, enabled: bool = True) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, parts: dict[str, Any]) -> Any | None:
        if not self.enabled:
            return None
        path = self._path(cache_key(parts))
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, parts: dict[str, Any], value: Any) -> None:
        if not self.enabled:
            return
        path = self._path(cache_key(parts))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a run killed mid-write never leaves a half answer to be read back.
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
