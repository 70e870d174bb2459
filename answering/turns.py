"""Turns at the shared model: one question at a time, first come first served, with a place in line.

Several browser sessions share one model in one process. ``OneAtATime`` (answering.service)
already keeps two model calls from running at once; this queue keeps a whole question (judging,
writing and checking, several calls) together, so that a question asked first is answered first
and a person can be told how many questions are ahead of theirs. A session that goes away while
waiting (a closed tab, a rerun) leaves the line and holds nobody up.

This module does not know about models, answers or Streamlit.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from contextlib import contextmanager
from typing import Iterator


class Turn:
    """One place in line; ``wait`` until it is this one's turn."""

    def __init__(self, line: "TurnQueue", number: int) -> None:
        self._line = line
        self.number = number

    @property
    def ahead(self) -> int:
        """How many questions will be answered before this one (0 when it is this one's turn)."""
        return self._line.ahead(self.number)

    def wait(self, timeout: float | None = None) -> bool:
        """True once it is this one's turn; False if ``timeout`` seconds passed first."""
        return self._line.wait(self.number, timeout)


class TurnQueue:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: deque[int] = deque()
        self._numbers = itertools.count()

    @contextmanager
    def turn(self) -> Iterator[Turn]:
        """Join the line; leave it when the block ends, whether answered, failed or abandoned."""
        with self._cond:
            number = next(self._numbers)
            self._line.append(number)
        try:
            yield Turn(self, number)
        finally:
            with self._cond:
                self._line.remove(number)
                self._cond.notify_all()

    def ahead(self, number: int) -> int:
        with self._cond:
            return self._line.index(number)

    def wait(self, number: int, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._line[0] == number, timeout)

    def __len__(self) -> int:
        with self._cond:
            return len(self._line)
