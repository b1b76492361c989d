"""llama.cpp's server natively, as llama.vim drives it: completions through `/infill`.

`/infill` takes the FIM prompt in parts — repository files as `input_extra`, the text above the
cursor, the current line so far as `prompt`, the suffix — and lays them out with the model's own
FIM tokens; `cache_prompt` keeps the slot's KV cache between keystrokes and `t_max_predict_ms`
caps the time. Chats (code actions) use its OpenAI-compatible endpoint (start it with --jinja).
"""

from __future__ import annotations

from .. import messages as m
from ..engine.fim import STOP_MARKERS, parse_fim_prompt
from .http import Reply, usage_from
from .openai import OpenAIBackend, sampling_fields

STOP_TYPES: dict[str, m.FinishReason] = {"limit": "length", "eos": "stop", "word": "stop"}


class LlamaCppBackend(OpenAIBackend):
    health_path = "/health"

    def payload(self, message: m.Generate | m.Chat) -> tuple[str, dict]:
        parts = parse_fim_prompt(message.prompt) if isinstance(message, m.Generate) else None
        if parts is None:
            return super().payload(message)  # chats, and raw prompts in another layout
        assert isinstance(message, m.Generate)
        body = {
            "input_extra": [{"filename": f.path, "text": f.text} for f in parts.files],
            "input_prefix": parts.prefix,
            "input_suffix": parts.suffix,
            "prompt": parts.line_prefix,
            "n_predict": message.max_tokens,
            "stop": [*STOP_MARKERS, *message.stop],
            "cache_prompt": True,
            "stream": True,
            **sampling_fields(message.sampling),
        }
        if message.max_time_ms:
            body["t_max_predict_ms"] = message.max_time_ms
        return "/infill", body

    def read_event(self, event: dict, reply: Reply) -> str:
        if "choices" in event or "usage" in event:
            return super().read_event(event, reply)
        if event.get("stop"):  # the last event: why it stopped, and the token counts
            reply.finish = STOP_TYPES.get(str(event.get("stop_type")), "stop")
            reply.usage = usage_from(None, event.get("timings")) or reply.usage
        return str(event.get("content") or "")
