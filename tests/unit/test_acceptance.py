"""Acceptance figures: shown, accepted, partly accepted (UTF-16), typed out; buckets; the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qwen_lsp import acceptance_file
from qwen_lsp.engine.acceptance import AcceptanceLog, utf16_len

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_show_then_accept_counts_one_accepted_suggestion() -> None:
    log = AcceptanceLog()
    key = log.suggest("python", "return x + 1")
    assert log.shown(log.item_id(key)) and log.shown(log.item_id(key))  # shown twice: one
    assert log.accepted(log.item_id(key))
    report = log.report()
    assert (report["shown"], report["accepted"], report["partly_accepted"]) == (1, 1, 0)
    assert report["kept_chars"] == report["shown_chars"] == 12
    assert report["acceptance_rate"] == 1.0


def test_partial_acceptance_is_in_utf16_units_from_the_start_of_the_item() -> None:
    log = AcceptanceLog()
    text = 'print("😀 ok")\nreturn'
    key = log.suggest("python", text)
    log.shown(log.item_id(key))
    log.partly_accepted(log.item_id(key), utf16_len('print("😀'))  # the emoji is 2 units
    report = log.report()
    assert report["partly_accepted"] == 1 and report["accepted"] == 0
    assert report["kept_chars"] == 9 and report["shown_chars"] == utf16_len(text) == 21
    assert report["multi_line"]["partly_accepted"] == 1
    assert report["single_line"]["shown"] == 0
    # A second partial acceptance counts from the start too; accepting the rest makes it whole.
    log.partly_accepted(log.item_id(key), utf16_len('print("😀 ok")'))
    assert log.report()["kept_chars"] == 14
    log.accepted(log.item_id(key))
    report = log.report()
    assert (report["accepted"], report["partly_accepted"], report["kept_chars"]) == (1, 0, 21)


def test_typing_a_shown_suggestion_out_is_acceptance_and_an_unshown_one_is_not() -> None:
    log = AcceptanceLog()
    shown, hidden = log.suggest("go", "x := 1\n"), log.suggest("go", "y := 2")
    log.shown(log.item_id(shown))
    assert not log.typed(hidden, 3)
    log.typed(shown, 2)
    assert log.report()["partly_accepted"] == 1
    # The item served for the rest names the same suggestion: its show is not a new one.
    rest = log.item_id(shown, 2)
    assert rest == f"{shown}+2"
    log.shown(rest)
    log.typed(shown, 6)  # all but the trailing newline
    report = log.report()
    assert (report["shown"], report["accepted"], report["partly_accepted"]) == (1, 1, 0)
    assert report["by_language"]["go"]["acceptance_rate"] == 1.0


def test_dismissed_suggestions_lower_the_rate_and_unknown_items_are_ignored() -> None:
    log = AcceptanceLog()
    keys = [log.suggest("rust", f"fn f{i}() {{}}") for i in range(4)]
    for key in keys:
        log.shown(log.item_id(key))
    log.accepted(log.item_id(keys[0]))
    assert not log.accepted("nonsense") and not log.accepted("abc+x")
    report = log.report()
    assert report["shown"] == 4 and report["acceptance_rate"] == 0.25
    assert report["by_language"]["rust"]["shown"] == 4


def test_last_hour_holds_only_suggestions_shown_within_the_hour() -> None:
    clock = Clock()
    log = AcceptanceLog(clock=clock)
    old = log.suggest("python", "a")
    log.shown(log.item_id(old))
    clock.now += 3601
    new = log.suggest("python", "b")
    log.accepted(log.item_id(new))  # accepted without a show: it was on screen all the same
    report = log.report()
    assert report["shown"] == 2 and report["last_hour"]["shown"] == 1
    assert report["last_hour"]["acceptance_rate"] == 1.0


def test_the_file_adds_each_servers_unsaved_counts(tmp_path: Path) -> None:
    path = tmp_path / "state" / "acceptance.json"
    first, second = AcceptanceLog(), AcceptanceLog()
    for log, accept in ((first, True), (second, False)):
        key = log.suggest("python", "pass")
        log.shown(log.item_id(key))
        if accept:
            log.accepted(log.item_id(key))
        acceptance_file.sync(log, path)
    acceptance_file.sync(first, path)  # nothing new: takes the other window's counts
    assert first.report()["shown"] == 2 and first.report()["accepted"] == 1
    saved = json.loads(path.read_text())
    total = {"shown": 2, "accepted": 1, "shown_chars": 8, "kept_chars": 4}
    assert saved["buckets"]["total"] == total
    restarted = AcceptanceLog()
    acceptance_file.sync(restarted, path)
    assert restarted.report()["acceptance_rate"] == 0.5


def test_an_unreadable_file_is_moved_aside_and_counting_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "acceptance.json"
    path.write_text("{not json")
    log = AcceptanceLog()
    log.accepted(log.item_id(log.suggest("python", "x")))
    acceptance_file.sync(log, path)
    assert (tmp_path / "acceptance.bad").read_text() == "{not json"
    assert json.loads(path.read_text())["buckets"]["total"]["accepted"] == 1


def test_the_state_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert acceptance_file.state_dir() == tmp_path / "qwen-lsp"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert acceptance_file.state_dir() == tmp_path / ".local" / "state" / "qwen-lsp"
