"""Cut a stream of text pieces before the first stop string, as chat servers do.

Pieces pass through as soon as they cannot be the start of a stop string; the stop string
itself is never yielded. When stop strings overlap, the one that is completed first wins, so
the result does not depend on how the text was split into pieces.

This module does not count tokens or stop the producer early beyond closing it; it only trims.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence


def stop_at(pieces: Iterable[str], stop: Sequence[str] | None) -> Iterator[str]:
    """Yield ``pieces`` up to (not including) the first completed stop string."""
    stops = [s for s in stop or () if s]
    if not stops:
        yield from pieces
        return
    hold = max(len(s) for s in stops) - 1  # this many trailing chars may begin a stop string
    buf = ""
    source = iter(pieces)
    try:
        for piece in source:
            buf += piece
            cut = _first_completed(buf, stops)
            if cut is not None:
                if cut:
                    yield buf[:cut]
                return
            if len(buf) > hold:
                keep = len(buf) - hold
                yield buf[:keep]
                buf = buf[keep:]
        if buf:
            yield buf
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _first_completed(text: str, stops: list[str]) -> int | None:
    """Start of the stop-string occurrence in ``text`` that ends first (longest on a tie)."""
    best: tuple[int, int] | None = None  # (end, start)
    for s in stops:
        start = text.find(s)
        if start >= 0 and (best is None or (start + len(s), start) < best):
            best = (start + len(s), start)
    return None if best is None else best[1]
