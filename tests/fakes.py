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


_NEG = re.compile(r"\b(?:not|never|no|cannot)\b|n't\b", re.I)


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}


class RuleJudge:
    """A meaning check for unit tests: a clause answers a question when they share a content
    word; it supports a sentence when it holds most of the sentence's content words and both
    or neither say "not", and contradicts it when only one of them does. Records its calls."""

    name = "rule judge (test double)"

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def relevance(self, question, clauses):
        self.calls.append(("relevance", question, tuple(clauses)))
        shared = [len(_words(question) & _words(c)) for c in clauses]
        return [min(0.3 * s, 0.9) for s in shared]

    def check(self, sentence, clause, question, *, context=(), number=None):
        from answering.judge import Judgement

        self.calls.append(("check", sentence, clause, number))
        words = _words(sentence)
        overlap = len(words & _words(clause)) / max(len(words), 1)
        if overlap < 0.5:
            return Judgement(0.05, 0.05)
        if bool(_NEG.search(sentence)) != bool(_NEG.search(clause)):
            return Judgement(0.05, 0.9)
        return Judgement(0.9, 0.05)
