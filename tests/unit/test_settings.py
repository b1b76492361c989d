"""Settings parse into typed structs with clear errors, and merge over the previous ones."""

import pytest

from qwen_lsp.settings import (
    DEFAULT_MODEL,
    MODEL_ENV,
    SettingsError,
    parse_settings,
    resolve_model,
    settings_schema,
)

pytestmark = pytest.mark.unit


def test_defaults_and_camel_case_keys():
    settings = parse_settings({"docs": {"onSave": True}, "completion": {"maxTokens": 32}})
    assert settings.docs.on_save is True
    assert settings.completion.max_tokens == 32
    assert settings.completion.multiline == "auto"


def test_partial_updates_merge_over_the_base():
    base = parse_settings({"model": "/m", "completion": {"maxTokens": 10}})
    merged = parse_settings({"completion": {"enabled": False}}, base=base)
    assert (merged.model, merged.completion.max_tokens, merged.completion.enabled) == (
        "/m",
        10,
        False,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"completion": {"maxTokens": "many"}}, r"completion\.maxTokens"),
        ({"completion": {"multiline": "sometimes"}}, "multiline"),
        ({"completoin": {}}, "completoin"),
        ({"worker": {"cacheMb": 0}}, r"worker\.cacheMb"),
        ({"completion": {"debounceMs": -1}}, r"completion\.debounceMs"),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_settings_name_the_key(raw, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(raw)


def test_model_resolution_order(monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model(parse_settings({})) == DEFAULT_MODEL
    monkeypatch.setenv(MODEL_ENV, "/env/model")
    assert resolve_model(parse_settings({})) == "/env/model"
    assert resolve_model(parse_settings({"model": "/explicit"})) == "/explicit"


def test_schema_lists_every_section():
    schema = settings_schema()
    settings = schema["$defs"]["Settings"]["properties"]
    assert {"model", "completion", "context", "worker", "docs", "actions"} <= set(settings)


def test_speculation_as_a_boolean_still_reads_as_earlier_releases_meant_it():
    assert parse_settings({"worker": {"speculation": True}}).worker.speculation == "all"
    assert parse_settings({"worker": {"speculation": False}}).worker.speculation == "off"
    assert parse_settings({"worker": {"speculation": "actions"}}).worker.speculation == "actions"
