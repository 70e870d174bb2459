"""`make bench` and `plainpolicy bench search` still run and report what they promise (real embedder)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.real


def test_bench_search_prints_the_contract_line_with_an_approximate_index(tmp_path):
    env = os.environ | {"PLAINPOLICY_HNSW_ABOVE": "1000"}
    out = subprocess.run([sys.executable, "-m", "plainpolicy.cli", "bench", "search", "--chunks", "1200", "--questions", "15",
                          "--data", str(tmp_path / "no-dev-files"), "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    line = json.loads(out.strip().splitlines()[-1])
    assert {"chunks", "index", "median_ms", "p95_ms", "recall_at_10"} <= set(line)
    assert line["chunks"] == 1200 and line["index"] == "hnsw"  # the corpus (~400 chunks) repeated, as HNSW above 1000
    assert 0.9 <= line["recall_at_10"] <= 1.0 and 0 < line["median_ms"] <= line["p95_ms"]
    assert line["vectors"].endswith("perturbed copies")


def test_make_bench_quick_writes_both_tables(tmp_path):
    out = tmp_path / "bench.md"
    out.write_text("# Before\n\n<!-- make bench: start -->\nold\n<!-- make bench: end -->\n\n# After\n")
    subprocess.run([sys.executable, "scripts/bench.py", "--quick", "--out", str(out), "--data", str(tmp_path / "none")],
                   cwd=ROOT, capture_output=True, text=True, check=True)
    text = out.read_text()
    assert text.startswith("# Before") and text.rstrip().endswith("# After") and "old" not in text
    assert "| corpus/ (the seeds) |" in text and "| 3,000 | hnsw |" in text and "| 1,000 | flat (auto) |" in text
