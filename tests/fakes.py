"""Deterministic stand-ins for the real models, for fast unit tests."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np


class HashEmbedder:
    """Bag-of-words vectors from hashed, lower-cased words; one token per word."""

    name = "all-MiniLM-L6-v2"  # pretends to be the real one so index configs match
    dim = 384

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                word = word[:5]  # crude stemming: sell/sells/selling share a slot
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())
