"""The one interface every text generator implements: ``Generator``, and its ``Message``.

A generator takes a chat (a list of ``{"role": ..., "content": ...}`` messages) and yields the
reply as text pieces while it is produced. Every implementation decodes greedily (temperature
0), so the same chat and model give the same reply.

This module does not load models, build prompts, or retrieve anything; it only names the shape.
"""
from __future__ import annotations

from typing import Iterator, Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class GenerationError(RuntimeError):
    """A back end could not produce a reply (server down, HTTP error, model failure)."""


@runtime_checkable
class Generator(Protocol):
    """Something that streams a chat reply. ``name`` is for people, e.g. in logs and the UI."""

    name: str

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Yield the reply to ``messages`` in pieces, at most ``max_tokens`` tokens in all."""
        ...


def collect(generator: Generator, messages: list[Message], *, max_tokens: int,
            stop: list[str] | None = None) -> str:
    """The whole reply as one string (for callers that do not stream)."""
    return "".join(generator.stream(messages, max_tokens=max_tokens, stop=stop))
