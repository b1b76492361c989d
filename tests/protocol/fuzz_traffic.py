"""Random LSP traffic (hypothesis strategies) and the checks each batch of it must pass.

Out-of-range positions and ranges, emoji/CJK/lone surrogates, CRLF, NUL and binary text,
unknown languageIds, out-of-order versions, documents never opened, malformed params and
settings, cancels of unknown ids. Shared by tests/protocol/test_fuzz.py and scripts/fuzz_lsp.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from .raw_client import RawClient

URIS = [
    "file:///fuzz/a.py",
    "file:///fuzz/b.js",
    "file:///fuzz/c.rs",
    "file:///fuzz/d.lua",
    "file:///fuzz/e.txt",
    "file:///fuzz/never-opened.go",
    "untitled:Untitled-1",
    "file:///fuzz/%F0%9F%98%80 space.py",
]
LANGUAGES = ["python", "javascript", "typescriptreact", "rust", "go", "lua", "plaintext"]
COMMANDS = ["qwen.stats", "qwen.toggleCompletions", "qwen.generateDocs", "qwen.refactor"]
COMMANDS += ["qwen.explain", "qwen.noSuchCommand", ""]
SETTING_KEYS = ["completion", "context", "docs", "actions", "logLevel", "unknownKey", "worker"]
# Small budgets keep the random-weight model's answers quick; the fuzz cannot raise them.
OPTIONS = {
    "completion": {"maxTokens": 4, "timeoutMs": 2000},
    "actions": {"maxTokens": 8, "maxTurns": 1},
    "docs": {"maxPerSave": 1, "timeoutS": 5},
}

PIECES = ["😀", "漢字", "\ud800", "\udfff", "\r\n", "\r", "\x00", "\x1b[2J", "é", "\t", "\ufeff"]
PIECES += ["def f(x):\n    return ", "function g() {", "}\n", '"""', "\\", "\u2028", "ÿ\xfe"]

texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=12).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
numbers = st.one_of(
    st.integers(0, 12), st.integers(-3, -1), st.integers(2**31, 2**63), st.just(1.5)
)
positions = st.one_of(
    st.fixed_dictionaries({"line": numbers, "character": numbers}),
    json_values,  # malformed
)
ranges = st.one_of(st.fixed_dictionaries({"start": positions, "end": positions}), json_values)
uris = st.one_of(st.sampled_from(URIS), st.text(max_size=10))
document = st.fixed_dictionaries({"uri": uris})
versions = st.one_of(st.integers(-2, 40), st.none(), st.text(max_size=2))
# Wrong types and out-of-range values: most updates are rejected as a whole, as they must be.
bad_setting_values = st.one_of(
    st.none(), st.text(max_size=5), st.integers(-5, 0), st.lists(st.integers(), max_size=2)
)
settings = st.dictionaries(
    st.sampled_from(SETTING_KEYS),
    st.one_of(
        bad_setting_values,
        st.dictionaries(st.sampled_from(["maxTokens", "x", "onSave"]), bad_setting_values),
    ),
    max_size=3,
)


def _message(method: str, params: st.SearchStrategy, request: bool = True) -> st.SearchStrategy:
    return st.tuples(st.just(method), params, st.just(request))


