"""Keyword (BM25) scoring of chunks, with English stop words removed and words stemmed.

This module does not embed, fuse or persist anything: a BM25 index over a few thousand chunks
builds in milliseconds, so it is rebuilt from the chunk texts when an index is loaded.
"""
from __future__ import annotations

import logging
import re
from typing import Sequence

import bm25s
import numpy as np
import Stemmer

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STEM = Stemmer.Stemmer("english")
_STOP = frozenset(bm25s.stopwords.STOPWORDS_EN_PLUS) | {"s", "does", "do", "will", "can", "may", "would", "could"}


def words(text: str) -> list[str]:
    """The text's words as the index reads them, lower-cased, before stop words and stemming
    ("company's" -> "company")."""
    return [w.split("'")[0] for w in _WORD.findall(text.lower())]


def tokenize(text: str) -> list[str]:
    """The text's words without stop words, stemmed: what BM25 indexes and queries."""
    return _STEM.stemWords([w for w in words(text) if w not in _STOP])


class KeywordIndex:
    """BM25 scores of every chunk for a query."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(texts)
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        if texts:
            self.bm25.index([tokenize(t) or ["\x00empty"] for t in texts], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict] if self.size else []
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
