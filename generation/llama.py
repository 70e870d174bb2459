"""Generate replies with a local GGUF model through llama.cpp (the default back end).

``LlamaCppGenerator`` loads the model once and streams greedy chat completions, using the chat
template stored in the GGUF file. It is also a ``Scorer``: ``choice_probs`` reads the model's
next-token probabilities of a few one-token replies ("yes", "no", "2") without generating.

This module does not download models (see ``generation.model_files``), build prompts, or run
a server; ``llama_cpp`` is imported only when a generator is made.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from generation.base import GenerationError, Message
from generation.prefix_cache import PrefixStates

log = logging.getLogger(__name__)

# GGUF "general.file_type" numbers for the quantizations we are likely to meet.
_FILE_TYPES = {0: "F32", 1: "F16", 7: "Q8_0", 12: "Q3_K_M", 14: "Q4_K_S", 15: "Q4_K_M",
               17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


def missing_model_message(path: Path) -> str:
    return (
        f"model file {path} not found. Run `make run` or `plainpolicy fetch-model` to download "
        "the default model, or pass --model PATH to use another GGUF file."
    )


@dataclass
class Usage:
    """What the model has done since it was loaded: prompt tokens read and tokens written, with
    the seconds each took (reading a prompt and writing a reply cost very differently)."""

    read_tokens: int = 0
    read_seconds: float = 0.0
    written_tokens: int = 0
    written_seconds: float = 0.0

    def since(self, before: "Usage") -> "Usage":
        return Usage(self.read_tokens - before.read_tokens, self.read_seconds - before.read_seconds,
                     self.written_tokens - before.written_tokens, self.written_seconds - before.written_seconds)


def states_valid_for(model_path: Path, n_ctx: int) -> dict:
    """What a kept prompt reading depends on: the model file, the context size, llama.cpp's version
    and the instruction sets it was built for (other kernels sum in another order)."""
    import llama_cpp

    stat = Path(model_path).stat()
    return {"model": str(Path(model_path).resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "n_ctx": n_ctx, "llama_cpp": llama_cpp.__version__,
            "build": llama_cpp.llama_print_system_info().decode(errors="replace")}


def state_file(model_path: Path, n_ctx: int, state_dir: Path) -> Path:
    """Where prompt readings for this model and context size are kept in ``state_dir``."""
    key = hashlib.sha256(json.dumps(states_valid_for(model_path, n_ctx), sort_keys=True).encode()).hexdigest()[:16]
    return Path(state_dir) / f"prompt-states-{key}.npz"


class LlamaCppGenerator:
    """Streams chat replies from a GGUF model file with llama-cpp-python."""

    def __init__(self, model_path: Path | str, n_threads: int = 2, n_ctx: int = 2048,
                 state_dir: Path | None = None) -> None:
        """``state_dir``: where prompt readings are kept between runs (``keep_prompt_states``); None keeps none."""
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(missing_model_message(path))
        # OpenMP threads (torch's, and llama.cpp's if it was built with OpenMP) spin while they
        # wait, which slows the other library down on 2 shared cores. This only helps if no
        # OpenMP runtime is loaded yet, so entry points set it at process start as well.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from llama_cpp import Llama  # heavy native library: load only when needed

        log.info("loading %s with llama.cpp (%d threads, %d context)", path, n_threads, n_ctx)
        try:
            self._llm = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=0,
                # Read the file into memory instead of mapping it: llama.cpp repacks the weights
                # for the CPU anyway, and with a mapping both copies count (peak 1.89 GB vs 1.28 GB).
                use_mmap=False,
                verbose=False,
            )
        except ValueError as exc:  # llama_cpp raises ValueError for files it cannot load
            raise GenerationError(f"llama.cpp could not load {path}: {exc}") from exc
        self.path = path
        self.name = f"{_model_label(self._llm.metadata, path)} via llama.cpp"
        self._template = _chat_template(self._llm)
        self._option_tokens: dict[str, list[int]] = {}
        self._states = PrefixStates(self._llm)
        self._valid_for = states_valid_for(path, n_ctx)
        self._state_file = state_file(path, n_ctx, state_dir) if state_dir is not None else None
        if self._state_file is not None and self._states.load(self._state_file, self._valid_for):
            log.info("brought back saved prompt readings from %s", self._state_file)
        self.usage = Usage()
        self._eval = self._llm.eval
        self._llm.eval = self._counted_eval  # llama-cpp-python feeds every token through eval

    def keep_prompt_states(self) -> None:
        """Keep what the model has read (after the warm-up: the fixed instructions) for the next run."""
        if self._state_file is not None:
            try:
                self._states.dump(self._state_file, self._valid_for)
            except OSError as exc:
                log.warning("could not keep prompt states in %s: %s", self._state_file, exc)

    def _counted_eval(self, tokens: Sequence[int]) -> None:
        """``Llama.eval``, counted: a batch is prompt reading, a single token one written token."""
        start = time.perf_counter()
        self._eval(tokens)
        seconds = time.perf_counter() - start
        if len(tokens) == 1:
            self.usage.written_tokens += 1
            self.usage.written_seconds += seconds
        else:
            self.usage.read_tokens += len(tokens)
            self.usage.read_seconds += seconds

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        if self._template is not None:  # bring back a saved reading of this prompt's start, if any
            self._states.prepare(self._tokens(messages))
        chunks = self._llm.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            max_tokens=max_tokens,
            stop=stop or [],
            temperature=0.0,
            stream=True,
        )
        llm = self._llm
        try:
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
                if piece:
                    # The caller may score other prompts before it asks for the next piece, which
                    # overwrites the cache this reply goes on from; it is kept, and brought back.
                    held = self._states.paused = tuple(llm.input_ids[:llm.n_tokens].tolist())
                    yield piece
                    self._states.bring_back(held)
        finally:
            self._states.paused = None

    def choice_probs(self, messages: list[Message], options: Sequence[str]) -> list[float]:
        """The probability that the reply starts with each option, read from the model's next-token
        distribution after the chat prompt: one forward pass over the part of the prompt that is
        not cached yet, no sampling. Tokens read here stay cached, like ``stream``'s. It uses
        llama-cpp-python's own prefix bookkeeping (``input_ids``, ``n_tokens``, ``eval``), which is
        why ``llama-cpp-python`` is pinned."""
        if self._template is None:
            raise GenerationError(f"{self.path} has no chat template to score with")
        tokens = self._tokens(messages)
        llm = self._llm
        cached = min(self._states.prepare(tokens), len(tokens) - 1)  # read at least one token, for fresh logits
        llm.n_tokens = cached
        llm.eval(tokens[cached:])
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        return [float(probs[self._first_tokens(option)].sum()) for option in options]

    def _tokens(self, messages: list[Message]) -> list[int]:
        """The chat prompt as tokens, as ``create_chat_completion`` makes them."""
        prompt = self._template(messages=messages)
        return self._llm.tokenize(prompt.prompt.encode("utf-8"), add_bos=not prompt.added_special, special=True)

    def _first_tokens(self, option: str) -> list[int]:
        """The first token of each spelling of ``option`` ("yes", "Yes", "YES", " yes")."""
        if option not in self._option_tokens:
            spellings = {option, option.lower(), option.capitalize(), option.upper(), " " + option.lower(), " " + option.capitalize()}
            self._option_tokens[option] = sorted({self._llm.tokenize(s.encode("utf-8"), add_bos=False, special=False)[0] for s in spellings})
        return self._option_tokens[option]


def _chat_template(llm: Any):
    """The GGUF's own chat template as a formatter (what ``create_chat_completion`` uses), or None."""
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return llm._model.token_get_text(token) if token != -1 else ""

    return Jinja2ChatFormatter(template=template, eos_token=text(llm.token_eos()), bos_token=text(llm.token_bos()))


def _model_label(metadata: dict[str, Any], path: Path) -> str:
    """E.g. "Qwen2.5-Coder-1.5B-Instruct Q4_K_M" from the GGUF metadata, else the file name."""
    name = metadata.get("general.name") or path.stem
    quant = _FILE_TYPES.get(_int(metadata.get("general.file_type")))
    return f"{name} {quant}" if quant and quant.lower() not in name.lower() else name


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
