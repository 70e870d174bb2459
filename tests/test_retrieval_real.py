"""Retrieval with the real MiniLM embedder and FAISS, and the CLI as a user runs it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plainpolicy.settings import Settings
from retrieval.chunking import chunk_text
from retrieval.embedding import MAX_WORD_PIECES
from retrieval.index import embed_text
from retrieval.loaders import load_corpus

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.real


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("plainpolicy")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "plainpolicy.cli"]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_no_chunk_is_cut_by_the_embedder_window(real_embedder):
    settings = Settings.load(env={})
    policies, _ = load_corpus(ROOT / "corpus")
    for p in policies:
        for c in chunk_text(p.id, p.text, real_embedder.count_tokens, settings.chunker):
            assert real_embedder.count_tokens(embed_text(c)) + 2 <= MAX_WORD_PIECES
            assert p.text[c.start:c.end] == c.text


def test_cli_index_and_search_find_the_never_sell_clause(tmp_path):
    index_dir = tmp_path / "index"
    built = cli("index", "corpus", "--out", str(index_dir))
    assert built.returncode == 0, built.stderr
    assert "5 policies" in built.stdout and "0 errors" in built.stdout

    listed = cli("--index-dir", str(index_dir), "list")
    assert "123RF" in listed.stdout and "Paletten Camera" in listed.stdout

    found = cli("--index-dir", str(index_dir), "search", "Does 123RF sell my data?", "-k", "3", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    top = hits[0]
    assert top["policy_id"] == "123rf"
    assert "123RF.com will never sell your Personal Information" in top["text"]
    source = (ROOT / "corpus" / "123rf.md").read_text(encoding="utf-8")
    assert source[top["start"]:top["end"]] == top["text"]

    again = cli("index", "corpus", "--out", str(index_dir))
    assert "embedded 0 chunks" in again.stdout


def test_cli_search_one_policy_and_clear_errors(tmp_path):
    index_dir = tmp_path / "index"
    assert cli("index", "corpus", "--out", str(index_dir)).returncode == 0
    out = cli("--index-dir", str(index_dir), "search", "Is my data encrypted?", "--policy", "picroma")
    assert out.returncode == 0 and "Picroma" in out.stdout and "SSL encryption" in out.stdout
    bad = cli("--index-dir", str(index_dir), "search", "cookies", "--policy", "nope")
    assert bad.returncode == 2 and "no policy 'nope'" in bad.stderr
    missing = cli("--index-dir", str(tmp_path / "none"), "list")
    assert missing.returncode == 2 and "plainpolicy index" in missing.stderr


def test_eval_retrieval_contract_on_the_seed_questions(tmp_path, seed_file):
    out = tmp_path / "run.jsonl"
    run = cli("eval-retrieval", str(seed_file), "--out", str(out))
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    data = json.loads(seed_file.read_text())["data"]
    ids = [q["id"] for doc in data for p in doc["paragraphs"] for q in p["qas"]]
    assert [x["id"] for x in lines] == ids
    lengths = {q["id"]: len("\n\n".join(p["context"] for p in doc["paragraphs"]))
               for doc in data for para in doc["paragraphs"] for q in para["qas"]}
    for x in lines:  # at least 3,000 ranked characters, or nearly the whole policy when it is shorter
        assert sum(e - s for s, e in x["ranked"]) >= min(3000, 0.8 * lengths[x["id"]])
    assert summary["recall@1500"] == 1.0


def test_onnx_runtime_gives_the_vectors_and_counts_of_sentence_transformers(real_embedder):
    """The app embeds through ONNX Runtime; an index made by sentence-transformers must stay valid."""
    import numpy as np

    assert real_embedder.fast is not None
    policies, _ = load_corpus(ROOT / "corpus")
    texts = [line for p in policies for line in p.text.split("\n") if line.strip()][:300]
    texts += ["", "😀", "日本語のテキストです。", "x" * 3000, "We never sell your data. " * 80]
    reference = real_embedder.model  # sentence-transformers, loaded here for the comparison only
    fast = real_embedder.encode(texts)
    slow = np.asarray(reference.encode(texts, normalize_embeddings=True), np.float32)
    assert float((fast * slow).sum(1).min()) > 0.9999
    assert [real_embedder.count_tokens(t) for t in texts] == \
        [len(reference.tokenizer(t, add_special_tokens=False, truncation=False)["input_ids"]) for t in texts]


def test_the_app_embedder_starts_without_pytorch():
    code = ("import sys; from plainpolicy.settings import Settings; from retrieval.runtime import make_embedder; "
            "e = make_embedder(Settings.load()); e.encode(['Do they sell my data?', 'We never sell it.']); "
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=os.environ | {"HF_HUB_OFFLINE": "1"})
    assert out.stdout.split() == ["False", "False"], out.stdout + out.stderr
