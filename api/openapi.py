"""Prints the app's OpenAPI schema as YAML; `make openapi` writes it to openapi.yaml."""

import yaml

from api.app import create_app
from api.settings import Settings


def openapi_yaml() -> str:
    schema = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
    return yaml.safe_dump(schema, sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    print(openapi_yaml(), end="")
