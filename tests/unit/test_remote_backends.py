"""Remote backends without a server: what they send and how they read what comes back.

The same backends against real servers on 127.0.0.1 are in tests/remote.
"""

from __future__ import annotations

import json

import pytest

from qwen_lsp import messages as m
from qwen_lsp.backend import PipeBackend, SocketBackend
from qwen_lsp.backend.factory import backend_spec, describe, make_backend, reconfigure
from qwen_lsp.backend.http import RemoteSpec, Reply, usage_from
from qwen_lsp.backend.llamacpp import LlamaCppBackend
from qwen_lsp.backend.openai import OpenAIBackend, openai_messages
from qwen_lsp.engine.fim import FimParts, RepoFile, parse_fim_prompt, render_fim_prompt
from qwen_lsp.errors import ModelUnavailable
from qwen_lsp.settings import SettingsError, parse_settings

pytestmark = pytest.mark.unit

PARTS = FimParts(
    path="src/geo.py",
    prefix="import math\n\n",
    line_prefix="def area(r): return math.",
    suffix="\n\nprint(area(2))\n",
    repo_name="demo",
    files=(RepoFile("src/util.py", "def sq(x):\n    return x * x"), RepoFile("b.py", "B = 1\n")),
)


class Events:
    def __init__(self) -> None:
        self.done: list[m.Done] = []

    def on_state(self, state, detail) -> None: ...
    def on_progress(self, progress) -> None: ...
    def on_log(self, line) -> None: ...

    def on_done(self, done: m.Done) -> None:
        self.done.append(done)


def backend(kind: str = "openai", **spec) -> OpenAIBackend:
    made = make_backend(RemoteSpec(kind=kind, url="http://127.0.0.1:1/v1", **spec), Events())
    assert isinstance(made, OpenAIBackend)
    return made


def read(b: OpenAIBackend, events: list[dict]) -> Reply:
    reply = Reply()
    for event in events:
        reply.text += b.read_event(event, reply)
    return reply


@pytest.mark.parametrize(
    "parts",
    [PARTS, FimParts(path="", prefix="a\n", line_prefix="  b", suffix="c\n")],
    ids=["repo-files", "bare"],
)
def test_fim_prompt_parts_round_trip(parts: FimParts) -> None:
    assert parse_fim_prompt(render_fim_prompt(parts)) == parts


def test_prompt_in_another_layout_has_no_fim_parts() -> None:
    assert parse_fim_prompt("def f():\n    return") is None
    assert parse_fim_prompt("<|fim_prefix|>a<|fim_middle|>b") is None


def test_llamacpp_completion_goes_to_infill_in_parts() -> None:
    generate = m.Generate(id=1, prompt=render_fim_prompt(PARTS), max_tokens=32, stop=["\n"])
    generate.max_time_ms = 500
    path, body = backend("llamacpp").payload(generate)
    assert path == "/infill"
    assert body["input_extra"] == [
        {"filename": "src/util.py", "text": "def sq(x):\n    return x * x"},
        {"filename": "b.py", "text": "B = 1\n"},
    ]
    assert (body["input_prefix"], body["input_suffix"]) == (PARTS.prefix, PARTS.suffix)
    assert body["prompt"] == PARTS.line_prefix  # the current line, after <|fim_middle|>
    assert body["cache_prompt"] and body["stream"] and body["t_max_predict_ms"] == 500
    assert body["n_predict"] == 32 and "\n" in body["stop"] and body["temperature"] == 0


def test_openai_completion_sends_the_raw_fim_prompt() -> None:
    generate = m.Generate(id=1, prompt=render_fim_prompt(PARTS), max_tokens=32)
    path, body = backend(model="qwen3-coder").payload(generate)
    assert path == "/v1/completions"
    assert body["prompt"] == generate.prompt and body["model"] == "qwen3-coder"
    assert "<|endoftext|>" in body["stop"] and "<|file_sep|>" in body["stop"]
    assert body["stream_options"] == {"include_usage": True}


