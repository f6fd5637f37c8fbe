"""The scoring core and the rules stay pure: no web framework, no model client."""

import subprocess
import sys


def test_scoring_and_rules_import_neither_fastapi_nor_litellm():
    code = (
        "import sys\n"
        "import api.scoring.scorer, api.rules, api.engines.rewrite\n"
        "from api.scoring.scorer import score_draft, prepare_scoring\n"
        "prepare_scoring(); score_draft('Thanks for letting me know.')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'starlette', 'litellm'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
