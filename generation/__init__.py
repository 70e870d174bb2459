"""Text generation: one small ``Generator`` protocol and its back ends.

- ``LlamaCppGenerator``: a local GGUF model through llama.cpp (default, fastest on CPU)
- ``OpenAICompatGenerator``: any OpenAI-compatible HTTP server
- ``TransformersGenerator``: a local Hugging Face model folder or GGUF file (slow, for comparison)
- ``ScriptedGenerator``: canned replies, for tests

``make_generator(settings)`` picks one from ``Settings.backend``. This package does not build
prompts or decide what to say; importing it loads no model and no heavy library.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from generation.base import GenerationError, Generator, Message, collect
from generation.fake import ScriptedGenerator
from generation.hf import TransformersGenerator
from generation.llama import LlamaCppGenerator
from generation.model_files import ModelFileError, ensure_default_model, verify_model
from generation.openai_http import OpenAICompatGenerator

if TYPE_CHECKING:
    from plainpolicy.settings import Settings

__all__ = [
    "GenerationError",
    "Generator",
    "LlamaCppGenerator",
    "Message",
    "ModelFileError",
    "OpenAICompatGenerator",
    "ScriptedGenerator",
    "TransformersGenerator",
    "collect",
    "ensure_default_model",
    "make_generator",
    "verify_model",
]


def prompt_state_dir(settings: "Settings") -> Path:
    """Where the llama.cpp back end keeps its reading of the fixed instructions between runs."""
    return settings.cache_dir / "prompt-states"


def make_generator(settings: "Settings") -> Generator:
    """The generator that ``settings.backend`` asks for, loaded and ready to stream."""
    if settings.backend == "llama":
        return LlamaCppGenerator(settings.gguf_path, n_threads=settings.n_threads,
                                 n_ctx=settings.n_ctx, state_dir=prompt_state_dir(settings))
    if settings.backend == "openai":
        return OpenAICompatGenerator(settings.api_base, settings.api_model, settings.api_key)
    if settings.backend == "transformers":
        return TransformersGenerator(settings.model_path or settings.gguf_path)
    raise ValueError(f"unknown backend {settings.backend!r}")
