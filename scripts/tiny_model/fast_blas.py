"""Faster float32 matmuls for training on Linux CPUs.

The Linux `mlx[cpu]` wheel links the reference (netlib) BLAS: about 1.5 GFLOPS on 2 cores,
where numpy's bundled OpenBLAS does 40+. A 10-line shim exporting `cblas_sgemm` that forwards to
numpy's OpenBLAS, preloaded into the training process, makes training ~5x faster. Without a C
compiler or that library, training runs as is (slower, same results up to rounding).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy

SHIM_ENV = "TINY_MODEL_SGEMM_SHIM"  # set in the restarted process: restart once only
SHIM_SOURCE = Path(__file__).with_name("sgemm_shim.c")


def _openblas() -> Path | None:
    libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    found = sorted(libs.glob("libscipy_openblas64_*.so"))
    return found[0] if found else None


def build_shim(out_dir: Path) -> Path | None:
    """Compile the shim against numpy's OpenBLAS into `out_dir`; None where that cannot work."""
    compiler, blas = shutil.which("cc"), _openblas()
    if sys.platform != "linux" or compiler is None or blas is None:
        return None
    shim = out_dir / "libsgemm_shim.so"
    command = [compiler, "-O2", "-shared", "-fPIC", str(SHIM_SOURCE), "-o", str(shim)]
    command += [f"-L{blas.parent}", f"-l:{blas.name}", f"-Wl,-rpath,{blas.parent}"]
    if subprocess.run(command, capture_output=True).returncode != 0:
        return None
    return shim


def reexec_with_shim(out_dir: Path) -> None:
    """Restart this process with the shim preloaded; returns where it cannot be built."""
    if SHIM_ENV in os.environ:
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    shim = build_shim(out_dir)
    if shim is None:
        print("training with mlx's reference BLAS (no C compiler or numpy OpenBLAS): slower")
        return
    preload = f"{shim} {os.environ.get('LD_PRELOAD', '')}".strip()
    # One OpenBLAS thread: mlx keeps the other core busy with everything else.
    env = {**os.environ, SHIM_ENV: str(shim), "LD_PRELOAD": preload, "OPENBLAS_NUM_THREADS": "1"}
    os.execve(sys.executable, [sys.executable, *sys.argv], env)
