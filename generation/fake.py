"""A generator that plays back scripted replies, for tests.

``ScriptedGenerator`` records every chat it is given and streams a canned reply in small
pieces, so code that consumes a stream can be tested offline and instantly.

This module does not model tokens: ``max_tokens`` counts pieces of ``piece_chars`` characters,
not real tokens. ``stop`` cuts the reply before the first stop string, as real back ends do.
"""
from __future__ import annotations

from typing import Callable, Iterator

from generation.base import Message
from generation.stops import stop_at

Script = list[str] | Callable[[list[Message]], str]


class ScriptedGenerator:
    """Replies with the next string of ``replies`` (or ``replies(messages)`` if it is callable)."""

    name = "scripted (test double)"

    def __init__(self, replies: Script, *, piece_chars: int = 4) -> None:
        self._replies = replies if callable(replies) else list(replies)
        self._piece_chars = piece_chars
        self.calls: list[list[Message]] = []

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        # Not a generator function: the call is recorded even if the stream is never read.
        self.calls.append([dict(m) for m in messages])
        reply = self._next_reply(messages)
        step = self._piece_chars
        pieces = [reply[i : i + step] for i in range(0, len(reply), step)][:max_tokens]
        return stop_at(pieces, stop)

    @property
    def last_messages(self) -> list[Message]:
        if not self.calls:
            raise AssertionError("ScriptedGenerator was never called")
        return self.calls[-1]

    def _next_reply(self, messages: list[Message]) -> str:
        if callable(self._replies):
            return self._replies(messages)
        if not self._replies:
            raise AssertionError("ScriptedGenerator ran out of scripted replies")
        return self._replies.pop(0)
