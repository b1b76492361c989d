"""Prompt-lookup speculation in the worker's model host, with and without, side by side.

    python scripts/bench_speculation.py [MODEL_DIR ...] [--fim N] [--draft-tokens K ...]

For each model (default: build/tiny-model and build/trained-model) and each kind of request the
server sends (FIM at random holes of the corpus; "FIM copy": holes whose answer appears verbatim
elsewhere in the file; the first turn of Fix, Refactor, Docstring and Tests actions on its
definitions, greedy), every request runs once to warm its KV cache, then speculation off, on
with each `--draft-tokens`, and (`--before REF`) on with the drafts and the decoding loop of git
commit REF (`worker/speculation.py`, `worker/decoding.py`) at each of them, run in turn on the
same cached prompt (`--reps` rounds), so the times compare generation alone and load changes
touch every setting alike (`--new-tokens N`: the cache lacks the prompt's last N tokens, as
after a keystroke, and each run feeds them first); every answer is checked
byte-identical to the one without speculation. Reports acceptance (accepted / drafted tokens),
tokens per forward pass, and the speedup: summed time without speculation / summed time with it
(each request's median over its reps), and the median of the per-request ratios.
`--pass-widths` first times forward passes of 1, 2, 3, 5, 9 and 17 tokens over a cached action
prompt (what verifying a draft of 0 to 16 tokens costs), as ratios to the 1-token pass;
`--index-cost` times making the draft index for a FIM prompt of the server's budget. Runs
with the `cblas_sgemm` shim preloaded, as `make bench` runs every model process
(`--reference-blas`: with mlx's reference BLAS instead).
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import mlx.core as mx
import msgspec
from mlx_lm.models.cache import make_prompt_cache, trim_prompt_cache
from speculation_cases import (
    CORPUS,
    action_chats,
    fim_copy_requests,
    fim_requests,
    forget_tail,
)
from tiny_model import fast_blas
from tiny_model.fim_examples import fim_prompt

from qwen_lsp import messages as m
from qwen_lsp.worker import decoding, speculation
from qwen_lsp.worker import host as host_module
from qwen_lsp.worker.host import HostOptions, ModelHost
from qwen_lsp.worker.speculation import FIM_MIN_N, SpeculationStats

ROOT = Path(__file__).resolve().parent.parent
MODELS = [ROOT / "build" / "tiny-model", ROOT / "build" / "trained-model"]
ACTION_KINDS = {"fix": "Fix", "refactor": "Refactor", "docstring": "Docstring", "tests": "Tests"}


def worker_module_at(ref: str, name: str) -> types.ModuleType:
    """`worker/<name>.py` as it was at git `ref`, to compare with (its relative imports are
    today's)."""
    path = f"server/qwen_lsp/worker/{name}.py"
    shown = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True)
    if shown.returncode:
        raise SystemExit(f"--before {ref}: {shown.stderr.decode().strip()}")
    module = sys.modules[f"{name}_{ref}"] = types.ModuleType(f"{name}_{ref}")
    module.__package__ = "qwen_lsp.worker"
    exec(compile(shown.stdout, f"{ref}:{path}", "exec"), module.__dict__)
    return module


def index_of(drafts: types.ModuleType) -> Callable[..., speculation.NgramIndex]:
    """The draft index of `drafts`, taking the arguments it knows of today's (`line_ends`
    came later)."""
    if "line_ends" in inspect.signature(drafts.NgramIndex).parameters:
        return drafts.NgramIndex
    return lambda *args, line_ends=None, **kwargs: drafts.NgramIndex(*args, **kwargs)


