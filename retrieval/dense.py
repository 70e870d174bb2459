"""The dense (vector) part of an index: which FAISS index holds the vectors, and nearest rows.

Small indexes are searched exactly. Above ``hnsw_above`` chunks a search over every policy goes
through an HNSW graph instead, which answers in well under a millisecond at 100k chunks where an
exact scan takes several (BENCHMARKS.md, "Search"). A search within one policy is always exact:
it reads that policy's rows of the stored vectors, a few thousand at most, so it neither scans
the other policies nor loses any recall to the graph.

Files are opened memory-mapped, so several processes that read one index share its pages.
This module does not embed text, fuse scores or know about policies.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from plainpolicy.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("auto", "flat", "hnsw")


@dataclass(frozen=True)
class DenseSettings:
    """How an index's vectors are stored; read when an index is written. The defaults that
    ``Settings`` holds come from it (one copy)."""

    kind: str = Settings.dense_index  # auto: flat up to hnsw_above chunks, HNSW above
    hnsw_above: int = Settings.hnsw_above
    hnsw_m: int = 32
    ef_construction: int = 80

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"dense index kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.hnsw_above < 0 or self.hnsw_m < 4 or self.ef_construction < self.hnsw_m:
            raise ValueError("need hnsw_above >= 0, hnsw_m >= 4 and ef_construction >= hnsw_m")

    def kind_for(self, rows: int) -> str:
        if self.kind != "auto":
            return self.kind
        return "hnsw" if rows > self.hnsw_above else "flat"


def make_index(vectors: np.ndarray, dim: int, settings: DenseSettings = DenseSettings()) -> faiss.Index:
    """A FAISS inner-product index over ``vectors`` (unit rows), of the kind the settings choose."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
    if settings.kind_for(len(vectors)) == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.ef_construction
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def read_index(path: Path) -> faiss.Index:
    """Open an index file memory-mapped and read-only."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)


def kind_of(index: faiss.Index) -> str:
    return "hnsw" if isinstance(faiss.downcast_index(index), faiss.IndexHNSW) else "flat"


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """The index's rows as a read-only array, without copying (it lives as long as ``index``)."""
    inner = faiss.downcast_index(index)
    flat = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    if not isinstance(flat, faiss.IndexFlat):
        raise TypeError(f"cannot read the vectors of a {type(flat).__name__}")
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), np.float32)
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    view.flags.writeable = False
    return view


def exact_top(vectors: np.ndarray, query: np.ndarray, lo: int, hi: int, n: int) -> dict[int, float]:
    """The ``n`` rows in ``[lo, hi)`` with the highest inner product with ``query``, exactly."""
    if hi <= lo or n < 1:
        return {}
    scores = vectors[lo:hi] @ query
    top = np.argpartition(-scores, n - 1)[:n] if n < hi - lo else np.arange(hi - lo)
    return {int(r) + lo: float(scores[r]) for r in top}


def graph_top(index: faiss.Index, query: np.ndarray, n: int, ef_search: int) -> dict[int, float]:
    """The ``n`` rows an HNSW index finds for ``query`` (``ef_search`` trades time for recall)."""
    params = faiss.SearchParametersHNSW(efSearch=max(ef_search, n))
    scores, ids = index.search(query.reshape(1, -1), n, params=params)
    return {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}
