"""The one interface every text generator implements: ``Generator``, and its ``Message``.

A generator takes a chat (a list of ``{"role": ..., "content": ...}`` messages) and yields the
reply as text pieces while it is produced. Every implementation decodes greedily (temperature
0), so the same chat and model give the same reply.

A back end may also be a ``Scorer``: it reads the probabilities of a few one-token replies
("yes"/"no", a clause number) instead of generating text, which is how the meaning check
(``answering.judge``) asks the model.

This module does not load models, build prompts, or retrieve anything; it only names the shape.
"""
from __future__ import annotations

from typing import Iterator, Protocol, Sequence, runtime_checkable

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


@runtime_checkable
class Scorer(Protocol):
    """Something that can say how likely each of a few short replies is, without writing one:
    the probability that the reply to ``messages`` starts with each option (as one token; upper
    and lower case count together). It reuses the same cached prompt start as ``stream``."""

    def choice_probs(self, messages: list[Message], options: Sequence[str]) -> list[float]:
        """May be called while a reply of the same back end is paused between two pieces (the
        answer pipeline checks a reply's first sentence before the rest is written); the reply
        then goes on exactly as if it had not been paused."""
        ...


def collect(generator: Generator, messages: list[Message], *, max_tokens: int,
            stop: list[str] | None = None) -> str:
    """The whole reply as one string (for callers that do not stream)."""
    return "".join(generator.stream(messages, max_tokens=max_tokens, stop=stop))
