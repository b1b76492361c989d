"""The keystroke path with several files open: the prompt's repository section stays put."""

from __future__ import annotations

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

ROOT = "file:///work/demo"
OTHERS = {
    "utils.py": "def scale(value, factor):\n    return value * factor\n",
    "shapes.py": "class Square:\n    def __init__(self, side):\n        self.side = side\n",
    "units.py": "METRE = 1.0\nFOOT = 0.3048\n",
}
FILLER = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n" for i in range(40))
MAIN = f"from utils import scale\n\n{FILLER}def speed(length):\n    \n\n\nprint(speed(2))\n"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    await start_session(lsp_client, {"model": str(tiny_model), "completion": {"maxTokens": 4}})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


# Many more open documents, each defining names the typed line does not use (and `scale` again).
MANY = {
    **{f"mod_{i}.py": f"def scale(v, f):\n    return v * f * {i}\n\n" + FILLER for i in range(27)},
    **OTHERS,
}


@pytest.mark.parametrize("others", [OTHERS, MANY], ids=["3 open", "30 open"])
async def test_a_line_of_typing_reuses_everything_up_to_the_cursor(
    client: LanguageClient, others: dict[str, str]
):
    """A definition from another open file comes into use on the line above the cursor (after
    the Enter): it must not enter the prompt ahead of the current file while typing, where it
    would cost a prefill of the whole file; nor may documents opened (and indexed) meanwhile."""
    for name, text in others.items():
        open_document(client, f"{ROOT}/{name}", text)
    uri = f"{ROOT}/main.py"
    open_document(client, uri, MAIN)
    row = MAIN.count("\n", 0, MAIN.index("    \n\n\nprint"))
    line, col, version = row, 4, 1
    await client.text_document_inline_completion_async(inline_params(uri, line, col))
    previous, uncached = await stats(client), []
    for char in "total = scale(length, 10)\n    return total":
        version += 1
        insert(client, uri, version, line, col, char)
        line, col = (line + 1, 0) if char == "\n" else (line, col + 1)
        await client.text_document_inline_completion_async(inline_params(uri, line, col))
        current = await stats(client)
        prompt = current["prompt_tokens"] - previous["prompt_tokens"]
        reused = current["reused_prompt_tokens"] - previous["reused_prompt_tokens"]
        if prompt:
            uncached.append(prompt - reused)
        previous = current
    assert len(uncached) >= 30
    # The Enter re-reads the few lines below the cursor; anything more is a prefix that moved.
    assert max(uncached) < 150, uncached
    assert previous["kv_reuse"] > 0.9