def setting(
    draft_tokens: int,
    drafts: types.ModuleType = speculation,
    fim_min_n: int = FIM_MIN_N,
    decoder: types.ModuleType = decoding,
) -> Callable[[ModelHost], None]:
    """Speculation off (0) or on for every request, drafting this many tokens at most, with the
    draft index of `drafts` (a version of `worker/speculation.py`) and the loop of `decoder`
    (of `worker/decoding.py`)."""

    def apply(host: ModelHost) -> None:
        host.options.speculation = "all" if draft_tokens else "off"
        host.options.draft_tokens = draft_tokens
        host_module.NgramIndex = index_of(drafts)  # type: ignore[attr-defined]
        host_module.fim_lookup = drafts.fim_lookup  # type: ignore[attr-defined]
        host_module.FIM_MIN_N = fim_min_n  # type: ignore[attr-defined]
        host_module.speculative_tokens = decoder.speculative_tokens  # type: ignore[attr-defined]

    return apply


def timed(host: ModelHost, request: m.Generate | m.Chat) -> tuple[float, m.Done]:
    started = time.perf_counter()
    done = host.generate(request, cancelled=lambda: False)
    return time.perf_counter() - started, done


def measure(
    host: ModelHost, requests: list, settings: dict, reps: int, new_tokens: int = 1
) -> dict[str, dict]:
    """Per setting: acceptance, tokens per pass, tok/s and the speedup over "off"."""
    seconds: dict[str, list[float]] = {name: [] for name in settings}
    counts = {name: SpeculationStats() for name in settings}
    tokens = 0
    for i, request in enumerate(requests):
        request = msgspec.structs.replace(request, cache_key=f"bench:{i}")
        settings["off"](host)
        _, expected = timed(host, request)  # warm: the prompt is cached for every rep
        tokens += expected.usage.generated_tokens
        times: dict[str, list[float]] = {name: [] for name in settings}
        for rep in range(reps):
            for name, apply in settings.items():  # interleaved: load changes touch all alike
                apply(host)
                if new_tokens > 1:
                    forget_tail(host, request, new_tokens)
                elapsed, done = timed(host, request)
                times[name].append(elapsed)
                if (done.text, done.finish_reason) != (expected.text, expected.finish_reason):
                    raise SystemExit(f"{name} changed the answer to request {i}")
                if rep == 0:
                    stats = host.last_speculation
                    counts[name].drafted += stats.drafted
                    counts[name].accepted += stats.accepted
                    counts[name].forward_passes += stats.forward_passes
        for name in settings:
            seconds[name].append(statistics.median(times[name]))
    off = sum(seconds["off"])
    return {
        name: {
            "requests": len(requests),
            "tokens": tokens,
            "acceptance": counts[name].acceptance,
            "tokens_per_pass": tokens / counts[name].forward_passes,
            "tok_s": tokens / sum(seconds[name]),
            "speedup_sum": off / sum(seconds[name]),
            "speedup_median": statistics.median(
                plain / spec for plain, spec in zip(seconds["off"], seconds[name], strict=True)
            ),
        }
        for name in settings
    }


def pass_costs(host: ModelHost, request: m.Chat, widths=(1, 2, 3, 5, 9, 17), rounds=30) -> str:
    """Median time of a forward pass of each width on a cached prompt, over the 1-token pass."""
    tokens = host._encode(request)
    cache = make_prompt_cache(host.model)
    host.model(mx.array(tokens)[None], cache=cache)
    times: dict[int, list[float]] = {w: [] for w in widths}
    for _ in range(rounds):  # interleaved, so load changes touch every width alike
        for width in widths:
            started = time.perf_counter()
            logits = host.model(mx.array(tokens[-width:])[None], cache=cache)
            mx.argmax(logits, axis=-1).tolist()
            times[width].append(time.perf_counter() - started)
            trim_prompt_cache(cache, width)
    one = statistics.median(times[widths[0]])
    return ", ".join(f"{w} tokens {statistics.median(times[w]) / one:.2f}x" for w in widths)


