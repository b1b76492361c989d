"""One live KV cache per document: taken, trimmed to the shared prefix, put back, never copied."""

from __future__ import annotations

import pytest

from qwen_lsp.worker.doc_cache import DocumentCaches, common_prefix

pytestmark = pytest.mark.unit


class FakeCache(list):
    """Stands in for a list of layer caches: holds the token count it was filled to."""

    def __init__(self, trimmable: bool = True) -> None:
        super().__init__([0])
        self.trimmable = trimmable
        self.made = True


def caches(budget: int = 1000) -> DocumentCaches:
    def trim(cache: FakeCache, n: int) -> None:
        cache[0] -= n

    return DocumentCaches(budget, FakeCache, trim, lambda c: c.trimmable, cost=lambda c: c[0])


def generate(store: DocumentCaches, key: str, prompt: list[int], answer: list[int]) -> int:
    cache, reused = store.take(key, prompt)
    assert cache[0] == reused  # the cache holds exactly the reused prefix
    cache[0] = len(prompt) + len(answer)
    store.put(key, prompt + answer, cache)
    return reused


def test_common_prefix() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix([], [1]) == 0
    assert common_prefix([1, 2], [1, 2, 3]) == 2


def test_one_entry_per_document_after_many_keystrokes() -> None:
    store = caches()
    base = list(range(100))
    seen = []
    for typed in range(1, 30):  # each keystroke: prompt changes at its end, answer differs
        cache_before = store._entries.get("a.py")
        reused = generate(store, "a.py", [*base, 500 + typed], [900 + typed, 901])
        seen.append(reused)
        if cache_before is not None:
            assert store._entries["a.py"].cache is cache_before.cache  # the same object: no copy
    assert len(store) == 1
    assert seen[0] == 0 and all(r == 100 for r in seen[1:])


def test_whole_prompt_cached_leaves_the_last_token_to_feed() -> None:
    store = caches()
    generate(store, "a.py", [1, 2, 3], [4])
    cache, reused = store.take("a.py", [1, 2, 3])
    assert reused == 2 and cache[0] == 2


def test_keys_are_separate_and_least_recently_used_go_beyond_the_budget() -> None:
    store = caches(budget=250)
    generate(store, "a.py", list(range(100)), [1])
    generate(store, "b.py", list(range(100)), [1])
    assert len(store) == 2
    generate(store, "a.py", list(range(100)), [2])  # a.py is now the most recent
    generate(store, "c.py", list(range(100)), [1])
    assert len(store) == 2 and store.held_tokens <= 250
    assert store.take("b.py", [1, 2])[1] == 0  # b.py was evicted
    assert store.take("a.py", list(range(100)))[1] == 99


def test_an_entry_larger_than_the_budget_is_not_kept() -> None:
    store = caches(budget=50)
    generate(store, "a.py", list(range(100)), [1])
    assert len(store) == 0


def test_untrimmable_cache_with_a_changed_prompt_starts_fresh() -> None:
    store = caches()
    cache = FakeCache(trimmable=False)
    cache[0] = 3
    store.put("a.py", [1, 2, 3], cache)
    fresh, reused = store.take("a.py", [1, 2, 9])
    assert reused == 0 and fresh is not cache
    store.put("a.py", [1, 2, 3], cache)
    same, reused = store.take("a.py", [1, 2, 3, 4])  # extends it: nothing to trim
    assert reused == 3 and same is cache


ENTER = "a.py\x1fenter"  # the document's alternate cache (messages.ALTERNATE)


def test_an_alternate_starts_from_a_copy_and_leaves_the_document_cache_in_place() -> None:
    store = caches()
    generate(store, "a.py", list(range(100)), [1])
    own = store._entries["a.py"].cache
    alternate, reused = store.take(ENTER, [*range(90), 7, 7])  # the line ended: prefix changed
    assert reused == 90 and alternate is not own
    assert store._entries["a.py"].cache is own and own[0] == 101  # untouched
    alternate[0] = 92
    store.put(ENTER, [*range(90), 7, 7], alternate)
    assert len(store) == 1  # one document warm, with its alternate


def test_a_keystroke_takes_whichever_of_the_two_shares_more_of_its_prompt() -> None:
    store = caches()
    generate(store, "a.py", list(range(100)), [1])
    generate(store, ENTER, [*range(90), 7, 7], [])
    enter_prompt = [*range(90), 7, 7, 8]
    assert store.best("a.py", enter_prompt, alternates=True) == ENTER
    assert store.best("a.py", enter_prompt) == "a.py"  # background work keeps to its own
    alternate = store._entries[ENTER].cache
    cache, reused = store.take("a.py", enter_prompt, alternates=True)
    assert reused == 92 and cache is alternate and ENTER not in store._entries
    cache[0] = 93
    store.put("a.py", enter_prompt, cache)  # the document's cache is now the Enter one
    assert list(store._entries) == ["a.py"]
    # Not Enter: typing on the line fits the document's own cache better.
    generate(store, ENTER, [*range(90), 5, 5], [])
    cache, reused = store.take("a.py", [*enter_prompt, 9], alternates=True)
    assert reused == 93 and ENTER in store._entries


def test_alternates_are_evicted_before_any_document_cache() -> None:
    store = caches(budget=230)
    generate(store, "a.py", list(range(100)), [1])
    generate(store, "b.py", list(range(100)), [1])
    generate(store, ENTER, [*range(40), 3], [])  # over the budget: it goes, not a.py
    assert set(store._entries) == {"a.py", "b.py"}
