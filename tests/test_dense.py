"""The dense index: flat or HNSW chosen by size, exact search within a policy, per-policy BM25."""
import numpy as np
import pytest

from retrieval.chunking import ChunkerSettings
from retrieval.dense import DenseSettings, exact_top, graph_top, kind_of, make_index, stored_vectors
from retrieval.index import IndexConfig, build_index, load_index
from retrieval.search import Searcher, SearchSettings
from test_search import POLICIES

CONFIG = IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(max_tokens=16, min_tokens=4))


def unit_rows(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_kind_is_chosen_by_size():
    s = DenseSettings(hnsw_above=100)
    assert s.kind_for(100) == "flat" and s.kind_for(101) == "hnsw"
    assert kind_of(make_index(unit_rows(50), 32, s)) == "flat"
    assert kind_of(make_index(unit_rows(150), 32, s)) == "hnsw"
    assert DenseSettings(kind="flat", hnsw_above=0).kind_for(10**6) == "flat"
    with pytest.raises(ValueError):
        DenseSettings(kind="ivf")


def test_stored_vectors_are_the_rows_added_for_both_kinds():
    x = unit_rows(300)
    for kind in ("flat", "hnsw"):
        index = make_index(x, 32, DenseSettings(kind=kind))
        assert np.array_equal(stored_vectors(index), x)
        assert not stored_vectors(index).flags.writeable


def test_exact_top_keeps_to_its_rows_and_the_graph_finds_the_exact_neighbours():
    x = unit_rows(2000)
    q = x[7] + 0.05 * unit_rows(1, seed=1)[0]
    got = exact_top(x, q, 100, 200, 5)
    assert len(got) == 5 and all(100 <= r < 200 for r in got)
    assert sorted(got) == sorted(r + 100 for r in exact_top(x[100:200], q, 0, 100, 5))
    graph = make_index(x, 32, DenseSettings(kind="hnsw"))
    exact = exact_top(x, q, 0, 2000, 10)
    assert len(set(graph_top(graph, q, 10, 128)) & set(exact)) >= 9 and 7 in exact


def test_hnsw_index_answers_like_the_flat_one(tmp_path, fake_embedder):
    flat_dir, graph_dir = tmp_path / "flat", tmp_path / "graph"
    build_index(flat_dir, POLICIES, fake_embedder, CONFIG)
    build_index(graph_dir, POLICIES, fake_embedder, CONFIG, dense=DenseSettings(hnsw_above=0))
    flat = Searcher(load_index(flat_dir, CONFIG), fake_embedder, SearchSettings(top_k=3))
    graph = Searcher(load_index(graph_dir, CONFIG), fake_embedder, SearchSettings(top_k=3))
    assert not flat.graph and graph.graph
    for q in ("Can I delete my account?", "Do you sell my data?", "Why do you need my phone number?"):
        assert [h.chunk.id for h in graph.search(q)] == [h.chunk.id for h in flat.search(q)]
        assert [h.chunk.id for h in graph.search(q, policy_id="acme")] == [h.chunk.id for h in flat.search(q, policy_id="acme")]


def test_a_policy_is_ranked_the_same_whatever_else_is_in_the_index(tmp_path, fake_embedder):
    """BM25 within one policy uses that policy's own word statistics, not the whole index's."""
    alone, together = tmp_path / "alone", tmp_path / "together"
    build_index(alone, POLICIES[:1], fake_embedder, CONFIG)
    build_index(together, POLICIES, fake_embedder, CONFIG)
    a = Searcher(load_index(alone, CONFIG), fake_embedder, SearchSettings(top_k=5))
    b = Searcher(load_index(together, CONFIG), fake_embedder, SearchSettings(top_k=5))
    for q in ("Do you sell my personal information?", "What is a cookie?"):
        assert [(h.chunk.id, round(h.score, 6)) for h in a.search(q, policy_id="acme")] == \
            [(h.chunk.id, round(h.score, 6)) for h in b.search(q, policy_id="acme")]
    assert set(b._keywords) == {"acme"}  # the other policy's keyword index was never made
    b.warm()
    assert None in b._keywords
