"""Figures per system, the M4 Max projection, and the side-by-side tables."""

from __future__ import annotations

from qwen_lsp.engine.stats import percentile

from .user import WAIT_CAP_S

# Qwen3-Coder-30B-A3B 4-bit on an M4 Max (mlx-lm's published figures) and its bf16 KV size:
# 48 layers x 4 KV heads x 128 x 2 (K, V) x 2 bytes.
M4_PROMPT_TPS, M4_GEN_TPS, M4_KV_BYTES = 1750.0, 113.0, 48 * 4 * 128 * 2 * 2
# qwen-lsp's clients ask at once; its server waits `completion.debounceMs` before the model.
CLIENT_DEBOUNCE_MS = {"qwen-lsp": 0.0, "Continue": 350.0, "llama.vim": 0.0}


def debounce_ms(name: str) -> float:
    return next(ms for prefix, ms in CLIENT_DEBOUNCE_MS.items() if name.startswith(prefix))


def pct(values: list[float], fraction: float) -> float | None:
    return round(percentile(values, fraction), 1) if values else None


def _p50_p95(values: list[float] | None) -> dict | None:
    return {"p50": pct(values, 0.5), "p95": pct(values, 0.95)} if values else None


def projected_ms(name: str, work: list[tuple], server_wait_ms: float = 0.0) -> list[float]:
    """Per answered pause: client debounce + the model work since the last keystroke, at M4 Max
    rates (uncached prompt tokens / 1,750 + generated tokens / 113), or an early answer's time
    box when longer: (uncached, generated[, floor ms]); + the server's wait before the model
    where the model worked (a pause answered from a cache waits none)."""
    base = debounce_ms(name)
    return [
        base
        + (server_wait_ms if u or g else 0.0)
        + max([1000 * (u / M4_PROMPT_TPS + g / M4_GEN_TPS), *floor])
        for u, g, *floor in work
    ]


def peer_figures(raw: dict) -> dict:
    """KV reuse and token counts from a peer's per-call log."""
    calls = raw["calls"]
    prompt = sum(c.get("prompt_tokens", 0) for c in calls)
    reused = sum(c.get("reused", 0) for c in calls)
    return {
        "kv_reuse": round(reused / prompt, 4) if prompt else 0.0,
        "prompt_tokens": prompt,
        "reused_prompt_tokens": reused,
        "generated_tokens": sum(c["generated"] for c in calls),
        "superseded_generated_tokens": sum(c["generated"] for c in calls if c.get("superseded")),
        "estimated_calls": sum(bool(c.get("estimated")) for c in calls),
    }


def qwen_figures(stats: dict) -> dict:
    return {
        "kv_reuse": stats["kv_reuse"],
        "prompt_tokens": stats["prompt_tokens"],
        "reused_prompt_tokens": stats["reused_prompt_tokens"],
        "generated_tokens": stats["generated_tokens"],
        "superseded_generated_tokens": stats.get("cancelled_generated_tokens"),
        "server_overhead_ms": stats["server_overhead_ms"],
        "latency_ms": stats["latency_ms"],  # as qwen.stats reports it, beside the felt latency
        # the client's own felt ms for the answers shown at pauses, and the server's for them
        "felt_latency_ms": stats.get("felt_latency_ms"),
        "typing_through_hits": stats["cache_hits"],
        "acceptance": {k: v for k, v in stats.items() if "accept" in k or "shown" in k},
        "background": stats.get("background", {}),  # pre-warm and next suggestions
    }


NEXT_AFTER_TAB_MS = 10.0  # issue 14: the next suggestion "at once" after a Tab


def after_tab_waits(name: str, user) -> list[float | None]:
    """Per Tab accept, ms from the client's request to the next suggestion (the client's
    debounce taken off the felt time: it is the same for every answer, cached or not)."""
    base = debounce_ms(name)
    return [None if ms is None else round(ms - base, 1) for ms in user.after_accept_ms]


def next_after_tab(waits: list[float | None]) -> dict:
    """Tab accepts followed by a suggestion within 10 ms of the request."""
    fast = sum(ms is not None and ms <= NEXT_AFTER_TAB_MS for ms in waits)
    answered = [ms for ms in waits if ms is not None]
    return {
        "accepts": len(waits),
        "within_10ms": fast,
        "share": round(fast / len(waits), 3) if waits else None,
        "p50_ms": pct(answered, 0.5),
    }


def felt_with_unanswered(user) -> list[float]:
    """Felt latencies with each unanswered pause counted at the wait cap (a lower bound)."""
    return user.felt_ms + [WAIT_CAP_S * 1000] * user.unanswered_pauses


