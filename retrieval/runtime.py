"""Wiring retrieval from Settings: which index config the settings ask for, and a ready Searcher.

This module does no ranking or indexing of its own; it only connects the pieces.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from plainpolicy.settings import Settings
from retrieval.embedding import Embedder, MiniLMEmbedder
from retrieval.index import BuildReport, IndexConfig, build_index, load_index
from retrieval.loaders import load_corpus
from retrieval.search import Searcher

log = logging.getLogger(__name__)


def onnx_path(settings: Settings) -> Path:
    """Where the question embedder's ONNX export is kept."""
    return settings.cache_dir / "onnx" / f"{MiniLMEmbedder.name}.onnx"


def make_embedder(settings: Settings) -> MiniLMEmbedder:
    """The app's embedder; questions go through ONNX Runtime, exported once into the cache folder."""
    return MiniLMEmbedder(onnx_dir=onnx_path(settings).parent)


def index_config(settings: Settings) -> IndexConfig:
    if settings.embedder != MiniLMEmbedder.name:
        raise ValueError(f"unknown embedder {settings.embedder!r}; this build ships {MiniLMEmbedder.name}")
    return IndexConfig(embedder=MiniLMEmbedder.name, dim=MiniLMEmbedder.dim, chunker=settings.chunker)


def index_corpus(
    settings: Settings, corpus_dir: Path | None = None, index_dir: Path | None = None, *,
    rebuild: bool = False, embedder: Embedder | Callable[[], Embedder] = MiniLMEmbedder,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Bring the index up to date with a corpus folder; unreadable files are reported, not fatal."""
    policies, errors = load_corpus(corpus_dir or settings.corpus_dir)
    report = build_index(index_dir or settings.index_dir, policies, embedder, index_config(settings),
                         rebuild=rebuild, progress=progress, dense=settings.dense)
    report.errors = errors + report.errors
    return report


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> Searcher:
    """Load the index named by the settings and a Searcher over it."""
    index = load_index(settings.index_dir, index_config(settings))
    return Searcher(index, embedder or make_embedder(settings), settings.search)