def test_completion_stream_is_read_with_usage_and_stops() -> None:
    b = backend()
    reply = read(
        b,
        [
            {"choices": [{"text": "pi * r"}]},
            {"choices": [{"text": " ** 2<|endoftext|>", "finish_reason": "stop"}]},
            {
                "choices": [],
                "usage": {
                    "prompt_tokens": 40,
                    "completion_tokens": 6,
                    "prompt_tokens_details": {"cached_tokens": 32},
                },
            },
        ],
    )
    done = b.finish(m.Generate(id=3, prompt="p"), reply)
    assert (done.text, done.finish_reason) == ("pi * r ** 2", "stop")
    assert reply.usage == m.Usage(prompt_tokens=40, reused_tokens=32, generated_tokens=6)


def test_infill_stream_is_read_with_llamacpp_timings() -> None:
    b = backend("llamacpp")
    reply = read(
        b,
        [
            {"content": "pi", "stop": False},
            {"content": " * r", "stop": False},
            {
                "content": "",
                "stop": True,
                "stop_type": "limit",
                "timings": {"cache_n": 90, "prompt_n": 10, "predicted_n": 2},
            },
        ],
    )
    assert (reply.text, reply.finish) == ("pi * r", "length")
    assert reply.usage == m.Usage(prompt_tokens=100, reused_tokens=90, generated_tokens=2)


CHAT = m.Chat(id=4, messages=[{"role": "user", "content": "doc it"}], tools=[])


def test_chats_may_name_their_own_model() -> None:
    b = backend(model="qwen3-coder-fim", chat_model="qwen3-coder:30b")
    assert b.payload(CHAT)[1]["model"] == "qwen3-coder:30b"
    assert b.payload(m.Generate(id=1, prompt="x"))[1]["model"] == "qwen3-coder-fim"
    assert backend(model="one").payload(CHAT)[1]["model"] == "one"


def test_streamed_tool_call_fragments_are_joined() -> None:
    b = backend()
    start = {"index": 0, "id": "c1", "function": {"name": "insert_docstring", "arguments": ""}}
    more = {"index": 0, "function": {"arguments": '{"text": "Area'}}
    end = {"index": 0, "function": {"arguments": ' of r."}'}}
    events = [{"choices": [{"delta": {"tool_calls": [call]}}]} for call in (start, more, end)]
    events.append({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]})
    done = b.finish(CHAT, read(b, events))
    assert done.tool_calls == [m.ToolCall("insert_docstring", {"text": "Area of r."})]
    assert done.finish_reason == "stop" and not done.tool_call_errors


def test_tool_call_returned_as_raw_text_is_parsed() -> None:
    b = backend()
    raw = "<tool_call>\n<function=insert_docstring>\n<parameter=text>\nArea.\n</parameter>\n"
    events = [{"choices": [{"delta": {"content": raw + "</function>\n</tool_call>"}}]}]
    done = b.finish(CHAT, read(b, events))
    assert done.tool_calls == [m.ToolCall("insert_docstring", {"text": "Area."})]


def test_malformed_tool_call_arguments_are_an_error_not_a_call() -> None:
    b = backend()
    call = {"index": 0, "function": {"name": "f", "arguments": "{not json"}}
    done = b.finish(CHAT, read(b, [{"choices": [{"delta": {"tool_calls": [call]}}]}]))
    assert not done.tool_calls and "malformed" in done.tool_call_errors[0]


def test_history_gets_openai_tool_call_ids_and_json_arguments() -> None:
    history = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": {"name": "read", "arguments": {}}}],
        },
        {"role": "tool", "content": "file text"},
    ]
    sent = openai_messages(history)
    call = sent[1]["tool_calls"][0]
    assert call["function"]["arguments"] == "{}" and sent[2]["tool_call_id"] == call["id"]
    assert history[1]["tool_calls"][0]["function"]["arguments"] == {}  # not mutated
    assert json.loads(json.dumps(sent)) == sent