def index_costs(host: ModelHost, settings: dict, rounds: int = 20) -> str:
    """Median time to make the draft index and draft 48 times, per setting, for a FIM prompt
    of the server's default budget (the corpus three times over, the cursor in the middle)."""
    text = "\n".join(path.read_text() for path in CORPUS) * 3
    request = m.Generate(id=0, prompt=fim_prompt(text, len(text) // 2, "all.py"), max_tokens=48)
    tokens = host._encode(request)
    times: dict[str, list[float]] = {name: [] for name in settings if name != "off"}
    for _ in range(rounds):
        for name in times:
            settings[name](host)
            started = time.perf_counter()
            index = host._lookup(request, tokens)
            for token in tokens[-48:]:
                index.draft(host.options.draft_tokens)
                index.extend([token])
            times[name].append(time.perf_counter() - started)
    costs = (f"{name} {statistics.median(t) * 1000:.1f} ms" for name, t in times.items())
    return f"draft index, {len(tokens)}-token FIM prompt, made + 48 drafts: " + ", ".join(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", type=Path, default=MODELS)
    parser.add_argument("--fim", type=int, default=30, help="FIM holes per model")
    parser.add_argument("--actions", type=int, default=8, help="requests per action kind")
    parser.add_argument("--fim-tokens", type=int, default=48)
    parser.add_argument("--action-tokens", type=int, default=256)
    parser.add_argument("--draft-tokens", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--before", help="also the drafts of this git commit, at each k")
    parser.add_argument("--fim-min-n", type=int, nargs="*", default=[], help="also these")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--new-tokens",
        type=int,
        default=1,
        help="prompt tokens each timed run feeds anew (the rest cached), as after a keystroke",
    )
    parser.add_argument("--pass-widths", action="store_true", help="time wider passes first")
    parser.add_argument("--index-cost", action="store_true", help="time the draft index first")
    parser.add_argument("--kinds", nargs="+", help="only these request kinds (e.g. FIM Refactor)")
    parser.add_argument(
        "--reference-blas",
        action="store_true",
        help="without the cblas_sgemm shim the benchmark uses",
    )
    args = parser.parse_args()
    if not args.reference_blas:
        fast_blas.reexec_with_shim(ROOT / "build")  # as `make bench` runs every model process
    chats = action_chats(seed=0, max_tokens=args.action_tokens)
    kinds: dict[str, list] = {"FIM": fim_requests(args.fim, seed=1, max_tokens=args.fim_tokens)}
    kinds["FIM copy"] = fim_copy_requests(max_tokens=args.fim_tokens)
    kinds |= {label: chats[kind][: args.actions] for kind, label in ACTION_KINDS.items()}
    kinds = {label: kinds[label] for label in args.kinds or kinds}
    settings = {"off": setting(0)}
    if args.before:
        before = worker_module_at(args.before, "speculation")
        fim_min_n = getattr(before, "FIM_MIN_N", 3)  # before it was one, the host passed 3
        loop = worker_module_at(args.before, "decoding")
        for k in args.draft_tokens:
            settings[f"{args.before}, k={k}"] = setting(k, before, fim_min_n, loop)
    settings |= {f"k={k}": setting(k) for k in args.draft_tokens}
    for n in args.fim_min_n:  # FIM drafts from shorter (or longer) matches
        settings |= {f"k={k}, FIM n≥{n}": setting(k, fim_min_n=n) for k in args.draft_tokens}
    print(
        "| model, requests | speculation | acceptance | tokens / pass | tok/s "
        "| speedup (sum) | speedup (median) |"
    )
    print("|---|---|---|---|---|---|---|")
    for model in args.models:
        host = ModelHost(HostOptions(str(model)))
        host.load(lambda text, percent: None)
        if args.pass_widths:
            print(f"{model.name} pass cost: {pass_costs(host, chats['refactor'][0])}", flush=True)
        if args.index_cost:
            print(f"{model.name} {index_costs(host, settings)}", flush=True)
        for label, requests in kinds.items():
            results = measure(host, requests, settings, args.reps, args.new_tokens)
            for name, r in results.items():
                acceptance = "–" if name == "off" else f"{r['acceptance']:.0%}"
                print(
                    f"| {model.name} {label} ({r['requests']}, {r['tokens']} tokens) | {name} "
                    f"| {acceptance} | {r['tokens_per_pass']:.2f} | {r['tok_s']:.0f} "
                    f"| {r['speedup_sum']:.2f}x | {r['speedup_median']:.2f}x |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
