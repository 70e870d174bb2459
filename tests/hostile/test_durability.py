"""kill -9 in the middle of `plainpolicy index` and of adding a policy: the previous index still
loads and answers, and the next run completes (real embedder, real processes)."""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plainpolicy.settings import Settings
from retrieval.index import load_index
from retrieval.runtime import index_config
from retrieval.search import Searcher

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real
ADD = """
import sys
from pathlib import Path
from plainpolicy.settings import Settings
from retrieval.embedding import MiniLMEmbedder
from retrieval.index import add_policy
from retrieval.runtime import index_config
from retrieval.types import Policy
settings = Settings.load(index_dir=Path(sys.argv[1]))
text = Path(sys.argv[2]).read_text()
add_policy(settings.index_dir, Policy("added", "Added Co", text), MiniLMEmbedder(), index_config(settings), dense=settings.dense)
"""


def long_policy(n: int) -> str:
    return "\n\n".join(f"# Section {i}\n\nWe keep record {i} of your visits for {i + 1} months. "
                       f"Partner number {i} may receive your e-mail address to send you offers." for i in range(n))


def check_answers(index_dir: Path, embedder, expect: set[str]) -> None:
    settings = Settings(index_dir=index_dir)
    index = load_index(index_dir, index_config(settings))
    assert expect <= set(index.policies)
    for c in index.chunks:
        assert index.policies[c.policy_id].text[c.start:c.end] == c.text
    hits = Searcher(index, embedder, settings.search).search("Does 123RF sell my personal information?", policy_id="123rf")
    assert hits and "sell" in " ".join(h.chunk.text.lower() for h in hits)


def test_kill_9_during_index_and_during_add_policy(tmp_path, real_embedder):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    shutil.rmtree(corpus / "summaries", ignore_errors=True)
    index_cmd = [sys.executable, "-m", "plainpolicy.cli", "index", str(corpus), "--out", str(index_dir)]
    subprocess.run(index_cmd, check=True, capture_output=True, cwd=ROOT)
    seeds = set(load_index(index_dir, index_config(Settings(index_dir=index_dir))).policies)
    (corpus / "longco.md").write_text(long_policy(300))
    extra = tmp_path / "added.md"
    extra.write_text(long_policy(200))
    rng = random.Random(11)
    t = time.perf_counter()  # how long a full run would take sets the range of kill moments
    full = subprocess.run(index_cmd + ["--rebuild"], capture_output=True, cwd=ROOT)
    span = time.perf_counter() - t
    assert full.returncode == 0
    (corpus / "longco.md").write_text(long_policy(301))  # changed again, so every run below has work to do
    kills = 0
    for n in range(20):  # until 10 runs were killed: a run can finish before its random kill moment
        if kills >= 10 and n >= 12:
            break
        cmd = index_cmd if n % 2 == 0 else [sys.executable, "-c", ADD, str(index_dir), str(extra)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        check_answers(index_dir, real_embedder, seeds)
        if n % 2 == 1:  # the run that completed would leave the next one nothing to do
            (corpus / "longco.md").write_text(long_policy(302 + n))
    assert kills >= 10, f"only {kills} runs were killed before they finished"
    subprocess.run(index_cmd, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([sys.executable, "-c", ADD, str(index_dir), str(extra)], check=True, capture_output=True, cwd=ROOT)
    check_answers(index_dir, real_embedder, seeds | {"longco", "added"})
    leftovers = [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")]
    assert len([p for p in index_dir.iterdir() if p.name.startswith("g-") and not p.name.endswith(".tmp")]) == 1, leftovers
