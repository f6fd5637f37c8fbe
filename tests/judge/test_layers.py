"""The judge stays pure and layered: text -> detectors -> scores, never back; no web framework, no model client."""

import ast
import subprocess
import sys
from pathlib import Path

JUDGE = Path(__file__).resolve().parents[2] / "api" / "judge"
# A module may import modules of its own layer or a lower one. principles is data, read by detectors.
LAYERS = {"text": 0, "principles": 0, "detectors": 1, "scores": 2}
# Outside the judge, it may read the API's contract only.
ALLOWED_OUTSIDE = {"api.schemas"}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["api", "judge"] else None


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_the_judge_imports_one_way():
    wrong = []
    for path in JUDGE.rglob("*.py"):
        relative = path.relative_to(JUDGE)
        if len(relative.parts) == 1:
            continue  # api/judge/__init__.py sits on top and gathers the public names
        own = relative.parts[0]
        for module in _imports(path):
            if module.split(".")[0] != "api":
                continue
            target = _layer(module)
            if target is None:
                if module not in ALLOWED_OUTSIDE:
                    wrong.append(f"{relative} imports {module}, outside the judge")
            elif module == "api.judge" or LAYERS[target] > LAYERS[own] or (
                LAYERS[target] == LAYERS[own] and target != own
            ):
                wrong.append(f"{relative} ({own}) imports {module} ({target})")
    assert not wrong, "\n".join(wrong)


def test_the_judge_imports_neither_fastapi_nor_litellm():
    code = (
        "import sys\n"
        "import api.judge, api.engines.rewrite\n"
        "from api.judge import score_draft, prepare_scoring\n"
        "prepare_scoring(); score_draft('Thanks for letting me know.')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'starlette', 'litellm'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
