"""Build a ready Pipeline from Settings: the index, the embedder and the chosen model back end.

This module loads things; it makes no decisions about answers.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from answering.pipeline import Pipeline
from generation import Generator, make_generator
from plainpolicy.settings import Settings
from retrieval.runtime import open_searcher


def load_pipeline(settings: Settings, generator: Generator | None = None,
                  wrap: Callable[[Generator], Generator] = lambda g: g) -> Pipeline:
    """The pipeline for ``settings``; ``wrap`` is applied to the model back end. Without a
    ``generator``, the model loads in a second thread while the embedder loads (llama.cpp
    releases the GIL), which saves about a second of start-up."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plainpolicy-model") as pool:
        model = pool.submit(make_generator, settings) if generator is None else None
        searcher = open_searcher(settings)
        generator = model.result() if model is not None else generator
    return Pipeline(searcher, wrap(generator), settings)
