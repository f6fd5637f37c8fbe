"""Writes the typed shapes of the API from openapi.yaml: reply_coach/types.py (TypedDicts for the
Python client) and extension/types/api.d.ts (TypeScript, for the extension). `make clients` runs it;
tests/test_clients.py fails when either file drifts from the spec."""

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON_TYPES = ROOT / "reply_coach" / "types.py"
TYPESCRIPT_TYPES = ROOT / "extension" / "types" / "api.d.ts"
HEADER = "Generated from openapi.yaml by `make clients` (python -m reply_coach.generate); do not edit."


def load_schemas(spec_path: Path = ROOT / "openapi.yaml") -> dict[str, dict[str, Any]]:
    import yaml

    return yaml.safe_load(spec_path.read_text("utf-8"))["components"]["schemas"]


def _ref(schema: dict[str, Any]) -> str:
    return schema["$ref"].rsplit("/", 1)[-1]


def typescript(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return _ref(schema)
    if "anyOf" in schema:
        return " | ".join(typescript(s) for s in schema["anyOf"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        item = typescript(schema["items"])
        return f"({item})[]" if "|" in item else f"{item}[]"
    if kind == "object":
        value = typescript(schema.get("additionalProperties") or {})
        keys = schema.get("propertyNames", {})
        key = typescript(keys) if keys.get("enum") else "string"
        return f"Record<{key}, {value}>" if key != "string" else f"{{ [key: string]: {value} }}"
    return {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
            "null": "null"}.get(kind, "unknown")


def python(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return _ref(schema)
    if "anyOf" in schema:
        return " | ".join(python(s) for s in schema["anyOf"])
    if "const" in schema:
        return f"Literal[{json.dumps(schema['const'])}]"
    if "enum" in schema:
        return "Literal[" + ", ".join(json.dumps(v) for v in schema["enum"]) + "]"
    kind = schema.get("type")
    if kind == "array":
        return f"list[{python(schema['items'])}]"
    if kind == "object":
        keys = schema.get("propertyNames", {})
        key = python(keys) if keys.get("enum") else "str"
        return f"dict[{key}, {python(schema.get('additionalProperties') or {})}]"
    return {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}.get(kind, "Any")


def typescript_module(schemas: dict[str, dict[str, Any]]) -> str:
    lines = [f"// {HEADER}", ""]
    for name, schema in schemas.items():
        if "description" in schema:
            lines.append(f"/** {' '.join(schema['description'].split())} */")
        lines.append(f"export interface {name} {{")
        required = set(schema.get("required", ()))
        for field, spec in schema.get("properties", {}).items():
            if "description" in spec:
                lines.append(f"  /** {' '.join(spec['description'].split())} */")
            lines.append(f"  {field}{'' if field in required else '?'}: {typescript(spec)};")
        lines += ["}", ""]
    return "\n".join(lines)


def python_module(schemas: dict[str, dict[str, Any]]) -> str:
    lines = [f'"""{HEADER}"""', "", "from __future__ import annotations", "",
             "from typing import Literal, NotRequired, TypedDict", "",
             "__all__ = [" + ", ".join(f'"{n}"' for n in schemas) + "]", ""]
    for name, schema in schemas.items():
        lines += ["", f"class {name}(TypedDict):"]
        if "description" in schema:
            lines.append(f'    """{" ".join(schema["description"].split())}"""')
            lines.append("")
        required = set(schema.get("required", ()))
        fields = schema.get("properties", {})
        for field, spec in fields.items():
            annotation = python(spec)
            lines.append(f"    {field}: {annotation if field in required else f'NotRequired[{annotation}]'}")
        if not fields:
            lines.append("    pass")
        lines.append("")
    text = "\n".join(lines).rstrip("\n") + "\n"
    if "Any" in text.split("__all__")[1]:
        text = text.replace("from typing import Literal", "from typing import Any, Literal", 1)
    return text


def main() -> int:
    schemas = load_schemas()
    PYTHON_TYPES.write_text(python_module(schemas), "utf-8")
    TYPESCRIPT_TYPES.parent.mkdir(parents=True, exist_ok=True)
    TYPESCRIPT_TYPES.write_text(typescript_module(schemas), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
