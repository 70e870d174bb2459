"""Generate replies with a local GGUF model through llama.cpp (the default back end).

``LlamaCppGenerator`` loads the model once and streams greedy chat completions, using the chat
template stored in the GGUF file.

This module does not download models (see ``generation.model_files``), build prompts, or run
a server; ``llama_cpp`` is imported only when a generator is made.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Iterator

from generation.base import GenerationError, Message

log = logging.getLogger(__name__)

# GGUF "general.file_type" numbers for the quantizations we are likely to meet.
_FILE_TYPES = {0: "F32", 1: "F16", 7: "Q8_0", 12: "Q3_K_M", 14: "Q4_K_S", 15: "Q4_K_M",
               17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


def missing_model_message(path: Path) -> str:
    return (
        f"model file {path} not found. Run `make run` or `plainpolicy fetch-model` to download "
        "the default model, or pass --model PATH to use another GGUF file."
    )


class LlamaCppGenerator:
    """Streams chat replies from a GGUF model file with llama-cpp-python."""

    def __init__(self, model_path: Path | str, n_threads: int = 2, n_ctx: int = 2048) -> None:
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

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        chunks = self._llm.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            max_tokens=max_tokens,
            stop=stop or [],
            temperature=0.0,
            stream=True,
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
            if piece:
                yield piece


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
