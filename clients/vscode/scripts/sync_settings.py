"""Generate the extension's `qwen.*` settings from the server's `settings_schema()`.

The server's msgspec Structs are the one source of truth: this script writes them into
`package.json` (`contributes.configuration`), and `--check` fails when the two differ.
Descriptions come from the field docstrings in `qwen_lsp/settings.py`, which msgspec's schema
does not carry. `qwen.server.*` keys belong to the extension (how to start the server) and are
kept as they are.

    python clients/vscode/scripts/sync_settings.py [--check]
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import sys
from pathlib import Path
from typing import Any

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "package.json"
SECTION = "qwen"
CLIENT_PREFIX = f"{SECTION}.server."
# JSON Schema checks that VS Code's settings editor also enforces.
CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "pattern")


def _field_docs() -> dict[str, dict[str, str]]:
    """{struct name: {python field name: docstring}} read from the settings module's source."""
    from qwen_lsp import settings

    docs: dict[str, dict[str, str]] = {}
    for node in ast.parse(inspect.getsource(settings)).body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = docs.setdefault(node.name, {})
        for stmt, nxt in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                fields[stmt.target.id] = inspect.cleandoc(nxt.value.value)
    return docs


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _declared_order(struct: type) -> list[str]:
    import msgspec

    return [f.encode_name for f in msgspec.structs.fields(struct)]


def server_properties() -> dict[str, dict[str, Any]]:
    """The `qwen.*` configuration properties that mirror `settings_schema()`, in declared order."""
    import msgspec

    from qwen_lsp import settings

    schema = settings.settings_schema()
    defs = schema["$defs"]
    docs = _field_docs()
    structs = {
        name: obj
        for name, obj in vars(settings).items()
        if isinstance(obj, type) and issubclass(obj, msgspec.Struct)
    }
    out: dict[str, dict[str, Any]] = {}

    def walk(def_name: str, prefix: str) -> None:
        struct_def = defs[def_name]
        by_json = {_camel(k): v for k, v in docs.get(def_name, {}).items()}
        struct = structs[def_name]
        enums = {
            f.encode_name: list(getattr(f.type, "__args__", ()))
            for f in msgspec.structs.fields(struct)
        }
        for key in _declared_order(struct):
            prop = struct_def["properties"][key]
            if "$ref" in prop:
                walk(prop["$ref"].rsplit("/", 1)[1], f"{prefix}{key}.")
                continue
            entry: dict[str, Any] = {}
            if "anyOf" in prop:  # an optional value: `T | None` → type [T, "null"]
                options = prop["anyOf"]
                prop = {**next(o for o in options if o["type"] != "null"), **prop}
                entry["type"] = [prop["type"], "null"]
            elif "enum" in prop:
                entry["type"] = "string"
                # The schema sorts enum members; the Literal keeps the order the author chose.
                declared = enums[key]
                entry["enum"] = declared if sorted(declared) == prop["enum"] else prop["enum"]
            else:
                entry["type"] = prop["type"]
            entry.update({k: prop[k] for k in CONSTRAINTS if k in prop})
            entry["default"] = prop["default"]
            description = prop.get("description") or by_json.get(key)
            if description:
                entry["description"] = description
            out[f"{prefix}{key}"] = entry

    walk(schema["$ref"].rsplit("/", 1)[1], f"{SECTION}.")
    return out


def expected_configuration(package: dict[str, Any]) -> dict[str, Any]:
    current = package["contributes"].get("configuration", {})
    client = {k: v for k, v in current.get("properties", {}).items() if k.startswith(CLIENT_PREFIX)}
    return {
        "title": "Qwen LSP",
        "properties": {**client, **server_properties()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when package.json is stale")
    args = parser.parse_args(argv)
    package = json.loads(PACKAGE_JSON.read_text())
    expected = expected_configuration(package)
    if args.check:
        if package["contributes"].get("configuration") != expected:
            print(
                f"{PACKAGE_JSON}: contributes.configuration does not match the server's "
                "settings_schema(); run `python clients/vscode/scripts/sync_settings.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    package["contributes"]["configuration"] = expected
    PACKAGE_JSON.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
