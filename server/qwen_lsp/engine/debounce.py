"""Adaptive debounce: wait about as long as the user's recent pause between keystrokes.

A fast typist's next keystroke would supersede a model call anyway, so the server waits a moment
before calling the model; someone who has paused gets no wait at all (Tabby's idea). The clients'
own fixed debounce has already passed when a request arrives, so it is subtracted.
"""

from __future__ import annotations

from cachetools import LRUCache

SMOOTHING = 0.3  # weight of the newest interval in the moving average
IDLE_MS = 1500.0  # a gap longer than this is a pause, not typing speed


class AdaptiveDebounce:
    def __init__(self, client_ms: float = 40.0, max_ms: float = 250.0) -> None:
        self.client_ms = client_ms
        self.max_ms = max_ms
        self._last: LRUCache[str, float] = LRUCache(maxsize=256)
        self._mean: LRUCache[str, float] = LRUCache(maxsize=256)

    def observe(self, document: str, now_ms: float) -> float:
        """Record a request for `document` at `now_ms`; returns how long to wait (ms)."""
        last = self._last.get(document)
        self._last[document] = now_ms
        if last is not None and 0 <= now_ms - last <= IDLE_MS:
            interval = now_ms - last
            mean = self._mean.get(document, interval)
            self._mean[document] = mean + SMOOTHING * (interval - mean)
        return self.delay_ms(document)

    def delay_ms(self, document: str) -> float:
        mean = self._mean.get(document)
        if mean is None:
            return 0.0
        return max(0.0, min(self.max_ms, mean - self.client_ms))
