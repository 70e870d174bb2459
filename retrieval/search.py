"""Hybrid search: dense (FAISS inner product on unit vectors) fused with BM25.

Fusion is a convex combination of the two score lists, each min-max scaled over the
candidates (the union of each method's top ``candidates`` and their neighbours). A chunk then
gains ``context_weight`` times the best score of its neighbours in the same section, so a short
clause that completes a strong one ("In order to ship the goods to you.") ranks near it. The
weights were chosen on the PolicyQA dev split (see BENCHMARKS.md). This module does not build indexes or answer questions.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from plainpolicy.settings import Settings
from retrieval.dense import exact_top, graph_top, kind_of
from retrieval.embedding import Embedder
from retrieval.expansion import expand
from retrieval.index import Index, embed_text
from retrieval.keywords import KeywordIndex
from retrieval.types import Hit

log = logging.getLogger(__name__)

STAND_IN = "the company"
"""What ``Searcher.without_name`` puts where the question named the company."""


@dataclass(frozen=True)
class SearchSettings:
    """The search part of ``Settings``, whose values are the defaults here too (one copy)."""

    top_k: int = Settings.top_k
    candidates: int = Settings.candidates
    dense_weight: float = Settings.dense_weight
    context_weight: float = Settings.context_weight
    expand: bool = Settings.query_expansion
    ef_search: int = Settings.ef_search  # HNSW only: how wide the graph search is (recall against time)

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.candidates < 1 or self.ef_search < 1:
            raise ValueError("need top_k >= 1, candidates >= 1 and ef_search >= 1")
        if not (0.0 <= self.dense_weight <= 1.0 and 0.0 <= self.context_weight <= 1.0):
            raise ValueError("dense_weight and context_weight must be between 0 and 1")


class Searcher:
    """Ranks an index's chunks for a question, across all policies or within one.

    The keyword (BM25) index is one per policy, made the first time that policy is searched
    (milliseconds), so a search within one policy never scores the others' chunks; the one over
    every policy is made the first time a search is not limited to one (``warm`` makes it ahead).
    """

    def __init__(self, index: Index, embedder: Embedder, settings: SearchSettings = SearchSettings(),
                 expand_query: Callable[[str], str] = expand) -> None:
        """``expand_query`` adds policy words to the keyword query when ``settings.expand`` is on
        (``retrieval.expansion.expand`` with the shipped tables; ``scripts/expansion_fit.py`` passes others)."""
        self.index = index
        self.expand_query = expand_query
        self.embedder = embedder
        self.settings = settings
        self.graph = kind_of(index.dense) == "hnsw"
        self._keywords: dict[str | None, KeywordIndex] = {}
        self._lock = threading.Lock()

    def keywords(self, policy_id: str | None) -> KeywordIndex:
        """The BM25 index over one policy's chunks, or over every chunk for ``None``."""
        found = self._keywords.get(policy_id)
        if found is None:
            with self._lock:
                found = self._keywords.get(policy_id)
                if found is None:
                    lo, hi = self._rows(policy_id)
                    found = KeywordIndex([embed_text(c) for c in self.index.chunks[lo:hi]])
                    self._keywords[policy_id] = found
        return found

    def warm(self) -> None:
        """Make the keyword index over every policy now rather than at the first such search."""
        self.keywords(None)

    def search(self, question: str, *, policy_id: str | None = None, k: int | None = None) -> list[Hit]:
        k = k or self.settings.top_k
        lo, hi = self._rows(policy_id)
        if hi <= lo or not question.strip():
            return []
        n = min(self.settings.candidates, hi - lo)
        q = self.embedder.encode([question]).astype(np.float32)
        dense = self._dense(q[0], lo, hi, n)
        bm25 = self.keywords(policy_id).scores(self.expand_query(question) if self.settings.expand else question)
        top_bm25 = np.argpartition(-bm25, n - 1)[:n] if n < hi - lo else np.arange(hi - lo)
        rows = set(dense) | {int(r) + lo for r in top_bm25 if bm25[r] > 0}
        rows |= {r + s for r in rows for s in (-1, 1) if lo <= r + s < hi}
        rows = sorted(rows)
        missing = [r for r in rows if r not in dense]
        if missing:
            dense.update(zip(missing, (self.index.matrix[missing] @ q[0]).tolist()))
        w = self.settings.dense_weight
        fused = w * _minmax(np.array([dense[r] for r in rows])) + (1 - w) * _minmax(np.array([bm25[r - lo] for r in rows]))
        score = dict(zip(rows, fused.tolist()))
        final = {r: score[r] + self.settings.context_weight * max(self._neighbour_scores(r, score), default=0.0) for r in rows}
        order = sorted(rows, key=lambda r: (-final[r], r))[:k]
        return [Hit(self.index.chunks[r], float(final[r])) for r in order]

    def _neighbour_scores(self, row: int, score: dict[int, float]) -> list[float]:
        """Scores of the chunks just before and after ``row`` in the same policy and section."""
        chunk = self.index.chunks[row]
        return [
            score[r] for r in (row - 1, row + 1)
            if r in score and self.index.chunks[r].policy_id == chunk.policy_id and self.index.chunks[r].section == chunk.section
        ]

    def policy_named_in(self, question: str) -> str | None:
        """The id of the one policy whose name or id the question mentions, if exactly one is."""
        found = {
            pid for pid, p in self.index.policies.items()
            if any(pattern.search(question) for pattern in _name_patterns(p.name, pid))
        }
        return found.pop() if len(found) == 1 else None

    def without_name(self, question: str, policy_id: str | None) -> str:
        """The question with the name of the policy it is about replaced by ``STAND_IN``.

        Within one policy the company's name tells nothing about which clause answers a
        question, but it draws the clauses that merely name the company ("Acme is committed to
        your privacy"): on the 279 answerable ToS;DR dev questions, leaving it out raised the share
        whose quoted clause is among 4 evidence sentences from 0.59 to 0.75 (BENCHMARKS.md).
        """
        if policy_id is None or policy_id not in self.index.policies:
            return question
        for pattern in _name_patterns(self.index.policies[policy_id].name, policy_id):
            question = pattern.sub(STAND_IN, question)
        return question

    def _rows(self, policy_id: str | None) -> tuple[int, int]:
        if policy_id is None:
            return 0, len(self.index.chunks)
        if policy_id not in self.index.ranges:
            raise KeyError(f"no policy {policy_id!r} in the index; known: {', '.join(sorted(self.index.ranges))}")
        return self.index.ranges[policy_id]

    def _dense(self, q: np.ndarray, lo: int, hi: int, n: int) -> dict[int, float]:
        if self.graph and (lo, hi) == (0, len(self.index.chunks)):
            return graph_top(self.index.dense, q, n, self.settings.ef_search)
        return exact_top(self.index.matrix, q, lo, hi, n)


def _name_patterns(name: str, policy_id: str) -> list[re.Pattern[str]]:
    """Whole-word matches, "'s" included, for a policy's name and id, longest first. A name of
    three or more characters matches in any case ("ACME PHOTOS's"); a shorter one ("Yr", "HP")
    only as the policy writes it, since in other cases it may be a word or an abbreviation; a
    single character never."""
    patterns = []
    for n in sorted({name, policy_id}, key=len, reverse=True):
        if len(n) >= 3 or (len(n) == 2 and n == name):
            patterns.append(re.compile(rf"(?<![A-Za-z0-9]){re.escape(n)}(?:['’]s)?(?![A-Za-z0-9])",
                                       re.I if len(n) >= 3 else 0))
    return patterns


def _minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    span = float(x.max() - x.min())
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)
