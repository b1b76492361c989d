"""A document's text in chunks, so a keystroke in a 10 MB file does not rebuild the whole string.

`text[:start] + new + text[end:]` copies the text about three times, and slicing a non-ASCII
string scans every character for the widest one: ~100 ms for 10 MB. Here an edit rebuilds one
chunk; the whole string is joined (one copy, no scan) only when someone reads it, and kept until
the next edit.
"""

from __future__ import annotations

from bisect import bisect_right

CHUNK = 1 << 16  # characters; a chunk grown past twice this is split again


def _split(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def split(text: str) -> list[str]:
    """The chunks of `text` (for `ChunkedText.adopt`: made in another thread)."""
    return _split(text)


class ChunkedText:
    """Split into chunks at the first edit (or by `adopt`): a text only read costs no copy."""

    def __init__(self, text: str) -> None:
        self._chunks: list[str] = []
        self._chunk_bytes: list[int | None] = []  # UTF-8, when counted
        self._starts = [0]
        self._length = len(text)
        self._joined: str | None = text

    def adopt(self, text: str, chunks: list[str]) -> None:
        """Take `split(text)` made elsewhere, if this is still `text` and not split yet."""
        if not self._chunks and self._joined is text:
            self._set_chunks(chunks)

    def _chunked(self) -> list[str]:
        if not self._chunks:
            assert self._joined is not None  # never edited, so never unjoined
            self._set_chunks(_split(self._joined))
        return self._chunks

    def _set_chunks(self, chunks: list[str]) -> None:
        self._chunks = chunks
        self._chunk_bytes = [None] * len(chunks)
        self._starts = [0]
        self._restart(0)

    def __len__(self) -> int:
        return self._length

    @property
    def text(self) -> str:
        """The whole text (joined on first read after an edit)."""
        if self._joined is None:
            self._joined = "".join(self._chunks)
        return self._joined

    def is_joined(self, text: str) -> bool:
        """Whether `text` is this very text as last read (no edit since): no comparison."""
        return self._joined is text

    def isascii(self) -> bool:
        if self._joined is not None:
            return self._joined.isascii()
        return all(chunk.isascii() for chunk in self._chunks)

    def slice(self, start: int, end: int) -> str:
        """text[start:end] (0 <= start <= end <= len), reading only the chunks it spans."""
        if self._joined is not None:
            return self._joined[start:end]
        index = self._chunk_at(start)
        pieces = []
        while start < end:
            chunk, at = self._chunks[index], self._starts[index]
            pieces.append(chunk[start - at : end - at])
            start, index = at + len(chunk), index + 1
        return "".join(pieces)

    def byte_offset(self, offset: int) -> int:
        """UTF-8 bytes of text[:offset]: the chunks before it counted once per edit of each."""
        if self.isascii():
            return offset
        self._chunked()
        index = self._chunk_at(offset)
        before = 0
        for i in range(index):
            if (size := self._chunk_bytes[i]) is None:
                size = self._chunk_bytes[i] = len(self._chunks[i].encode())
            before += size
        return before + len(self._chunks[index][: offset - self._starts[index]].encode())

    def replace(self, start: int, end: int, new: str) -> None:
        """text[start:end] becomes `new` (0 <= start <= end <= len)."""
        self._chunked()
        first, last = self._chunk_at(start), self._chunk_at(end)
        head = self._chunks[first][: start - self._starts[first]]
        tail = self._chunks[last][end - self._starts[last] :]
        merged = head + new + tail
        pieces = _split(merged) if len(merged) > 2 * CHUNK else [merged]
        if not merged and len(self._chunks) > last - first + 1:
            pieces = []  # no empty chunk among others
        self._chunks[first : last + 1] = pieces
        self._chunk_bytes[first : last + 1] = [None] * len(pieces)
        self._restart(first)
        self._length += len(new) - (end - start)
        self._joined = None

    def _chunk_at(self, offset: int) -> int:
        return max(0, bisect_right(self._starts, offset) - 1)

    def _restart(self, first: int) -> None:
        """Chunk starts again from chunk `first` (whose start has not moved) on."""
        at = self._starts[first]
        del self._starts[first:]
        for chunk in self._chunks[first:]:
            self._starts.append(at)
            at += len(chunk)
