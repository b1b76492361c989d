"""OpenAI-compatible servers: vLLM, SGLang, mlx_lm.server, LM Studio, Ollama, llama.cpp.

FIM prompts go raw to `/v1/completions` (never through a chat template); tool-using chats go to
`/v1/chat/completions`. Tool calls come from the answer's `tool_calls`, or from `<tool_call>`
text when a server returns the model's output raw.
"""

from __future__ import annotations

import json

from .. import messages as m
from ..engine.fim import STOP_MARKERS
from ..engine.tool_calls import parse_tool_calls
from .http import HttpBackend, Reply, cut_at_stops, usage_from
from .tool_text import qwen3_coder_parser

FINISH: dict[str, m.FinishReason] = {"length": "length", "stop": "stop", "tool_calls": "stop"}


class OpenAIBackend(HttpBackend):
    health_path = "/v1/models"

    def payload(self, message: m.Generate | m.Chat) -> tuple[str, dict]:
        body: dict = {
            "max_tokens": message.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        model = self.spec.model
        if isinstance(message, m.Chat):
            model = self.spec.chat_model or model  # Ollama: a raw-template model cannot chat
        if model:
            body["model"] = model
        if message.sampling is not None:
            body.update(sampling_fields(message.sampling))
        if isinstance(message, m.Generate):
            body.update(prompt=message.prompt, stop=[*STOP_MARKERS, *message.stop])
            return "/v1/completions", body
        body["messages"] = openai_messages(message.messages)
        if message.tools:
            body["tools"] = message.tools
        return "/v1/chat/completions", body

    def read_event(self, event: dict, reply: Reply) -> str:
        reply.usage = usage_from(event.get("usage"), event.get("timings")) or reply.usage
        piece = ""
        for choice in event.get("choices") or []:
            if reason := choice.get("finish_reason"):
                reply.finish = FINISH.get(reason, "stop")
            delta = choice.get("delta") or {}
            piece += choice.get("text") or delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                held = reply.tool_deltas.setdefault(call.get("index", 0), {})
                function = call.get("function") or {}
                held["name"] = held.get("name", "") + (function.get("name") or "")
                arguments = function.get("arguments") or ""
                if isinstance(arguments, dict):  # some servers send the object itself
                    arguments = json.dumps(arguments)
                held["arguments"] = held.get("arguments", "") + arguments
        return piece

    def finish(self, message: m.Generate | m.Chat, reply: Reply) -> m.Done:
        done = m.Done(id=message.id, text=reply.text, finish_reason=reply.finish)
        if isinstance(message, m.Generate):
            done.text = cut_at_stops(reply.text, [*STOP_MARKERS, *message.stop])
            return done
        if reply.tool_deltas:
            done.tool_calls, done.tool_call_errors = structured_calls(reply.tool_deltas)
        elif "<tool_call>" in reply.text:
            calls, done.tool_call_errors = parse_tool_calls(
                reply.text, message.tools, qwen3_coder_parser()
            )
            done.tool_calls = [m.ToolCall(name=n, arguments=a) for n, a in calls]
        return done


def sampling_fields(sampling: m.Sampling) -> dict:
    """OpenAI's fields, plus top_k / repetition_penalty, which these servers all accept."""
    fields: dict = {"temperature": sampling.temperature, "top_p": sampling.top_p}
    if sampling.top_k:
        fields["top_k"] = sampling.top_k
    if sampling.repetition_penalty != 1.0:
        fields["repetition_penalty"] = sampling.repetition_penalty
    return fields


def openai_messages(messages: list[dict]) -> list[dict]:
    """Our history in OpenAI's shape: tool calls get ids and JSON-string arguments, and each
    tool result names the call it answers (in order, as the model made them)."""
    out, waiting = [], []
    for turn, message in enumerate(messages):
        message = dict(message)
        if calls := message.get("tool_calls"):
            message["tool_calls"] = []
            for i, call in enumerate(calls):
                function = dict(call.get("function") or {})
                if not isinstance(function.get("arguments"), str):
                    function["arguments"] = json.dumps(function.get("arguments") or {})
                call_id = call.get("id") or f"call_{turn}_{i}"
                typed = {"id": call_id, "type": "function", "function": function}
                message["tool_calls"].append(typed)
                waiting.append(call_id)
        elif message.get("role") == "tool" and "tool_call_id" not in message and waiting:
            message["tool_call_id"] = waiting.pop(0)
        out.append(message)
    return out


def structured_calls(deltas: dict[int, dict[str, str]]) -> tuple[list[m.ToolCall], list[str]]:
    calls, errors = [], []
    for index in sorted(deltas):
        name, raw = deltas[index].get("name", ""), deltas[index].get("arguments", "")
        try:
            arguments = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            errors.append(f"tool call {name!r} has malformed arguments: {exc}")
            continue
        if not isinstance(arguments, dict):
            errors.append(f"tool call {name!r} has non-object arguments")
            continue
        calls.append(m.ToolCall(name=name, arguments=arguments))
    return calls, errors
