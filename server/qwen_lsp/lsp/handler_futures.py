"""pygls's protocol, made to forget each handler's future once it is done.

pygls 2.1.1 files the future of every handler it runs in `_request_futures`: under the request's
id, or under a fresh uuid for a notification and for the user handler a built-in one yields to
(didOpen/didChange/didClose, executeCommand). It removes only requests' entries (on the answer
or a cancel), so every keystroke's didChange left a Future with its Condition, RLock and deque
behind (~1.8 KB with its uuid): the server grew ~2.2 MB per 1,000 keystrokes (BENCHMARKS.md).
"""

from __future__ import annotations

from concurrent.futures import Future
from functools import partial
from typing import Any

from pygls.protocol import JsonRPCProtocol


class _FutureMap(dict):
    """pygls's shutdown cancels every future while walking the map, and a cancelled
    concurrent future (a thread or generator handler's) runs its done-callbacks at once, which
    remove entries: the walk goes over a copy."""

    def items(self):  # a list, where dict.items gives a view
        return list(super().items())


class ForgetFinishedHandlers(JsonRPCProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_futures = _FutureMap(self._request_futures)

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, *args: Any, **kw: Any):
        super()._execute_handler(msg_id, handler, callback, *args, **kw)
        if (future := self._request_futures.get(msg_id)) is not None:
            future.add_done_callback(partial(self._forget, msg_id))  # now, if already done

    def _forget(self, msg_id: Any, future: Future[Any]) -> None:
        if self._request_futures.get(msg_id) is future:  # not a later one under the same id
            self._request_futures.pop(msg_id, None)  # a thread handler's callback: pygls may race
