"""The model side of the worker: load once, keep KV prompt caches, generate with cancellation.

Runs in the worker process only (imports mlx); never imports pygls.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlx.core as mx
from mlx.utils import tree_flatten
from mlx_lm import load, stream_generate
from mlx_lm.models.cache import LRUPromptCache, make_prompt_cache, trim_prompt_cache
from mlx_lm.sample_utils import make_logits_processors, make_sampler

from ..engine.fim import FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, STOP_MARKERS
from ..messages import Chat, Done, FinishReason, Generate, Sampling, ToolCall, Usage

TOOL_CALL_BLOCK = re.compile(r"<tool_call>(.*?)(</tool_call>|$)", re.DOTALL)
REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
CACHE_ENTRIES = 64  # sequences kept besides the byte limit: documents and chat sessions


class ModelLoadError(Exception):
    pass


@dataclass
class HostOptions:
    model: str
    cache_bytes: int = 2 << 30
    max_context_tokens: int = 32768
    allow_download: bool = False


WEIGHT_PATTERNS = ["*.json", "*.safetensors", "tokenizer.model", "*.tiktoken", "*.txt"]  # no code


def _resolve_model_dir(
    model: str, progress: Callable[[str, int | None], None], allow_download: bool = False
) -> str:
    """A local directory as is; a repo id from the local Hugging Face cache, else downloaded
    when the user allowed it."""
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists() or not REPO_ID.fullmatch(model):
        raise ModelLoadError(
            f"model directory '{model}' does not exist; set `model` (or $QWEN_LSP_MODEL) to a "
            "local MLX model directory or a Hugging Face repo id such as "
            "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"
        )
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model, allow_patterns=WEIGHT_PATTERNS, local_files_only=True)
    except Exception:
        if not allow_download:
            raise ModelLoadError(_download_refused(model)) from None
        progress(f"Downloading {model} from Hugging Face …", None)
    try:
        return snapshot_download(model, allow_patterns=WEIGHT_PATTERNS)
    except Exception as exc:
        raise ModelLoadError(
            f"could not download '{model}' ({exc.__class__.__name__}: {exc}); check the repo "
            "id and the network, or point `model` at a local directory"
        ) from exc


def _download_refused(model: str) -> str:
    size = _download_size(model)
    what = f"{size / 1e9:.1f} GB of weights" if size else "of unknown size (no answer from the Hub)"
    return (
        f"'{model}' is not in the local Hugging Face cache, and downloading is off: it is {what}. "
        "Set `worker.allowDownload` to true in your user settings to download it once, or "
        f"download it yourself (`hf download {model}`), or point `model` at a local directory"
    )


def _download_size(model: str) -> int | None:
    """Bytes the download would take, from the Hub's metadata (None when it cannot be asked)."""
    from fnmatch import fnmatch

    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(model, files_metadata=True, timeout=5)
    except Exception:
        return None
    files = info.siblings or []
    return sum(f.size or 0 for f in files if any(fnmatch(f.rfilename, p) for p in WEIGHT_PATTERNS))


