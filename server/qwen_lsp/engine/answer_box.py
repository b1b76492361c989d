"""When a suggestion is answered before its generation ends (`completion.answerWithinMs`).

The model worker (and a remote backend's stream reader) asks after each generated token; the
generation goes on after the early answer, and the whole suggestion replaces it in the typing
cache. Like llama.cpp's `t_max_predict_ms`, a cut answer keeps whole lines when it has one.
"""

from __future__ import annotations

from collections.abc import Callable


class AnswerBox:
    """Due once `within_ms` have passed since `since` (the request's arrival, in
    `time.perf_counter` seconds) and the text so far is not blank; answers once. 0: never."""

    def __init__(self, within_ms: int, since: float) -> None:
        self.due_at = since + within_ms / 1000 if within_ms > 0 else None
        self.answered = False

    def due(self, now: float, text_so_far: Callable[[], str]) -> str | None:
        """The early answer's text when it is due now, else None (`text_so_far` is called only
        when the time has come: decoding the whole text costs more than a token)."""
        if self.due_at is None or self.answered or now < self.due_at:
            return None
        text = whole_lines(text_so_far())
        if not text.strip():
            return None  # nothing usable yet: wait for the first word
        self.answered = True
        return text


def whole_lines(text: str) -> str:
    """`text` without its unfinished last line, when a finished line with content precedes it."""
    cut = text.rfind("\n")
    if cut == -1 or not text[:cut].strip():
        return text
    return text[:cut]
