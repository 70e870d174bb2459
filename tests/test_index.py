import json

import faiss
import pytest

from retrieval.chunking import ChunkerSettings
from retrieval.index import (IndexConfig, IndexMismatchError, IndexMissingError, add_policy, build_index,
                             current_generation, load_index)
from retrieval.types import Policy

CONFIG = IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(max_tokens=12, min_tokens=3))
A = Policy("acme", "Acme", "# Sharing\n\nWe never sell your personal information. We share it with payment processors.\n")
B = Policy("bolt", "Bolt", "# Cookies\n\nWe use cookies to remember your login. You can turn cookies off in your browser.\n")


def test_build_then_load_round_trip(tmp_path, fake_embedder):
    report = build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    index = load_index(tmp_path, CONFIG)
    assert report.policies == 2 and report.chunks == len(index.chunks) == index.dense.ntotal
    for c in index.chunks:
        assert index.policies[c.policy_id].text[c.start:c.end] == c.text
    manifest = json.loads((current_generation(tmp_path) / "manifest.json").read_text())
    assert manifest["format_version"] == 1 and manifest["embedder"] == "all-MiniLM-L6-v2" and manifest["dim"] == 384
    assert manifest["chunker"] == {"max_tokens": 12, "min_tokens": 3}
    assert len(manifest["policies"]["acme"]["sha256"]) == 64


def test_chunks_embedded_in_calls_across_policies_keep_their_own_vectors(tmp_path, fake_embedder, monkeypatch):
    import retrieval.index as index_module
    from retrieval.index import embed_text

    monkeypatch.setattr(index_module, "EMBED_CALL", 3)  # calls that end inside a policy and span two
    cask = Policy("cask", "Cask", "# Data\n\n" + " ".join(f"We keep record {n} for {n} days." for n in range(12)) + "\n")
    seen = []
    build_index(tmp_path, [A, B, cask], fake_embedder, CONFIG, progress=lambda done, total: seen.append((done, total)))
    index = load_index(tmp_path, CONFIG)
    assert len(index.chunks) > 9 and fake_embedder.calls == -(-len(index.chunks) // 3)  # not one call a policy
    for pid in ("acme", "bolt", "cask"):
        expected = fake_embedder.encode([embed_text(c) for c in index.policy_chunks(pid)])
        assert (index.vectors(pid) == expected).all()
    n = len(index.chunks)
    assert seen == [(0, n)] + [(min(a + 3, n), n) for a in range(0, n, 3)]  # at once, then after each call


def test_only_changed_policies_are_embedded_again(tmp_path, fake_embedder):
    build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    before = fake_embedder.texts_encoded
    unchanged = build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    assert fake_embedder.texts_encoded == before and unchanged.embedded == 0
    changed_b = Policy("bolt", "Bolt", B.text + "We keep logs for a year.\n")
    report = build_index(tmp_path, [A, changed_b], fake_embedder, CONFIG)
    assert report.added == ["bolt"] and report.reused == ["acme"]
    index = load_index(tmp_path, CONFIG)
    assert index.policies["bolt"].text == changed_b.text
    removed = build_index(tmp_path, [A], fake_embedder, CONFIG)
    assert removed.removed == ["bolt"] and list(load_index(tmp_path, CONFIG).policies) == ["acme"]


def test_factory_is_not_called_when_nothing_changed(tmp_path, fake_embedder):
    build_index(tmp_path, [A], fake_embedder, CONFIG)

    def explode():
        raise AssertionError("embedder loaded although nothing changed")

    assert build_index(tmp_path, [A], explode, CONFIG).embedded == 0


def test_mismatched_settings_fail_with_how_to_rebuild(tmp_path, fake_embedder):
    build_index(tmp_path, [A], fake_embedder, CONFIG)
    other = IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(max_tokens=64, min_tokens=8))
    with pytest.raises(IndexMismatchError, match="plainpolicy index --rebuild"):
        load_index(tmp_path, other)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match="plainpolicy index"):
        load_index(tmp_path / "nothing", CONFIG)


