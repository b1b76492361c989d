"""The shared worker's runtime directory and socket: private to the user, or refused."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from qwen_lsp.runtime_dir import (
    UnsafeRuntimeDir,
    check_socket,
    ensure_private_dir,
    runtime_dir,
    worker_paths,
)

pytestmark = pytest.mark.unit
ME = os.getuid()
SOMEONE_ELSE = ME + 1  # "another owner": the uid the checks compare against


@pytest.fixture
def bound_socket(tmp_path: Path):
    path = tmp_path / "w.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    yield path
    listener.close()


def test_runtime_dir_is_under_xdg_runtime_dir_else_a_per_user_temp_dir():
    assert runtime_dir({"XDG_RUNTIME_DIR": "/run/user/7"}, uid=7) == Path("/run/user/7/qwen-lsp")
    assert runtime_dir({}, uid=7).name == "qwen-lsp-7"


def test_missing_directory_is_created_private(tmp_path: Path):
    path = ensure_private_dir(tmp_path / "qwen-lsp")
    assert path.stat().st_mode & 0o777 == 0o700
    assert ensure_private_dir(path) == path  # and accepted the next time


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701, 0o777])
def test_directory_others_can_enter_is_refused(tmp_path: Path, mode: int):
    path = tmp_path / "qwen-lsp"
    path.mkdir()
    path.chmod(mode)
    with pytest.raises(UnsafeRuntimeDir, match=rf"mode {mode:04o}.*lets other users in"):
        ensure_private_dir(path)


def test_directory_of_another_user_is_refused(tmp_path: Path):
    path = ensure_private_dir(tmp_path / "qwen-lsp")
    with pytest.raises(UnsafeRuntimeDir, match=f"belongs to user id {ME}, not to you"):
        ensure_private_dir(path, uid=SOMEONE_ELSE)


def test_symlinked_directory_is_refused(tmp_path: Path):
    target = ensure_private_dir(tmp_path / "real")
    link = tmp_path / "qwen-lsp"
    link.symlink_to(target)
    with pytest.raises(UnsafeRuntimeDir, match="not a directory"):
        ensure_private_dir(link)


def test_private_socket_is_accepted(bound_socket: Path):
    check_socket(bound_socket)


def test_socket_others_can_connect_to_is_refused(bound_socket: Path):
    bound_socket.chmod(0o666)
    with pytest.raises(UnsafeRuntimeDir, match=r"worker socket .* mode 0666"):
        check_socket(bound_socket)


def test_socket_of_another_user_is_refused(bound_socket: Path):
    with pytest.raises(UnsafeRuntimeDir, match="belongs to user id"):
        check_socket(bound_socket, uid=SOMEONE_ELSE)


def test_a_file_in_place_of_the_socket_is_refused(tmp_path: Path):
    path = tmp_path / "w.sock"
    path.write_text("")
    path.chmod(0o600)
    with pytest.raises(UnsafeRuntimeDir, match="not a socket"):
        check_socket(path)


def test_one_socket_per_model(tmp_path: Path):
    first, again = worker_paths("org/model-a", tmp_path), worker_paths("org/model-a", tmp_path)
    other = worker_paths("org/model-b", tmp_path)
    assert first == again and first.socket != other.socket
    assert first.socket.suffix == ".sock" and first.lock.parent == tmp_path


def test_socket_path_too_long_for_unix_sockets_is_a_clear_error(tmp_path: Path):
    with pytest.raises(UnsafeRuntimeDir, match="set XDG_RUNTIME_DIR to a shorter"):
        worker_paths("m", tmp_path / ("d" * 120))
