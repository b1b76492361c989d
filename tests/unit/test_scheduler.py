"""The worker's scheduler over a scripted host: priorities, pausing, resuming, stopping."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from qwen_lsp import messages as m
from qwen_lsp.worker.scheduler import Pending, Scheduler, shared_chars

pytestmark = pytest.mark.unit


PREFILL_STEPS = 4  # a pre-warm (max_tokens 0) of the scripted host


class ScriptedHost:
    """Each request takes `max_tokens` steps (a pre-warm PREFILL_STEPS); `at[(id, step)]` runs
    before that step; `hurried` records each step of whom `urgent()` said so."""

    def __init__(self) -> None:
        self.trace: list[tuple[int, int]] = []
        self.at: dict[tuple[int, int], Callable[[], None]] = {}
        self.hurried: list[tuple[int, int]] = []

    def steps(self, request, cancelled, on_text=None, arrived=None, on_early=None, urgent=None):
        for step in range(request.max_tokens or PREFILL_STEPS):
            self.at.get((request.id, step), lambda: None)()
            if on_early and step == request.answer_within_ms > 0:  # scripted: the step it is due
                on_early(str(step), m.Usage(generated_tokens=step))
            self.trace.append((request.id, step))
            if urgent is not None and urgent():
                self.hurried.append((request.id, step))
            yield
            if cancelled():
                return m.Done(id=request.id, text=str(step + 1), finish_reason="cancelled")
        return m.Done(id=request.id, text=str(request.max_tokens), finish_reason="length")


@pytest.fixture
def host() -> ScriptedHost:
    return ScriptedHost()


@pytest.fixture
def scheduler(host: ScriptedHost) -> Scheduler:
    return Scheduler(host)  # type: ignore[arg-type]


def request(id: int, priority: m.Priority, steps: int = 3, **fields) -> m.Generate:
    return m.Generate(id=id, prompt="x", max_tokens=steps, priority=priority, **fields)


def submit(scheduler: Scheduler, answers: list, message: m.Generate, owner=None) -> None:
    scheduler.submit(Pending(message, answers.append, owner=owner))


def drain(scheduler: Scheduler) -> None:
    scheduler.close()
    while scheduler.serve_next():
        pass


def outcomes(answers: list) -> list[tuple[int, str]]:
    return [(a.id, a.finish_reason) for a in answers]


def test_waiting_requests_go_by_priority_then_arrival(scheduler, host):
    answers: list = []
    for id, priority in [(1, "background"), (2, "job"), (3, "interactive"), (4, "job")]:
        submit(scheduler, answers, request(id, priority, steps=1))
    drain(scheduler)
    assert [a.id for a in answers] == [3, 2, 4, 1]


def test_a_running_job_pauses_for_a_keystroke_and_resumes_where_it_was(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "job", steps=4))
    host.at[(1, 2)] = lambda: submit(scheduler, answers, request(2, "interactive", steps=2))
    drain(scheduler)
    assert host.trace == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (1, 3)]
    assert [(a.id, a.text, a.finish_reason) for a in answers] == [
        (2, "2", "length"),
        (1, "4", "length"),  # every step of the job ran once
    ]


def test_background_work_pauses_for_a_job_and_a_job_for_a_keystroke(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "background", steps=2))
    host.at[(1, 0)] = lambda: submit(scheduler, answers, request(2, "job", steps=2))
    host.at[(2, 0)] = lambda: submit(scheduler, answers, request(3, "interactive", steps=1))
    drain(scheduler)
    assert [a.id for a in answers] == [3, 2, 1]
    assert host.trace == [(1, 0), (2, 0), (3, 0), (2, 1), (1, 1)]


def test_a_keystroke_answered_early_goes_on_behind_a_job(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "interactive", steps=4, answer_within_ms=2))
    submit(scheduler, answers, request(2, "job", steps=1))
    drain(scheduler)
    early = answers[0]
    assert isinstance(early, m.EarlyAnswer) and (early.id, early.text) == (1, "2")
    # Once answered, the rest of the keystroke's generation waits for the job.
    assert host.trace == [(1, 0), (1, 1), (1, 2), (2, 0), (1, 3)]
    assert outcomes(answers[1:]) == [(2, "length"), (1, "length")]


def test_a_paused_job_cancelled_meanwhile_stops_when_it_resumes(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "job", steps=5))
    host.at[(1, 1)] = lambda: submit(scheduler, answers, request(2, "interactive", steps=1))
    host.at[(2, 0)] = lambda: scheduler.cancel(1)
    drain(scheduler)
    assert outcomes(answers) == [(2, "length"), (1, "cancelled")]
    assert (1, 2) not in host.trace


def test_a_newer_request_for_the_same_job_stops_the_running_one(scheduler, host):
    answers: list = []
    typed, next_typed = (request(n, "interactive", 5, job="complete:a.py") for n in (1, 2))
    submit(scheduler, answers, typed)
    host.at[(1, 1)] = lambda: submit(scheduler, answers, next_typed)
    drain(scheduler)
    assert outcomes(answers) == [(1, "cancelled"), (2, "length")]


def test_only_the_same_owners_request_supersedes(scheduler, host):
    answers: list = []
    mine, theirs = object(), object()
    scheduler.submit(Pending(request(1, "job", steps=3, job="docs:a"), answers.append, mine))
    other = request(2, "job", steps=1, job="docs:a")
    host.at[(1, 0)] = lambda: scheduler.submit(Pending(other, answers.append, theirs))
    drain(scheduler)
    assert outcomes(answers) == [(1, "length"), (2, "length")]


def test_background_work_on_the_typed_document_stops_instead_of_pausing(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "background", steps=5, cache_key="a.py"))
    keystroke = request(2, "interactive", steps=1, cache_key="a.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, keystroke)
    drain(scheduler)
    assert outcomes(answers) == [(1, "cancelled"), (2, "length")]
    assert host.trace == [(1, 0), (1, 1), (2, 0)]  # it gave its cache back before the keystroke


def test_a_failing_generation_answers_failed_and_the_next_is_served(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "interactive", steps=2))
    submit(scheduler, answers, request(2, "interactive", steps=1))
    host.at[(1, 1)] = lambda: 1 / 0
    drain(scheduler)
    assert isinstance(answers[0], m.Failed) and "ZeroDivisionError" in answers[0].error
    assert (answers[1].id, answers[1].finish_reason) == (2, "length")


PROMPT = "<|fim_prefix|>def area(r):\n    return<|fim_suffix|>\n<|fim_middle|>    x"


def test_a_keystroke_joins_the_prewarm_filling_its_prompt_and_hurries_it(scheduler, host):
    """The pre-warm of the document's prompt runs to its end (in big chunks once a keystroke
    waits for it) and the keystroke then finds its prompt in the cache: no restart."""
    answers: list = []
    prewarm = m.Generate(
        id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py", job="ahead:a"
    )
    submit(scheduler, answers, prewarm)
    keystroke = m.Generate(id=2, prompt=PROMPT + "=", max_tokens=1, cache_key="a.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, keystroke)
    drain(scheduler)
    assert outcomes(answers) == [(1, "length"), (2, "length")]
    assert host.trace == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0)]
    assert host.hurried == [(1, 1), (1, 2), (1, 3)]


def test_a_keystroke_elsewhere_in_the_document_stops_the_prewarm(scheduler, host):
    answers: list = []
    prewarm = m.Generate(id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py")
    submit(scheduler, answers, prewarm)
    elsewhere = m.Generate(id=2, prompt="<|fim_prefix|>import os", max_tokens=1, cache_key="a.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, elsewhere)
    drain(scheduler)
    assert outcomes(answers) == [(1, "cancelled"), (2, "length")]
    assert host.hurried == []


def test_a_keystroke_of_another_document_does_not_wait_for_the_prewarm(scheduler, host):
    answers: list = []
    prewarm = m.Generate(id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py")
    submit(scheduler, answers, prewarm)
    other = m.Generate(id=2, prompt=PROMPT, max_tokens=1, cache_key="b.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, other)
    drain(scheduler)
    assert outcomes(answers) == [(2, "length"), (1, "length")]  # served first, pre-warm paused
    assert host.trace == [(1, 0), (1, 1), (2, 0), (1, 2), (1, 3)]


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [("", "", 0), ("abc", "abd", 2), ("abc", "abcdef", 3), ("xyz", "abc", 0), ("same", "same", 4)],
)
def test_shared_chars_is_the_common_prefix_length(a, b, shared):
    assert shared_chars(a, b) == shared


def test_a_keystroke_lets_the_queued_prewarm_of_its_prompt_go_first(scheduler, host):
    answers: list = []
    prewarm = m.Generate(id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py")
    submit(scheduler, answers, prewarm)
    submit(
        scheduler, answers, m.Generate(id=2, prompt=PROMPT + "=", max_tokens=1, cache_key="a.py")
    )
    drain(scheduler)
    assert outcomes(answers) == [(1, "length"), (2, "length")]
    assert host.trace == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0)]
    assert host.hurried == [(1, 0), (1, 1), (1, 2), (1, 3)]  # the keystroke waits for it


def test_a_keystroke_elsewhere_goes_before_a_queued_prewarm(scheduler, host):
    answers: list = []
    prewarm = m.Generate(id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py")
    submit(scheduler, answers, prewarm)
    elsewhere = m.Generate(id=2, prompt="<|fim_prefix|>import os", max_tokens=1, cache_key="a.py")
    submit(scheduler, answers, elsewhere)
    drain(scheduler)
    assert outcomes(answers) == [(2, "length"), (1, "length")]
    assert host.trace[0] == (2, 0)


ENTER_KEY = "a.py" + m.ALTERNATE + "enter"


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        (PROMPT + " ", [(1, "length"), (2, "length")]),
        ("<|fim_prefix|>x", [(1, "cancelled"), (2, "length")]),
    ],
    ids=["enter-joins", "other-stops"],
)
def test_a_keystroke_joins_or_stops_the_prewarm_of_its_documents_alternate(
    scheduler, host, typed, outcome
):
    """The pre-warm for Enter fills the document's alternate cache: the Enter keystroke (its
    prompt) waits for it to end, any other keystroke of the document stops it."""
    answers: list = []
    warm = m.Generate(
        id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key=ENTER_KEY, job="enter"
    )
    submit(scheduler, answers, warm)
    keystroke = m.Generate(id=2, prompt=typed, max_tokens=1, cache_key="a.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, keystroke)
    drain(scheduler)
    assert outcomes(answers) == outcome


def test_after_a_switch_the_keystroke_lets_its_queued_prewarm_pause_another_documents(
    scheduler, host
):
    """Background work of another document is running (a pre-warm at open) when the switched-to
    document's pre-warm is queued behind it: the first keystroke there waits for that pre-warm,
    which goes first (hurried), instead of prefilling the whole prompt itself."""
    answers: list = []
    other = m.Generate(id=1, prompt="<|fim_prefix|>b", max_tokens=0, priority="background",
                       cache_key="b.py")  # fmt: skip
    submit(scheduler, answers, other)
    focused = m.Generate(id=2, prompt=PROMPT, max_tokens=0, priority="background",
                         cache_key="a.py")  # fmt: skip
    keystroke = m.Generate(id=3, prompt=PROMPT + "=", max_tokens=1, cache_key="a.py")
    host.at[(1, 1)] = lambda: submit(scheduler, answers, focused)
    host.at[(1, 2)] = lambda: submit(scheduler, answers, keystroke)
    drain(scheduler)
    assert outcomes(answers) == [(2, "length"), (3, "length"), (1, "length")]
    assert host.trace == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (2, 3), (3, 0), (1, 3)]
    assert host.hurried[:4] == [(2, 0), (2, 1), (2, 2), (2, 3)]  # the keystroke waits for it


def test_a_keystroke_waiting_past_its_time_limit_is_answered_empty_at_once(scheduler, host):
    """Joined to a long pre-warm, a keystroke still answers within completion.timeoutMs (empty,
    as its own prefill would have); the pre-warm goes on filling the cache, in big chunks."""
    answers: list = []
    prewarm = m.Generate(id=1, prompt=PROMPT, max_tokens=0, priority="background", cache_key="a.py")
    submit(scheduler, answers, prewarm)
    keystroke = m.Generate(id=2, prompt=PROMPT + "=", max_tokens=1, cache_key="a.py",
                           max_time_ms=5000)  # fmt: skip
    late = Pending(keystroke, answers.append, arrived=time.perf_counter() - 6)
    host.at[(1, 1)] = lambda: scheduler.submit(late)
    drain(scheduler)
    assert [(a.id, a.text, a.finish_reason) for a in answers] == [
        (2, "", "length"),
        (1, "0", "length"),  # a pre-warm's answer: every step ran
    ]
    assert (2, 0) not in host.trace
    assert host.hurried == [(1, 1), (1, 2), (1, 3)]  # still hurried once the keystroke is gone


def test_a_cancelled_request_past_its_time_limit_is_answered_cancelled(scheduler, host):
    answers: list = []
    submit(scheduler, answers, request(1, "job", steps=3))
    late = Pending(request(2, "interactive", max_time_ms=5000), answers.append,
                   arrived=time.perf_counter() - 6)  # fmt: skip
    host.at[(1, 1)] = lambda: (scheduler.submit(late), scheduler.cancel(2))
    drain(scheduler)
    assert outcomes(answers) == [(2, "cancelled"), (1, "length")]
