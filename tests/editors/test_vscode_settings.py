"""The VS Code extension's `qwen.*` settings mirror the server's `settings_schema()`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from qwen_lsp.settings import settings_schema

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "clients" / "vscode" / "scripts" / "sync_settings.py"


def _sync_settings():
    spec = importlib.util.spec_from_file_location("sync_settings", SCRIPT)
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
        "run `.venv/bin/python clients/vscode/scripts/sync_settings.py`"
    )


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
    """Ctrl+Right (a word) is VS Code's own; the extension binds accepting one line, which VS
    Code offers as a command with no key, while ghost text shows."""
    package = json.loads(_sync_settings().PACKAGE_JSON.read_text())
    (line,) = [
        k
        for k in package["contributes"]["keybindings"]
        if k["command"] == "editor.action.inlineSuggest.acceptNextLine"
    ]
    assert (line["key"], line["mac"]) == ("ctrl+alt+right", "ctrl+cmd+right")
    assert line["when"] == "inlineSuggestionVisible && !editorReadonly"


def test_an_untrusted_workspace_cannot_choose_what_runs_or_loads() -> None:
    """VS Code ignores a workspace's values of restricted settings until it is trusted."""
    package = json.loads(_sync_settings().PACKAGE_JSON.read_text())
    untrusted = package["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] == "limited"
    chooses = {"qwen.server.path", "qwen.server.python", "qwen.model", "qwen.worker.allowDownload"}
    assert chooses <= set(untrusted["restrictedConfigurations"])
