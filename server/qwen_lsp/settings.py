"""Typed settings, parsed once from initializationOptions / the `qwen` configuration section.

JSON keys are camelCase (`docs.onSave`). This module is the one source of truth: each field's
docstring is its documentation, and `scripts/settings_docs.py` (`make settings-docs`) writes it
into README's Settings section and the VS Code extension's package.json.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import msgspec

DEFAULT_MODEL = "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"
MODEL_ENV = "QWEN_LSP_MODEL"


# Range checks live in the types: msgspec's errors then name the offending key's path.
Positive = Annotated[int, msgspec.Meta(gt=0)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class _Section(
    msgspec.Struct, rename="camel", forbid_unknown_fields=True, omit_defaults=True, frozen=True
):
    pass


class CompletionSettings(_Section, frozen=True):
    enabled: bool = True
    """Serve inline completions (`qwen.toggleCompletions` flips it)."""
    multiline: Literal["auto", "always", "never"] = "auto"
    """Whether suggestions may span several lines. `auto` decides from the code at the cursor:
    several lines on an empty line or after a line that opens a block (`def f():`, `{`), one
    line at the end of a statement (where the model ends the line: the next one, see
    `completion.nextLine`), in the middle of a line or inside a comment or string.
    `always` and `never` force it (`never`: generation stops at the first newline)."""
    max_tokens: Positive = 64
    """Most tokens the model generates for one suggestion."""
    max_lines: Positive = 16
    """Most lines one multi-line suggestion may have."""
    debounce_ms: NonNegative = 0
    """How long the server waits after a keystroke before it asks the model for a suggestion.
    The clients ask on every change, and a suggestion the server already has (typed through,
    or computed ahead) is answered at once, never waiting. During the wait the next keystroke,
    or the client cancelling the request, ends it and the model is not asked; a suggestion
    asked for on purpose (the trigger key) does not wait. 0 (default) asks at once, and the
    next keystroke cancels the generation: in the typing replay a wait of 20 or 40 ms added
    itself to the answers that needed the model and spared at most 7% of the model calls (see
    BENCHMARKS.md). A wait can spare a busy shared model server requests. It counts in the
    latency `qwen.stats` reports."""
    timeout_ms: Positive = 5000
    """A suggestion still generating this many milliseconds after it was asked for (time spent
    waiting in the model worker counts) is cut short and returned as it is."""
    answer_within_ms: NonNegative = 50
    """Answer a suggestion with the text generated so far once this many milliseconds have
    passed since the request reached the model (at its first word, if none came yet; whole
    lines, when a line is finished), instead of when the model has finished it, as llama.vim
    bounds its prediction time. The model generates on, at the lowest priority, and the whole
    suggestion takes the short one's place in the server's cache: typing on through it, or
    asking again, shows the rest without a new model call (the VS Code extension and the Neovim
    plugin ask again themselves when it is ready: `qwen/suggestionGrew`). A keystroke the cache
    cannot answer stops it. 50 (default): in the typing replay (35 pauses, side by side with
    100) the slowest pauses on the trained test model fell from 126 to 66 ms (p95) and the
    median on the cost-realistic model from 132 to 88 ms, while the median of fast
    suggestions stayed (30 and 29 ms); the price is more suggestions shown before the model
    finished them, that grow (25% of the trained model's keystroke generations against 6% at
    100; BENCHMARKS.md, "Answering before the generation ends"). 100 or more: fewer of them,
    where the model is fast. `0`: answer when the suggestion is complete, to see a
    multi-line suggestion whole at once however long it takes, or where a shared model server
    should not generate on after the answer. Local worker and remote servers alike (the
    server's stream is read on)."""
    prewarm: bool = True
    """When a document is opened (the last four opened, at their end) or comes to the front (the
    clients send `qwen/didFocus` with the cursor), prefill its completion prompt at the cursor
    into the model's KV cache at the lowest priority, so the first keystroke there reuses it
    instead of starting cold. Local
    worker and `llamacpp` (`/infill` with `n_predict` 0) only: an OpenAI-compatible server
    cannot prefill without generating, so nothing is sent there."""
    enter_prewarm: bool = False
    """While the cursor rests (250 ms) at the end of a line that reads as finished, prefill at
    the lowest priority the prompt a keystroke would send after Enter (the finished line above
    the cursor, the editor's indentation on the new line) into a second KV cache of the
    document: after Enter the whole suffix changes place in the prompt and would be read again.
    Costs a background prefill of the suffix per rest and one more prompt's KV cache per
    document (evicted before any document's own). Off by default: the typing replay, whose
    person never pauses right after Enter, showed no gain (BENCHMARKS.md). Local worker only,
    and only with `completion.prewarm`."""
    next_suggestion: bool = True
    """After a suggestion is served, compute at the lowest priority the one that would follow
    accepting it (the text as if accepted, the cursor at its end), so Tab shows the next ghost
    text from the server's cache without waiting for the model. Typing anything else cancels
    it. Costs a generation per suggestion that nobody may take: turn it off on a busy shared
    model server."""
    next_line: bool = True
    """At the end of a line of code, where a one-line suggestion would otherwise be empty (the
    model ends the line), suggest the next line instead, with its indentation, as Copilot does;
    accepting it and the next suggestion goes on line by line. The local worker only (the
    `llamacpp` and `openai` backends stop at the first newline), and not with
    `completion.multiline` `never`."""


class ContextSettings(_Section, frozen=True):
    max_prompt_tokens: Positive = 2048
    """Approximate token budget of a completion prompt. With `context.repoFiles` on, a third
    of it is kept for repository context; the rest is split about 3:1 between the text above
    and below the cursor."""
    repo_files: bool = True
    """Add repository context to completion prompts, before the current file (as
    `<|file_sep|>` sections): the start of each other open document, chunks around places you
    edited recently, and definitions, found in other open documents, of names used near the
    cursor. To keep the model's KV cache warm, a document's repository section stays the same
    while you type around one place, and when you come back to it from another file; what was
    noted meanwhile joins it once the cursor has moved on in it by about 16 lines."""
    max_chunks: Positive = 16
    """Most chunks (recently edited places and definitions from other open documents) kept as
    repository context; the oldest go first when new ones join."""


class WorkerSettings(_Section, frozen=True):
    cache_mb: Positive = 2048
    """Memory, in MiB, the worker's KV prompt caches may hold: one live cache per document and
    per action session, reused in place; beyond this budget (counted in tokens of the model's
    KV size) the least recently used are dropped. Restarts the worker."""
    speculation: Literal["off", "actions", "all"] = "all"
    """Prompt-lookup speculative decoding for greedy generation: the worker guesses the next
    tokens by finding the last few tokens earlier in the prompt (for actions also in the syntax
    of a tool call, for completions also below the cursor) and checks the guess in one forward
    pass, keeping what the model agrees with. The text is the same as without it. `all`
    (default): completions and code actions with `actions.temperature` 0; on the trained test
    model actions generated 2.1-2.5x faster, completions 1.0-1.5x (1.7-1.8x where they copy a
    line), and the typing replay's median pause fell from 58 to 38 ms (BENCHMARKS.md);
    `actions`: code actions only; `off`: never. Restarts the worker."""
    draft_tokens: NonNegative = 8
    """Most tokens guessed per forward pass by `worker.speculation` (0 turns it off): a guess
    stops early where the copied text or tool-call syntax ends; longer guesses are more often
    wrong, and each guessed token widens the pass (8 measured best for actions, BENCHMARKS.md).
    Restarts the worker."""
    preempt_chunk_ms: NonNegative = 12
    """How long a keystroke may wait for background work (a pre-warm, a code action's prompt) that
    is reading its prompt: the worker reads such prompts in chunks of as many tokens as it
    measured to fit in this time (8 to 64), and serves a waiting keystroke between two chunks.
    Smaller: keystrokes wait less, background prompts take a little longer. `0`: fixed 64-token
    chunks (the old behaviour; ~4 decode steps on an M4 Max, 10-20 on a small CPU model).
    Restarts the worker."""
    cpu_attention: Literal["numpy", "mlx"] = "numpy"
    """How a worker whose mlx runs on the CPU (Linux; not Apple silicon's GPU) computes
    attention: `numpy` (default) hands it to numpy, whose vectorised `exp` and OpenBLAS read the
    trained test model's prompts ~2.5x faster than mlx's CPU kernels (BENCHMARKS.md); `mlx`:
    mlx's own kernels, as mlx-lm computes. The two agree to float32 rounding. Restarts the
    worker."""
    max_context_tokens: Positive = 32768
    """Longest prompt plus generation the worker accepts; a longer request fails with an error
    naming this setting. Qwen3-Coder's native limit (262,144) needs far more memory. Restarts
    the worker."""
    shared: bool = False
    """One model worker for all your editor windows instead of one per language server: the
    first server that needs it starts it detached, later ones (VS Code windows, Neovims) connect
    to it through a unix socket, so the model is loaded once. The socket lives in
    `$XDG_RUNTIME_DIR/qwen-lsp/` (else `qwen-lsp-<uid>` in the system temp directory), one per
    model; the directory must be yours and 0700 and the socket yours and 0600, or the server
    refuses it and says why. Keystrokes from any window are served before code actions and docs
    from any window; cancelling, or closing a window, stops only that window's requests. The
    first server's `worker.cacheMb` and `worker.maxContextTokens` apply to the shared worker; its
    log is `worker-*.log` beside the socket. See docs/scaling.md."""
    idle_timeout_s: Positive = 600
    """Seconds a shared worker (`worker.shared`) stays up after its last editor disconnected,
    keeping the model loaded for the next window; then it exits and frees the memory."""
    allow_download: bool = False
    """Download a Hugging Face model (a repo id in `model`) that is not in the local Hugging
    Face cache. Off, the worker does not download: it fails with a message that gives the
    download's size and how to allow it. Only weights, tokenizer and configuration files are
    fetched; a model's own Python code is never downloaded or run. In VS Code an untrusted
    workspace cannot set it (nor `model`). Restarts the worker."""


class RemoteSettings(_Section, frozen=True):
    url: Annotated[str, msgspec.Meta(pattern=r"^https?://")] = "http://127.0.0.1:8080"
    """The model server's base URL for [`backend`](#backend) `"openai"` or `"llamacpp"`, with or
    without a trailing `/v1` (`http://gpu-box:8000/v1` works as is)."""
    model: str = ""
    """The model name sent with each request. Empty sends none and the server uses its default
    (mlx_lm.server, llama.cpp, vLLM and SGLang serve one model); LM Studio and Ollama need the
    name (e.g. `qwen2.5-coder:7b-base`)."""
    chat_model: str = ""
    """The model name sent with chats (code actions, documentation); empty:
    [`remote.model`](#remotemodel). For Ollama, where completions need a raw-template copy of
    the model and chats need the original tag (see [Ollama](#ollama))."""
    api_key_env: str = ""
    """The *name* of an environment variable of the language server's process that holds the
    server's API key, e.g. `"QWEN_API_KEY"`; its value is sent as `Authorization: Bearer …`. The
    key itself never goes in settings, logs, or messages to the editor. Empty: no key."""
    connect_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    """Longest wait, in seconds, to connect to the server."""
    timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 120.0
    """Longest wait, in seconds, for the server's next bytes once connected (this covers a long
    prompt being processed). Completions are also cut at
    [`completion.timeoutMs`](#completiontimeoutms)."""
    retries: NonNegative = 2
    """Retries, waiting 0.25 s, 0.5 s, … between them, when the server cannot be reached. A
    request the server has received is never sent twice."""


class DocsSettings(_Section, frozen=True):
    on_save: bool = False
    """Write documentation for the undocumented definitions you changed when a file is saved
    (see Documentation on save). Changes count from the last save, or from opening the file
    with this setting on (off, no copy of the saved text is kept; turned on later, it starts
    counting at the next save)."""
    style: Literal["google", "numpy", "sphinx"] = "google"
    """Python docstring convention, for docs on save, `qwen.generateDocs` and the Add docstring
    action. Other languages use their own convention (JSDoc, `///` in Rust, Go doc comments,
    …)."""
    max_per_save: Positive = 8
    """Most definitions documented per save; the rest are documented on later saves."""
    timeout_s: Positive = 120
    """Time cap, in seconds, of one save's documentation run; what was written by then is
    applied."""


class ActionsSettings(_Section, frozen=True):
    enabled: bool = True
    """Offer the code actions (`false`: `textDocument/codeAction` returns none)."""
    max_turns: Positive = 4
    """Most model turns per action: read-only tool results go back to the model until it
    edits or the turns run out."""
    max_tokens: Positive = 1024
    """Most tokens the model may write per turn of an action."""
    temperature: Annotated[float, msgspec.Meta(ge=0)] | None = None
    """Sampling temperature of code actions and documentation. Unset, the model's own
    `generation_config.json` applies (Qwen3-Coder: temperature 0.7, top_p 0.8, top_k 20); `0`
    decodes greedily, so the same request gives the same edit every time."""


class AcceptanceSettings(_Section, frozen=True):
    persist: bool = True
    """Keep the acceptance figures (`qwen.stats` → `acceptance`) across restarts in
    `$XDG_STATE_HOME/qwen-lsp/acceptance.json` (else `~/.local/state/qwen-lsp/`), one small file
    for every qwen-lsp of the user; off: they last as long as the server. They never leave the
    machine."""


class Settings(_Section, frozen=True):
    model: str = ""
    """The model: a local MLX model directory or a Hugging Face repo id. Empty means
    `$QWEN_LSP_MODEL`, else `mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit` (about 17 GB,
    downloaded on first use when not in the Hugging Face cache)."""
    backend: Literal["local", "openai", "llamacpp"] = "local"
    """Where the model runs. `"local"`: a model worker process on this machine (mlx-lm), loading
    [`model`](#model) (or the user's shared one, [`worker.shared`](#workershared)); no code leaves
    the machine. `"openai"`: an OpenAI-compatible server at [`remote.url`](#remoteurl) (vLLM,
    SGLang, mlx_lm.server, LM Studio, Ollama, llama.cpp); completions send the raw FIM prompt to
    `/v1/completions`, code actions send chats with tools to `/v1/chat/completions`.
    `"llamacpp"`: llama.cpp's `llama-server` at [`remote.url`](#remoteurl), driven the way
    llama.vim drives it: completions through `/infill` (repository files as `input_extra`,
    `cache_prompt`, `t_max_predict_ms`), code actions through its `/v1/chat/completions` (start
    it with `--jinja`).

    With a remote backend your code goes to that server: the status bar and `qwen.stats`
    (`worker.backend`, `worker.host`) always say which one. See [Remote model
    servers](#remote-model-servers) for each server's exact settings and
    [docs/scaling.md](docs/scaling.md) for big models. Changing it, or a `remote.*` setting,
    reconnects."""
    remote: RemoteSettings = RemoteSettings()
    completion: CompletionSettings = CompletionSettings()
    context: ContextSettings = ContextSettings()
    worker: WorkerSettings = WorkerSettings()
    docs: DocsSettings = DocsSettings()
    actions: ActionsSettings = ActionsSettings()
    acceptance: AcceptanceSettings = AcceptanceSettings()
    log_level: Literal["error", "warning", "info", "debug"] = "info"
    """Detail of the server's log (stderr, which the editor shows: VS Code's "Qwen LSP" output
    channel, Neovim's LSP log)."""


class SettingsError(ValueError):
    """Settings that do not validate; the message names the offending key."""


def parse_settings(raw: Any, base: Settings | None = None) -> Settings:
    """Validate `raw` (a JSON object) over `base`; unknown keys and wrong types are errors."""
    merged = msgspec.to_builtins(base) if base is not None else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"settings must be a JSON object, got {type(raw).__name__}")
    merged = _with_old_spellings(_deep_merge(merged, raw))
    try:
        settings = msgspec.convert(merged, Settings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid qwen settings: {exc}") from exc
    return settings


def _with_old_spellings(settings: dict) -> dict:
    """Values earlier releases took: `worker.speculation` was a boolean (true meant all)."""
    worker = settings.get("worker")
    if isinstance(worker, dict) and isinstance(worker.get("speculation"), bool):
        worker = {**worker, "speculation": "all" if worker["speculation"] else "off"}
        settings = {**settings, "worker": worker}
    return settings


def _deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_model(settings: Settings) -> str:
    return settings.model or os.environ.get(MODEL_ENV, "") or DEFAULT_MODEL


def settings_schema() -> dict:
    """JSON Schema of the settings (camelCase keys), for the editor clients to mirror."""
    return msgspec.json.schema(Settings)
