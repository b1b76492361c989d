"""README's Settings section and the VS Code extension's `qwen.*` settings are generated from
the settings types: a setting added, removed or re-described in one place only fails here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from qwen_lsp.settings import settings_schema

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "settings_docs.py"


def _sync_settings():
    spec = importlib.util.spec_from_file_location("settings_docs", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_json_matches_server_schema() -> None:
    sync = _sync_settings()
    package = json.loads(sync.PACKAGE_JSON.read_text())
    expected = sync.expected_configuration(package)
    actual = package["contributes"]["configuration"]
    stale = sorted(
        key
        for key in expected["properties"].keys() | actual["properties"].keys()
        if expected["properties"].get(key) != actual["properties"].get(key)
    )
    assert not stale, (
        f"clients/vscode/package.json differs from settings_schema() at {stale}; "
        "run `make settings-docs`"
    )


def test_readme_settings_section_is_generated_from_the_docstrings() -> None:
    sync = _sync_settings()
    readme = sync.README.read_text(encoding="utf-8")
    assert readme == sync.expected_readme(readme), (
        "README's Settings section differs from server/qwen_lsp/settings.py: "
        "run `make settings-docs`"
    )


def test_readme_entry_says_type_default_and_docstring() -> None:
    section = _sync_settings().readme_settings()
    entry = section.split("### completion.maxTokens\n\n", 1)[1].split("\n### ", 1)[0]
    assert entry.startswith("Integer > 0; default `64`. Most tokens the model generates")
    assert "### actions.temperature\n\nNumber ≥ 0, or unset; default unset." in section


def test_every_server_setting_is_contributed() -> None:
    """Guards the generator itself: each leaf of the schema appears as one `qwen.*` key."""
    schema = settings_schema()
    defs = schema["$defs"]

    def leaves(def_name: str, prefix: str) -> set[str]:
        out: set[str] = set()
        for key, prop in defs[def_name]["properties"].items():
            if "$ref" in prop:
                out |= leaves(prop["$ref"].rsplit("/", 1)[1], f"{prefix}{key}.")
            else:
                out.add(f"{prefix}{key}")
        return out

    expected = leaves(schema["$ref"].rsplit("/", 1)[1], "qwen.")
    contributed = {
        key for key in _sync_settings().server_properties() if not key.startswith("qwen.server.")
    }
    assert contributed == expected
    assert "server" not in defs["Settings"]["properties"], (
        "`qwen.server.*` is the extension's own section (how to start the server)"
    )


def test_partial_accept_keys() -> None:
    """While ghost text shows, Ctrl+Right (a word) and Ctrl+Alt+Right (a line) run the
    extension's commands, which run VS Code's own and report what they took to the server."""
    package = json.loads(_sync_settings().PACKAGE_JSON.read_text())
    keys = {k["command"]: k for k in package["contributes"]["keybindings"]}
    word, line = keys["qwenLsp.acceptNextWord"], keys["qwenLsp.acceptNextLine"]
    assert (word["key"], word["mac"]) == ("ctrl+right", "cmd+right")
    assert (line["key"], line["mac"]) == ("ctrl+alt+right", "ctrl+cmd+right")
    for binding in (word, line):
        assert binding["when"] == "inlineSuggestionVisible && !editorReadonly"


def test_an_untrusted_workspace_cannot_choose_what_runs_or_loads() -> None:
    """VS Code ignores a workspace's values of restricted settings until it is trusted."""
    package = json.loads(_sync_settings().PACKAGE_JSON.read_text())
    untrusted = package["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] == "limited"
    chooses = {"qwen.server.path", "qwen.server.python", "qwen.model", "qwen.worker.allowDownload"}
    assert chooses <= set(untrusted["restrictedConfigurations"])