did_open = st.fixed_dictionaries(
    {
        "textDocument": st.fixed_dictionaries(
            {
                "uri": uris,
                "languageId": st.one_of(st.sampled_from(LANGUAGES), st.text(max_size=6)),
                "version": versions,
                "text": texts,
            }
        )
    }
)
change = st.one_of(
    st.fixed_dictionaries({"range": ranges, "text": texts}),
    st.fixed_dictionaries({"text": texts}),
    json_values,
)
did_change = st.fixed_dictionaries(
    {
        "textDocument": st.fixed_dictionaries({"uri": uris, "version": versions}),
        "contentChanges": st.lists(change, max_size=3),
    }
)
inline = st.fixed_dictionaries(
    {"textDocument": document, "position": positions, "context": st.just({"triggerKind": 2})}
)
diagnostic = st.fixed_dictionaries({"range": ranges, "message": texts})
code_action = st.fixed_dictionaries(
    {
        "textDocument": document,
        "range": ranges,
        "context": st.fixed_dictionaries({"diagnostics": st.lists(diagnostic, max_size=2)}),
    }
)
resolve = st.fixed_dictionaries(
    {
        "title": texts,
        "data": st.one_of(json_values, st.dictionaries(st.text(max_size=8), json_values)),
    }
)
command_args = st.lists(
    st.one_of(
        json_values,
        st.sampled_from(URIS),
        st.fixed_dictionaries(
            {"uri": uris, "start_line": numbers, "end_line": numbers, "instruction": texts}
        ),
    ),
    max_size=2,
)
messages = st.one_of(
    _message("textDocument/didOpen", did_open, request=False),
    _message("textDocument/didChange", did_change, request=False),
    _message("textDocument/didClose", st.fixed_dictionaries({"textDocument": document}), False),
    _message("textDocument/didSave", st.fixed_dictionaries({"textDocument": document}), False),
    _message("textDocument/inlineCompletion", inline),
    _message("textDocument/codeAction", code_action),
    _message("codeAction/resolve", resolve),
    _message(
        "workspace/executeCommand",
        st.fixed_dictionaries({"command": st.sampled_from(COMMANDS), "arguments": command_args}),
    ),
    _message(
        "workspace/didChangeConfiguration",
        st.fixed_dictionaries({"settings": st.fixed_dictionaries({"qwen": settings})}),
        request=False,
    ),
    _message("$/cancelRequest", st.fixed_dictionaries({"id": st.integers() | st.text()}), False),
    _message("textDocument/inlineCompletion", json_values),  # params of any shape
    _message("qwen/" + "unknown", json_values),
)
batches = st.lists(messages, min_size=10, max_size=30)


@dataclass
class FuzzReport:
    messages: int = 0
    requests: int = 0
    errors: dict[int, int] = field(default_factory=dict)  # JSON-RPC error code → count

    def line(self) -> str:
        return f"{self.messages} messages, {self.requests} requests, errors by code {self.errors}"


def send_batch(client: RawClient, batch: list[tuple[str, object, bool]], report: FuzzReport):
    """Send `batch` pipelined; every request must be answered with a result or an error."""
    ids = []
    for method, params, is_request in batch:
        if is_request:
            ids.append(client.start(method, params))
        else:
            client.notify(method, params)
        report.messages += 1
    if ids:  # cancel one request in flight, as editors do while typing
        client.notify("$/cancelRequest", {"id": ids[len(ids) // 2]})
        report.messages += 1
    for answer in client.wait(ids, timeout=120):
        report.requests += 1
        assert ("result" in answer) != ("error" in answer), answer
        if "error" in answer:
            code = answer["error"]["code"]
            assert isinstance(code, int), answer
            report.errors[code] = report.errors.get(code, 0) + 1
            assert code != -32603, f"internal error: {answer['error']}"  # a handler crashed


def check_still_serving(client: RawClient) -> dict:
    """After the fuzz: settings restored, a real completion is still served by the model."""
    client.notify("workspace/didChangeConfiguration", {"settings": {"qwen": {**OPTIONS}}})
    if not client.request("workspace/executeCommand", {"command": "qwen.stats"})["result"][
        "completions_enabled"
    ]:
        client.request("workspace/executeCommand", {"command": "qwen.toggleCompletions"})
    uri = "file:///fuzz/final.py"
    text = "def area(r):\n    return \n"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    before = client.request("workspace/executeCommand", {"command": "qwen.stats"})["result"]
    params = {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 11}}
    answer = client.request(
        "textDocument/inlineCompletion", {**params, "context": {"triggerKind": 1}}
    )
    after = client.request("workspace/executeCommand", {"command": "qwen.stats"})["result"]
    assert "items" in answer.get("result", {}), answer
    assert after["worker"]["state"] == "ready", after["worker"]
    assert after["model_calls"] == before["model_calls"] + 1, (before, after)
    assert after["generated_tokens"] > before["generated_tokens"], (before, after)
    return after