def test_usage_from_nothing_is_none() -> None:
    assert usage_from(None, None) is None


def test_spec_shows_host_without_credentials_and_finds_the_root() -> None:
    spec = RemoteSpec(kind="openai", url="https://user:secret@gpu.example:8000/v1/")
    assert spec.host == "gpu.example:8000" and spec.base == "https://user:secret@gpu.example:8000"


def test_api_key_comes_from_the_named_variable(monkeypatch) -> None:
    b = backend(api_key_env="QWEN_TEST_KEY")
    monkeypatch.delenv("QWEN_TEST_KEY", raising=False)
    with pytest.raises(ModelUnavailable, match=r"\$QWEN_TEST_KEY"):
        b._headers()
    b.reset(b.spec)  # a settings change lets it try again
    monkeypatch.setenv("QWEN_TEST_KEY", "sk-123")
    assert b._headers() == {"Authorization": "Bearer sk-123"}


def test_settings_choose_the_backend() -> None:
    settings = parse_settings(
        {"backend": "llamacpp", "remote": {"url": "http://10.0.0.2:8012", "apiKeyEnv": "K"}}
    )
    spec = backend_spec(settings)
    assert isinstance(spec, RemoteSpec) and spec.kind == "llamacpp" and spec.api_key_env == "K"
    assert describe(spec) == {
        "backend": "llamacpp",
        "host": "10.0.0.2:8012",
        "model": "server default",
    }
    assert describe(backend_spec(parse_settings({"model": "/m"}))) == {
        "backend": "local",
        "host": "localhost",
        "model": "/m",
    }
    with pytest.raises(SettingsError, match=r"remote\.url"):
        parse_settings({"remote": {"url": "127.0.0.1:8080"}})
    with pytest.raises(SettingsError, match="backend"):
        parse_settings({"backend": "ollama"})


def test_changing_the_backend_kind_makes_a_new_backend() -> None:
    events = Events()
    local = make_backend(backend_spec(parse_settings({"model": "/m"})), events)
    assert isinstance(local, PipeBackend)
    remote_spec = backend_spec(parse_settings({"backend": "openai"}))
    remote = reconfigure(local, remote_spec)
    assert isinstance(remote, OpenAIBackend) and remote.events is events
    other_url = backend_spec(parse_settings({"backend": "openai", "remote": {"url": "http://h"}}))
    assert reconfigure(remote, other_url) is remote and remote.spec == other_url
    assert isinstance(reconfigure(remote, backend_spec(parse_settings({}))), PipeBackend)


def test_worker_shared_chooses_the_shared_local_worker() -> None:
    events = Events()
    own = make_backend(backend_spec(parse_settings({"model": "/m"})), events)
    bigger_cache = backend_spec(parse_settings({"model": "/m", "worker": {"cacheMb": 4096}}))
    assert reconfigure(own, bigger_cache) is own and own.spec == bigger_cache
    shared_spec = backend_spec(parse_settings({"model": "/m", "worker": {"shared": True}}))
    shared = reconfigure(own, shared_spec)
    assert isinstance(shared, SocketBackend) and shared.events is events
    assert describe(shared.spec) == {"backend": "local", "host": "localhost", "model": "/m"}
    remote = reconfigure(shared, backend_spec(parse_settings({"backend": "llamacpp"})))
    assert isinstance(remote, LlamaCppBackend) and remote.events is events
    shared_again = make_backend(shared_spec, events)
    assert isinstance(shared_again, SocketBackend)
    assert isinstance(reconfigure(shared_again, bigger_cache), PipeBackend)


async def test_unset_key_variable_fails_the_backend_with_its_name(monkeypatch) -> None:
    monkeypatch.delenv("QWEN_TEST_KEY", raising=False)
    b = backend(api_key_env="QWEN_TEST_KEY")
    with pytest.raises(ModelUnavailable):
        await b.start()  # fails before anything is sent
    assert b.state.value == "failed" and "$QWEN_TEST_KEY" in b.error
    await b.stop()