def summarize(name: str, user, raw: dict, rss: dict[str, float]) -> dict:
    """One system's row: what the person felt, what the model did, what it cost."""
    stats = raw.get("stats")
    tokens = qwen_figures(stats) if stats else peer_figures(raw)
    requests = stats["requests"] if stats else raw["requests"]
    model_calls = stats["model_calls"] if stats else raw["model_calls"]
    projected = projected_ms(name, user.pause_work, raw.get("server_wait_ms", 0.0))
    felt = felt_with_unanswered(user)
    mean_prompt = tokens["prompt_tokens"] / model_calls if model_calls else 0
    tabs = after_tab_waits(name, user)
    return {
        "system": name,
        "felt_ms": {"p50": pct(felt, 0.5), "p95": pct(felt, 0.95)},
        "felt_ms_answered": [round(ms, 1) for ms in user.felt_ms],
        "pause_at": user.pause_at,
        "pauses": len(user.felt_ms) + user.unanswered_pauses,
        "unanswered_pauses": user.unanswered_pauses,
        "empty_answers": user.empty_answers,
        "keystrokes": user.keystrokes,
        "accepted": user.accepted,
        "accepted_chars": user.accepted_chars,
        "after_tab_ms": tabs,
        "next_after_tab": next_after_tab(tabs),
        "requests": requests,
        "model_calls": model_calls,
        "cache_hits": stats["cache_hits"] if stats else raw["cache_hits"],
        **tokens,
        "superseded_answered": raw["superseded_answered"],
        # every answered request from its keystroke (all of them, as qwen.stats counts latency)
        "answered_ms": _p50_p95(raw.get("answered_ms")),
        # the answers qwen.stats counts: those with a suggestion, cancelled by the client or not
        "suggested_ms": _p50_p95(raw.get("suggested_ms")),
        "errors": raw["errors"],
        "rss_mib": rss,
        "projected_m4_ms": {"p50": pct(projected, 0.5), "p95": pct(projected, 0.95)},
        "projected_m4_ms_answered": [round(ms, 1) for ms in projected],
        # the KV cache of one prompt of the mean length, at Qwen3-Coder-30B-A3B's size per token
        "projected_kv_mb_mean_prompt": round(mean_prompt * M4_KV_BYTES / 1e6, 1),
    }


def problems(row: dict, need_answers: bool = True) -> list[str]:
    """What makes a run fail (never its speed)."""
    found = [f"{row['system']}: {e}" for e in row["errors"]]
    if row["superseded_answered"]:
        found.append(f"{row['system']}: {row['superseded_answered']} superseded requests answered")
    if need_answers and not row["felt_ms_answered"]:
        found.append(f"{row['system']}: no pause got an answer: figures missing")
    if not row["model_calls"]:
        found.append(f"{row['system']}: no model call")
    return found


def format_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"≥ {value:,.0f}" if value >= WAIT_CAP_S * 1000 else f"{value:,.0f}"


def _ratio(value: float | None, base: float | None) -> str:
    return "—" if not value or not base else f"{value / base:.2f}x"


def table(rows: list[dict], skipped: dict[str, str]) -> str:
    """Markdown: felt latency and ratios to qwen-lsp, reuse, work, projection, memory."""
    base = rows[0]
    columns = ["system", "felt p50 / p95 ms (unanswered: ≥ 20 s)", "ratio to qwen-lsp (p50 / p95)"]
    columns += ["pauses answered (in 20 s)", "KV reuse"]
    columns += ["model calls / requests", "cache hits", "Tab accepts", "superseded tokens"]
    columns += ["projected M4 Max p50 / p95 ms", "KV per prompt at 96 KB/token", "peak RSS MiB"]
    head = "| " + " | ".join(columns) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        felt, proj = row["felt_ms"], row["projected_m4_ms"]
        first = base["felt_ms"]
        ratio = f"{_ratio(felt['p50'], first['p50'])} / {_ratio(felt['p95'], first['p95'])}"
        rss = " + ".join(f"{k} {v:.0f}" for k, v in row["rss_mib"].items())
        lines.append(
            f"| {row['system']} | {format_ms(felt['p50'])} / {format_ms(felt['p95'])} | {ratio} "
            f"| {row['pauses'] - row['unanswered_pauses']} / {row['pauses']} "
            f"| {row['kv_reuse']:.1%} | {row['model_calls']} / {row['requests']} "
            f"| {row['cache_hits']} | {row['accepted']} ({row['accepted_chars']} chars) "
            f"| {row['superseded_generated_tokens']} "
            f"| {format_ms(proj['p50'])} / {format_ms(proj['p95'])} "
            f"| {row['projected_kv_mb_mean_prompt']:.0f} MB | {rss} |"
        )
    for name, why in skipped.items():
        lines.append(f"| {name} | {why} |" + " |" * (head.count("|") - 3))
    return "\n".join(lines)
