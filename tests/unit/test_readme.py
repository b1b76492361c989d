"""The README documents every setting, one heading each, and keeps its two commands first.

`settings_schema()` is the source of truth: a setting added, renamed or removed in
`qwen_lsp/settings.py` fails here until the README's Settings section says the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qwen_lsp.settings import settings_schema

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "README.md"


def leaf_keys(schema: dict) -> set[str]:
    """Every leaf setting as the JSON spells it: `model`, `logLevel`, `completion.maxTokens`…"""
    defs = schema["$defs"]

    def walk(node: dict, prefix: str) -> set[str]:
        ref = node.get("$ref")
        if ref is None:
            return {prefix}
        struct = defs[ref.rsplit("/", 1)[-1]]
        keys: set[str] = set()
        for name, child in struct["properties"].items():
            keys |= walk(child, f"{prefix}.{name}" if prefix else name)
        return keys

    return walk(schema, "")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def settings_section(text: str) -> str:
    """The `## Settings` section, up to the next `## ` heading."""
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, "README has no `## Settings` section"
    return match.group(1)


def setting_headings(section: str) -> list[str]:
    return [h.strip().strip("`") for h in re.findall(r"^### (.+)$", section, re.MULTILINE)]


def test_schema_walk_finds_nested_and_top_level_keys():
    keys = leaf_keys(settings_schema())
    assert {"model", "logLevel", "completion.maxTokens", "docs.onSave", "worker.cacheMb"} <= keys
    assert "completion" not in keys  # sections are not settings


def test_every_setting_has_a_heading():
    headings = set(setting_headings(settings_section(readme())))
    missing = sorted(leaf_keys(settings_schema()) - headings)
    assert not missing, f"README lacks a `### <key>` heading under Settings for: {missing}"


def test_no_heading_names_a_setting_that_does_not_exist():
    headings = setting_headings(settings_section(readme()))
    unknown = sorted(set(headings) - leaf_keys(settings_schema()))
    assert not unknown, f"README documents settings the server does not have: {unknown}"
    assert len(headings) == len(set(headings)), "a setting is documented twice"


def test_first_code_block_holds_the_two_commands():
    match = re.search(r"^```[^\n]*\n(.*?)^```", readme(), re.MULTILINE | re.DOTALL)
    assert match, "README has no fenced code block"
    assert "make demo" in match.group(1)
    assert "make test" in match.group(1)