class ModelHost:
    """One loaded model and its prompt caches; called from the single generation thread."""

    def __init__(self, options: HostOptions) -> None:
        self.options = options
        self.model: Any = None
        self.tokenizer: Any = None
        self.prompt_cache = LRUPromptCache(max_size=CACHE_ENTRIES, max_bytes=options.cache_bytes)
        self.context_length = 0
        self.generation_config: dict = {}

    def load(self, progress: Callable[[str, int | None], None]) -> None:
        progress(f"Resolving {self.options.model}", 0)
        model_dir = _resolve_model_dir(self.options.model, progress, self.options.allow_download)
        progress("Reading model files", 5)
        try:  # a model's own Python code is never run: trust_remote_code stays off
            model, tokenizer = load(
                model_dir,
                lazy=True,
                trust_remote_code=False,
                tokenizer_config={"trust_remote_code": False},
            )[:2]
        except Exception as exc:
            raise ModelLoadError(f"'{model_dir}' is not a loadable MLX model: {exc}") from exc
        self._materialize(model, progress)
        self.model, self.tokenizer = model, tokenizer
        # FIM and repo markers end a completion like eos does (they are not all special).
        stop_ids = {tokenizer.convert_tokens_to_ids(m) for m in STOP_MARKERS} - {None}
        tokenizer.eos_token_ids = set(tokenizer.eos_token_ids) | stop_ids
        self.generation_config = _read_generation_config(Path(model_dir))
        args = getattr(model, "args", None)
        self.context_length = int(getattr(args, "max_position_embeddings", 0) or 0)
        progress("Warming up", 97)
        self._warm_up()
        progress("Model ready", 100)

    @staticmethod
    def _materialize(model: Any, progress: Callable[[str, int | None], None]) -> None:
        """Evaluate the lazily loaded weights in slices so loading can report a percentage."""
        params: list[Any] = [pair[1] for pair in tree_flatten(model.parameters())]
        total = sum(p.nbytes for p in params) or 1
        done, batch, batch_bytes = 0, [], 0
        for p in params:
            batch.append(p)
            batch_bytes += p.nbytes
            if batch_bytes >= total // 20:
                mx.eval(batch)
                done += batch_bytes
                batch, batch_bytes = [], 0
                progress("Loading weights", 5 + int(90 * done / total))
        mx.eval(batch)

    def _warm_up(self) -> None:
        """First-use costs (kernels, chat template compile) belong to loading, not a keystroke."""
        self.generate(
            Generate(id=0, prompt=FIM_PREFIX + FIM_SUFFIX + FIM_MIDDLE, max_tokens=1),
            cancelled=lambda: False,
        )
        if getattr(self.tokenizer, "chat_template", None):
            self.tokenizer.apply_chat_template(
                [{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False
            )

    @property
    def has_tool_parser(self) -> bool:
        return bool(getattr(self.tokenizer, "has_tool_calling", False))

    # --- generation ---------------------------------------------------------------------------

    def generate(
        self,
        request: Generate | Chat,
        cancelled: Callable[[], bool],
        on_text: Callable[[str], None] | None = None,
    ) -> Done:
        started = time.perf_counter()
        tokens = self._encode(request)
        if len(tokens) + request.max_tokens > self.options.max_context_tokens:
            raise ValueError(
                f"prompt of {len(tokens)} tokens + {request.max_tokens} to generate exceeds "
                f"worker.maxContextTokens ({self.options.max_context_tokens})"
            )
        cache, rest = self._cache_for(request.cache_key, tokens)
        sampling = request.sampling or self._default_sampling()
        deadline = started + request.max_time_ms / 1000 if request.max_time_ms else None
        extra_stops = list(getattr(request, "stop", []) or [])

        streamed, produced, ttft = "", [], 0.0
        finish: FinishReason = "length"
        for response in stream_generate(
            self.model,
            self.tokenizer,
            mx.array(rest),
            max_tokens=request.max_tokens,
            prompt_cache=cache,
            **_sampling_kwargs(sampling),
        ):
            ttft = ttft or time.perf_counter() - started
            if response.finish_reason == "stop":
                finish = "stop"
                break
            produced.append(response.token)
            streamed += response.text
            if on_text and response.text:
                on_text(response.text)
            if _first_stop(streamed, extra_stops) is not None:
                finish = "stop"
                break
            if response.finish_reason == "length":
                break
            if cancelled():
                finish = "cancelled"
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
        # The streaming detokenizer drops a leading space: the answer is decoded whole.
        text = self.tokenizer.decode(produced)
        if (stop_at := _first_stop(text, extra_stops)) is not None:
            text = text[:stop_at]

        self._keep_cache(request.cache_key, tokens + produced, cache)
        usage = Usage(
            prompt_tokens=len(tokens),
            reused_tokens=len(tokens) - len(rest),
            generated_tokens=len(produced),
            ttft_ms=ttft * 1000,
            total_ms=(time.perf_counter() - started) * 1000,
        )
        done = Done(id=request.id, text=text, finish_reason=finish, usage=usage)
        if isinstance(request, Chat):
            done.tool_calls, done.tool_call_errors = self._parse_tool_calls(text, request.tools)
        return done

    def _encode(self, request: Generate | Chat) -> list[int]:
        if isinstance(request, Chat):
            prompt = self.tokenizer.apply_chat_template(
                request.messages,
                tools=request.tools or None,
                add_generation_prompt=True,
                tokenize=False,
            )
        else:
            prompt = request.prompt
        return list(self.tokenizer.encode(prompt, add_special_tokens=False))

    def _cache_for(self, key: str, tokens: list[int]) -> tuple[list[Any], list[int]]:
        cache, rest = self.prompt_cache.fetch_nearest_cache(key, tokens)
        if cache is None:
            return make_prompt_cache(self.model), tokens
        if not rest:
            # The cache covers the whole prompt: re-feed the last token to get logits.
            trim_prompt_cache(cache, 1)
            rest = tokens[-1:]
        return cache, rest

    def _keep_cache(self, key: str, tokens: list[int], cache: list[Any]) -> None:
        """Store the cache under exactly the tokens it holds (an eos may have been fed)."""
        held = getattr(cache[0], "offset", None) if cache else None
        if held is None:
            return
        if held > len(tokens):
            trim_prompt_cache(cache, held - len(tokens))
            held = len(tokens)
        self.prompt_cache.insert_cache(key, tokens[:held], cache)

    def _default_sampling(self) -> Sampling:
        config = self.generation_config
        return Sampling(
            temperature=float(config.get("temperature", 0.7)),
            top_p=float(config.get("top_p", 0.8)),
            top_k=int(config.get("top_k", 20)),
            repetition_penalty=float(config.get("repetition_penalty", 1.05)),
        )

    def _parse_tool_calls(self, text: str, tools: list[dict]) -> tuple[list[ToolCall], list[str]]:
        calls, errors = [], []
        parser = getattr(self.tokenizer, "tool_parser", None)
        for match in TOOL_CALL_BLOCK.finditer(text):
            body, closed = match.group(1), bool(match.group(2))
            if not closed:
                errors.append("unterminated <tool_call> block")
                continue
            if parser is None:
                errors.append("the model's chat template has no tool-call format")
                continue
            try:
                parsed = parser(body.strip(), tools or None)
            except Exception as exc:
                errors.append(f"malformed tool call: {exc}")
                continue
            for call in parsed if isinstance(parsed, list) else [parsed]:
                arguments = call.get("arguments", {})
                if not isinstance(arguments, dict):
                    errors.append(f"tool call {call.get('name')!r} has non-object arguments")
                    continue
                calls.append(ToolCall(name=str(call.get("name", "")), arguments=arguments))
        return calls, errors


def _read_generation_config(model_dir: Path) -> dict:
    """The model's sampling defaults (mlx-lm reads only the eos ids from this file)."""
    try:
        return dict(json.loads((model_dir / "generation_config.json").read_text()))
    except (OSError, ValueError):
        return {}


def _sampling_kwargs(sampling: Sampling) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "sampler": make_sampler(
            temp=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k
        )
    }
    if sampling.repetition_penalty != 1.0:
        kwargs["logits_processors"] = make_logits_processors(
            repetition_penalty=sampling.repetition_penalty
        )
    return kwargs


def _first_stop(text: str, stops: Iterable[str]) -> int | None:
    hits = [i for s in stops if s and (i := text.find(s)) != -1]
    return min(hits) if hits else None