def test_crash_mid_write_leaves_the_old_index_usable(tmp_path, fake_embedder, monkeypatch):
    build_index(tmp_path, [A], fake_embedder, CONFIG)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError):
        build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    monkeypatch.undo()
    assert list(load_index(tmp_path, CONFIG).policies) == ["acme"]
    build_index(tmp_path, [A, B], fake_embedder, CONFIG)  # and the leftovers do not get in the way
    assert sorted(load_index(tmp_path, CONFIG).policies) == ["acme", "bolt"]
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1


def test_uploaded_policies_survive_a_corpus_reindex(tmp_path, fake_embedder):
    build_index(tmp_path, [A], fake_embedder, CONFIG)
    add_policy(tmp_path, B, fake_embedder, CONFIG)
    build_index(tmp_path, [A], fake_embedder, CONFIG)
    index = load_index(tmp_path, CONFIG)
    assert sorted(index.policies) == ["acme", "bolt"] and index.origins["bolt"] == "upload"


def test_five_megabyte_policy_indexes_in_bounded_memory(tmp_path, fake_embedder):
    import tracemalloc

    paragraph = ("We collect your name, address and e-mail when you register. We never sell it. "
                 "You can ask us to delete your account at any time by writing to us.\n\n")
    big = Policy("big", "Big", paragraph * (5 * 2**20 // len(paragraph)))
    tracemalloc.start()
    report = build_index(tmp_path, [big], fake_embedder, IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(128, 24)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.chunks > 10_000
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MiB"


# A damaged index: a clear message that names the fix, and a plain build that recovers by itself.

def _damage(gen, name: str) -> None:
    path = gen / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["chunks.jsonl", "manifest.json", "dense.faiss", "policies/acme.txt", "policies/up.txt"])
def test_a_truncated_file_is_named_and_a_plain_build_recovers(tmp_path, fake_embedder, name):
    from retrieval.index import IndexDamagedError

    build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    add_policy(tmp_path, Policy("up", "Uploaded", "We keep your data for ten days. Then we delete it for good.\n"), fake_embedder, CONFIG)
    _damage(current_generation(tmp_path), name)
    with pytest.raises(IndexDamagedError) as err:
        load_index(tmp_path, CONFIG)
    assert "damaged" in str(err.value) and "plainpolicy index --rebuild" in str(err.value)
    report = build_index(tmp_path, [A, B], fake_embedder, CONFIG)
    assert report.recovered and "damaged" in report.recovered
    index = load_index(tmp_path, CONFIG)
    assert {"acme", "bolt"} <= set(index.policies)
    if name in ("chunks.jsonl", "dense.faiss", "policies/acme.txt"):  # the upload's text survived: kept
        assert index.origins["up"] == "upload"
    for c in index.chunks:
        assert index.policies[c.policy_id].text[c.start:c.end] == c.text


def test_a_manifest_from_another_version_names_the_fix_and_is_rebuilt(tmp_path, fake_embedder):
    build_index(tmp_path, [A], fake_embedder, CONFIG)
    path = current_generation(tmp_path) / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"format_version": 0}))
    with pytest.raises(IndexMismatchError, match="plainpolicy index --rebuild"):
        load_index(tmp_path, CONFIG)
    assert build_index(tmp_path, [A], fake_embedder, CONFIG).recovered
    assert set(load_index(tmp_path, CONFIG).policies) == {"acme"}


def test_adding_a_policy_to_a_loaded_index_does_not_read_it_again(tmp_path, fake_embedder, monkeypatch):
    import retrieval.index as index_module

    build_index(tmp_path, [A], fake_embedder, CONFIG)
    current = load_index(tmp_path, CONFIG)
    monkeypatch.setattr(index_module, "load_index", lambda *a, **k: pytest.fail("index read again"))
    report = add_policy(tmp_path, B, fake_embedder, CONFIG, current=current)
    assert set(report.index.policies) == {"acme", "bolt"} and report.index.origins["bolt"] == "upload"
    assert report.index.path == current_generation(tmp_path)
    monkeypatch.undo()
    reread = load_index(tmp_path, CONFIG)
    assert [c.id for c in reread.chunks] == [c.id for c in report.index.chunks]
    assert (reread.matrix == report.index.matrix).all()
