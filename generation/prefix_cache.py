"""Saved llama.cpp prompt states, so that a prompt which starts like an earlier one, though not
like the last one, is not read again.

llama.cpp keeps the last prompt's reading (its KV cache) and reuses the part that a new prompt
shares. The answer pipeline switches between prompt families (the judge's checks start with the
instructions only, the relevance questions and the answer with the instructions and a worked
example), so each switch would read the shared start again: ~1.4 s for the example alone at
~100 tokens/s on 2 cores. ``PrefixStates`` saves the cache at the points where prompts part
ways, and brings back the saved state that shares most with a new prompt.

This module does not build prompts, generate or score; it only saves and restores the cache of
sequence 0 of a ``llama_cpp.Llama`` (with llama-cpp-python's own ``input_ids``/``n_tokens``
bookkeeping, which is why ``llama-cpp-python`` is pinned).
"""
from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from typing import Any, Sequence

log = logging.getLogger(__name__)

MIN_SAVE = 64  # fewer tokens than this are cheaper to read again than to save
MAX_STATES = 8  # each is ~29 KB per token with the default model: 8 x 600 tokens is ~140 MB


def shared(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens ``a`` and ``b`` share from the start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PrefixStates:
    """A few saved cache states of one ``Llama``, keyed by the tokens they hold, least recently
    used dropped first."""

    def __init__(self, llm: Any, max_states: int = MAX_STATES) -> None:
        self.llm = llm
        self.max_states = max_states
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._states)

    def prepare(self, tokens: Sequence[int]) -> int:
        """Make the cache hold as much of ``tokens``' start as any saved state has, and save the
        part a new prompt shares with the current cache before it is overwritten. Returns how many
        tokens of ``tokens`` are now cached; the caller reads the rest."""
        llm = self.llm
        current = shared(llm.input_ids[:llm.n_tokens], tokens)
        best, best_n = None, current
        for key in self._states:
            n = shared(key, tokens)
            if n > best_n:
                best, best_n = key, n
        if best is not None and self._restore(best):
            log.debug("restored a saved prompt state: %d of %d tokens cached (was %d)", best_n, len(tokens), current)
            current = best_n
        if current < llm.n_tokens:
            # The new prompt parts ways with the cache here. Keep what would be lost, if it is long
            # (a prompt family the pipeline comes back to), and the shared start, which other
            # prompts of the same family will share too.
            if llm.n_tokens - current >= MIN_SAVE:
                self._save()
            llm._ctx.kv_cache_seq_rm(0, current, -1)
            llm.n_tokens = current
            llm._requires_eval = True
            if current >= MIN_SAVE:
                self._save()
        return current

    def _save(self) -> None:
        llm = self.llm
        key = tuple(int(t) for t in llm.input_ids[:llm.n_tokens])
        if key in self._states:
            self._states.move_to_end(key)
            return
        data = self._get_data()
        if not data:
            log.warning("llama.cpp could not save a prompt state; prompts are read again instead")
            return
        self._states[key] = data
        while len(self._states) > self.max_states:
            self._states.popitem(last=False)

    def _restore(self, key: tuple[int, ...]) -> bool:
        llm = self.llm
        data = self._states.pop(key)
        llm._ctx.kv_cache_clear()
        llm._requires_eval = True
        if not self._set_data(data):
            llm._ctx.kv_cache_clear()
            llm.n_tokens = 0
            log.warning("llama.cpp could not restore a saved prompt state; reading the prompt again")
            return False
        self._states[key] = data  # now the most recently used
        llm.input_ids[:len(key)] = key
        llm.n_tokens = len(key)
        return True

    def _get_data(self) -> bytes:
        """The cache of sequence 0, as llama.cpp serialises it."""
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(self.llm._ctx.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(self.llm._ctx.ctx, buf, size, 0)
        return ctypes.string_at(buf, written)  # one copy (bytes(buf[:n]) would make n Python ints)

    def _set_data(self, data: bytes) -> bool:
        import llama_cpp

        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        return llama_cpp.llama_state_seq_set_data(self.llm._ctx.ctx, buf, len(data), 0) == len(data)
