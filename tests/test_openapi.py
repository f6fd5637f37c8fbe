from pathlib import Path

from api.openapi import openapi_yaml


def test_openapi_yaml_matches_the_app():
    committed = (Path(__file__).resolve().parents[1] / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == openapi_yaml(), "openapi.yaml is stale: run `make openapi`"
