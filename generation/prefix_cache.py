"""Saved llama.cpp prompt states, so that a prompt which starts like an earlier one, though not
like the last one, is not read again.

llama.cpp keeps the last prompt's reading (its KV cache) and reuses the part that a new prompt
shares. The answer pipeline switches between prompt families (the judge's checks start with the
instructions only, the relevance questions and the answer with the instructions and a worked
example), so each switch would read the shared start again: ~1.4 s for the example alone at
~100 tokens/s on 2 cores. ``PrefixStates`` saves the cache at the points where prompts part
ways, and brings back the saved state that shares most with a new prompt.

A reply can be paused between two pieces while other prompts are read (the answer pipeline checks
a reply's first sentence before the rest is written): its reading is saved when it would be
overwritten, kept however many other states are saved (``paused``), and brought back before the
reply goes on (``bring_back``), so the reply is the one it would have been.

``dump`` and ``load`` keep the states in a file between runs, so a new process brings back the
reading of the fixed instructions instead of reading them again (a few seconds on 2 cores before
the first answer); the file records what it is valid for (model file, context size, llama.cpp
version) and is ignored when any of that differs.

This module does not build prompts, generate or score; it only saves and restores the cache of
sequence 0 of a ``llama_cpp.Llama`` (with llama-cpp-python's own ``input_ids``/``n_tokens``
bookkeeping, which is why ``llama-cpp-python`` is pinned).
"""
from __future__ import annotations

import ctypes
import json
import logging
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

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
        # The reading of a reply paused while other prompts are read (``bring_back``): once saved,
        # it is not dropped to make room, as the reply needs it to go on exactly.
        self.paused: tuple[int, ...] | None = None
        self._loaded: set[tuple[int, ...]] = set()  # the keys last loaded from or written to a file

    def __len__(self) -> int:
        return len(self._states)

    def prepare(self, tokens: Sequence[int]) -> int:
        """Make the cache hold as much of ``tokens``' start as any saved state has, and save the
        current cache (if it holds much that ``tokens`` do not) and the part a new prompt shares
        with it before they are overwritten. Returns how many tokens of ``tokens`` are now
        cached; the caller reads the rest."""
        llm = self.llm
        current = shared(llm.input_ids[:llm.n_tokens], tokens)
        best, best_n = None, current
        for key in self._states:
            n = shared(key, tokens)
            if n > best_n:
                best, best_n = key, n
        if best is not None and llm.n_tokens - current >= MIN_SAVE:
            self._states.move_to_end(best)  # not the one dropped to make room
            self._save()  # what the restore overwrites: a reply paused while this prompt is read goes on from it
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

    def bring_back(self, tokens: Sequence[int]) -> None:
        """Make the cache hold exactly ``tokens`` again: the reading of a reply that was paused
        (``paused``) while other prompts were read (``prepare`` saved it then). The saved copy is
        dropped, as the reply goes on from it; if there was none, the missing part is read again."""
        llm = self.llm
        if llm.n_tokens == len(tokens) and np.array_equal(llm.input_ids[:llm.n_tokens], tokens):
            return  # nothing else was read meanwhile (the usual case: it runs after every piece)
        cached = self.prepare(tokens)
        self._states.pop(tuple(tokens), None)
        if cached < len(tokens):  # its saved reading was lost: read again, not quite bit for bit
            log.info("a paused reply's reading was not kept; reading %d tokens again", len(tokens) - cached)
            llm.eval(tokens[cached:])

    def dump(self, path: Path, valid_for: dict) -> bool:
        """Keep the current cache and the saved states in ``path`` (atomically); False if there was
        nothing new to keep since ``load``."""
        if self.llm.n_tokens >= MIN_SAVE:
            self._save()
        if not self._states or set(self._states) == self._loaded:
            return False
        arrays = {"valid_for": np.array(json.dumps(valid_for, sort_keys=True))}
        for i, (key, data) in enumerate(self._states.items()):
            arrays[f"tokens{i}"] = np.asarray(key, dtype=np.int32)
            arrays[f"state{i}"] = np.frombuffer(data, dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
        self._loaded = set(self._states)
        log.info("kept %d prompt states in %s", len(self._states), path)
        return True

    def load(self, path: Path, valid_for: dict) -> int:
        """Add the states kept in ``path`` if it was written for ``valid_for``; how many were added."""
        try:
            with np.load(path, allow_pickle=False) as f:
                if json.loads(str(f["valid_for"])) != json.loads(json.dumps(valid_for, sort_keys=True)):
                    log.info("prompt states in %s are for another model or version; not used", path)
                    return 0
                n = sum(1 for name in f.files if name.startswith("tokens"))
                for i in range(n):
                    self._states[tuple(int(t) for t in f[f"tokens{i}"])] = f[f"state{i}"].tobytes()
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # a damaged file only costs reading time
            log.warning("could not read prompt states from %s (%s); the prompts are read instead", path, exc)
            return 0
        self._make_room()
        self._loaded = set(self._states)
        return len(self._states)

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
        self._make_room()

    def _make_room(self) -> None:
        """Drop the least recently used states beyond ``max_states``, never a paused reply's."""
        while len(self._states) > self.max_states:
            oldest = next((k for k in self._states if k != self.paused), None)
            if oldest is None:
                return
            del self._states[oldest]

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
