"""The search benchmark (``plainpolicy bench search``): latency and recall at a chosen index size.

It builds an index of N chunks of real policy text the way the app does (the app's chunker, its
index writer, the index type its settings choose by size), loads it from disk as the app does,
and times real questions through ``Searcher.search``: the question embedded, the dense search
and BM25 over every policy, and their fusion. ``recall_at_10`` is the share of the exact top 10
(inner product over all the same vectors) that the index's own dense search finds.

Where the vectors come from, reported as ``vectors``:
- the real policies' chunks are embedded once with the app's embedder and kept in the cache
  folder (``embedded`` or ``cached``);
- beyond the real text, policies are repeated under new ids, and each repeated vector is the real
  one plus Gaussian noise, renormalised (``perturbed copies``), so that no two rows are equal.

This module does not judge answers or write BENCHMARKS.md; it returns numbers.
"""
from __future__ import annotations

import hashlib
import json
import logging
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from retrieval.chunking import ChunkerSettings, chunk_text
from retrieval.dense import DenseSettings, exact_top, graph_top, kind_of
from retrieval.embedding import Embedder
from retrieval.evaluate import load_squad
from retrieval.index import IndexConfig, write_generation, embed_text, load_index
from retrieval.loaders import load_corpus
from retrieval.search import Searcher, SearchSettings
from retrieval.types import Chunk, Policy

log = logging.getLogger(__name__)

DATA_FILES = ("tosdr_dev.json", "policyqa_dev.json")
NOISE = 0.02  # per dimension; a copy keeps a cosine of about 0.93 with its original


def real_text(data_dir: Path, corpus_dir: Path) -> tuple[list[Policy], list[str], str]:
    """Policies and questions from the dev files in ``data_dir``, else the corpus and stock questions."""
    policies, questions = [], []
    for name in DATA_FILES:
        path = data_dir / name
        if path.exists():
            for policy, qs in load_squad(path):
                policies.append(replace(policy, id=f"{name.split('_')[0]}-{policy.id}"))
                questions += [q.text for q in qs]
    if policies:
        return policies, questions, " + ".join(n for n in DATA_FILES if (data_dir / n).exists())
    policies, _ = load_corpus(corpus_dir)
    stock = ["Do they sell my personal data?", "Can I delete my account?", "How long do they keep my data?",
             "Do they use cookies for advertising?", "Who do they share my information with?",
             "Do they honor Do Not Track?", "How do they protect my data?", "Will they tell me when the policy changes?"]
    return policies, stock, f"{corpus_dir} (dev files not found in {data_dir})"


def real_chunks(policies: list[Policy], embedder: Embedder, chunker: ChunkerSettings, cache_dir: Path,
                progress: Callable[[int, int], None] | None = None) -> tuple[list[list[Chunk]], np.ndarray, str]:
    """Every policy's chunks and their vectors, embedded once and then read from ``cache_dir``."""
    chunks = [chunk_text(p.id, p.text, embedder.count_tokens, chunker) for p in policies]
    texts = [embed_text(c) for cs in chunks for c in cs]
    key = hashlib.sha256(json.dumps([embedder.name, texts]).encode()).hexdigest()[:16]
    path = cache_dir / "bench" / f"vectors-{key}.npy"
    if path.exists():
        return chunks, np.load(path), "cached"
    parts = []
    for a in range(0, len(texts), 256):
        parts.append(embedder.encode(texts[a:a + 256]))
        if progress:
            progress(min(a + 256, len(texts)), len(texts))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return chunks, vectors, "embedded"


def scaled_plan(policies: list[Policy], chunks: list[list[Chunk]], vectors: np.ndarray, n: int, seed: int = 0):
    """Whole policies, repeated under new ids, until the plan holds at least ``n`` chunks
    (the last policy is cut to its first rows so it holds exactly ``n``)."""
    rng = np.random.default_rng(seed)
    starts = np.cumsum([0] + [len(c) for c in chunks])
    plan, total, copy = [], 0, 0
    while total < n:
        for i, (policy, cs) in enumerate(zip(policies, chunks)):
            if total >= n or not cs:
                continue
            take = min(len(cs), n - total)
            vecs = vectors[starts[i]:starts[i] + take]
            pid = policy.id if copy == 0 else f"{policy.id}-copy{copy}"
            if copy:
                vecs = vecs + rng.normal(0, NOISE, vecs.shape).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            end = cs[take - 1].end
            text = policy.text[:end]
            moved = [replace(c, id=f"{pid}:{c.id.split(':')[-1]}", policy_id=pid) for c in cs[:take]]
            plan.append((replace(policy, id=pid, text=text), moved, vecs))
            total += take
        copy += 1
    return plan


def bench_search(
    n: int, embedder: Embedder, config: IndexConfig, search: SearchSettings, dense: DenseSettings,
    data_dir: Path, corpus_dir: Path, cache_dir: Path, *, questions: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Build an index of ``n`` chunks, time ``questions`` real questions; the contract's JSON fields and more."""
    if n < 1:
        raise ValueError("--chunks must be at least 1")
    policies, asked, source = real_text(data_dir, corpus_dir)
    chunks, vectors, how = real_chunks(policies, embedder, config.chunker, cache_dir, progress)
    if n > len(vectors):
        how += " + perturbed copies"
    plan = scaled_plan(policies, chunks, vectors, n)
    with tempfile.TemporaryDirectory(prefix="plainpolicy-bench-") as tmp:
        t = time.perf_counter()
        write_generation(Path(tmp), plan, config, {}, dense)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        index = load_index(Path(tmp), config)
        load_s = time.perf_counter() - t
        searcher = Searcher(index, embedder, search)
        t = time.perf_counter()
        searcher.warm()
        keyword_s = time.perf_counter() - t
        step = max(1, len(asked) // questions)
        asked = asked[::step][:questions]
        pids = list(index.policies)
        scoped_ids = {pids[i % len(pids)] for i in range(len(asked))}
        t = time.perf_counter()
        for pid in scoped_ids:  # the first search of a policy makes its keyword index; timed apart
            searcher.keywords(pid)
        policy_keyword_ms = 1000 * (time.perf_counter() - t) / max(1, len(scoped_ids))
        for q in asked[:5]:  # warm-up, not timed
            searcher.search(q)
        whole, scoped, encode, found = [], [], [], []
        for i, q in enumerate(asked):
            t = time.perf_counter()
            searcher.search(q)
            whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            qv = embedder.encode([q])[0]
            encode.append(time.perf_counter() - t)
            pid = pids[i % len(pids)]
            t = time.perf_counter()
            searcher.search(q, policy_id=pid)
            scoped.append(time.perf_counter() - t)
            exact = exact_top(index.matrix, qv, 0, len(index.chunks), 10)
            got = graph_top(index.dense, qv, 10, search.ef_search) if searcher.graph else exact
            found.append(len(set(exact) & set(got)) / max(1, len(exact)))
    ms = lambda xs: round(1000 * statistics.median(xs), 2)  # noqa: E731
    return {
        "chunks": len(index.chunks), "index": kind_of(index.dense), "median_ms": ms(whole),
        "p95_ms": round(1000 * float(np.percentile(whole, 95)), 2), "recall_at_10": round(statistics.mean(found), 4),
        "policy_median_ms": ms(scoped), "embed_question_median_ms": ms(encode),
        "build_s": round(build_s, 2), "load_s": round(load_s, 2), "keyword_index_s": round(keyword_s, 2),
        "policy_keyword_index_ms": round(policy_keyword_ms, 1),
        "ef_search": search.ef_search if searcher.graph else None, "questions": len(asked),
        "vectors": how, "text": source,
    }
