"""Prompt-lookup speculation in the worker's model host, with and without, side by side.

    python scripts/bench_speculation.py [MODEL_DIR ...] [--fim N] [--draft-tokens K ...]

For each model (default: build/tiny-model and build/trained-model) and each kind of request the
server sends (FIM at random holes of the corpus; "FIM copy": holes whose answer appears verbatim
elsewhere in the file; the first turn of Fix, Refactor, Docstring and Tests actions on its
definitions, greedy), every request runs once to warm its KV cache, then
plain and speculative decoding alternate on the same cached prompt (`--reps` each), so the
times compare generation alone. Reports acceptance (accepted / drafted tokens), tokens per
forward pass, and the speedup: summed plain time / summed speculative time, and the median of
the per-request ratios (each request's median over its reps). `--pass-widths` first times
forward passes of 1, 2, 3, 5 and 9 tokens over a cached action prompt (what verifying a draft of
0, 1, 2, 4 and 8 tokens costs), as ratios to the 1-token pass.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import mlx.core as mx
import msgspec
from mlx_lm.models.cache import make_prompt_cache, trim_prompt_cache
from speculation_cases import action_chats, fim_copy_requests, fim_requests

from qwen_lsp import messages as m
from qwen_lsp.worker.host import HostOptions, ModelHost

ROOT = Path(__file__).resolve().parent.parent
MODELS = [ROOT / "build" / "tiny-model", ROOT / "build" / "trained-model"]
ACTION_KINDS = {"fix": "Fix", "refactor": "Refactor", "docstring": "Docstring", "tests": "Tests"}


def timed(host: ModelHost, request: m.Generate | m.Chat, speculate: bool) -> tuple[float, m.Done]:
    host.options.speculation = "all" if speculate else "off"
    started = time.perf_counter()
    done = host.generate(request, cancelled=lambda: False)
    return time.perf_counter() - started, done


def measure(host: ModelHost, requests: list, reps: int) -> dict[str, float]:
    plain_s, spec_s, ratios = 0.0, 0.0, []
    drafted = accepted = passes = tokens = 0
    for i, request in enumerate(requests):
        request = msgspec.structs.replace(request, cache_key=f"bench:{i}")
        timed(host, request, speculate=False)  # warm: the prompt is cached for every rep
        plain, spec = [], []
        for _ in range(reps):
            seconds, expected = timed(host, request, speculate=False)
            plain.append(seconds)
            seconds, done = timed(host, request, speculate=True)
            spec.append(seconds)
            if (done.text, done.finish_reason) != (expected.text, expected.finish_reason):
                raise SystemExit(f"speculation changed the answer to request {i}")
        stats = host.last_speculation
        drafted, accepted = drafted + stats.drafted, accepted + stats.accepted
        passes, tokens = passes + stats.forward_passes, tokens + done.usage.generated_tokens
        plain_s, spec_s = plain_s + statistics.median(plain), spec_s + statistics.median(spec)
        ratios.append(statistics.median(plain) / statistics.median(spec))
    return {
        "requests": len(requests),
        "tokens": tokens,
        "acceptance": accepted / drafted if drafted else 0.0,
        "tokens_per_pass": tokens / passes if passes else 0.0,
        "plain_tok_s": tokens / plain_s if plain_s else 0.0,
        "spec_tok_s": tokens / spec_s if spec_s else 0.0,
        "speedup_sum": plain_s / spec_s if spec_s else 0.0,
        "speedup_median": statistics.median(ratios) if ratios else 0.0,
    }


def pass_costs(host: ModelHost, request: m.Chat, widths=(1, 2, 3, 5, 9), rounds=30) -> str:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", type=Path, default=MODELS)
    parser.add_argument("--fim", type=int, default=30, help="FIM holes per model")
    parser.add_argument("--actions", type=int, default=8, help="requests per action kind")
    parser.add_argument("--fim-tokens", type=int, default=48)
    parser.add_argument("--action-tokens", type=int, default=256)
    parser.add_argument("--draft-tokens", type=int, nargs="+", default=[8])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--pass-widths", action="store_true", help="time wider passes first")
    args = parser.parse_args()
    chats = action_chats(seed=0, max_tokens=args.action_tokens)
    kinds: dict[str, list] = {"FIM": fim_requests(args.fim, seed=1, max_tokens=args.fim_tokens)}
    kinds["FIM copy"] = fim_copy_requests(max_tokens=args.fim_tokens)
    kinds |= {label: chats[kind][: args.actions] for kind, label in ACTION_KINDS.items()}
    print(
        "| model | k | requests | tokens | acceptance | tokens / pass "
        "| plain tok/s | speculative tok/s | speedup (sum) | speedup (median) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model in args.models:
        host = ModelHost(HostOptions(str(model)))
        host.load(lambda text, percent: None)
        if args.pass_widths:
            print(f"{model.name} pass cost: {pass_costs(host, chats['refactor'][0])}", flush=True)
        for k in args.draft_tokens:
            host.options.draft_tokens = k
            for label, requests in kinds.items():
                r = measure(host, requests, args.reps)
                print(
                    f"| {model.name} {label} | {k} | {r['requests']} | {r['tokens']} "
                    f"| {r['acceptance']:.0%} | {r['tokens_per_pass']:.2f} "
                    f"| {r['plain_tok_s']:.0f} | {r['spec_tok_s']:.0f} "
                    f"| {r['speedup_sum']:.2f}x | {r['speedup_median']:.2f}x |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
