"""scripts/policy_terms.py and the word counts it ships (answering/policy_terms.json)."""
import json
import subprocess
import sys
from pathlib import Path

from answering.relevance import WordCounts

ROOT = Path(__file__).resolve().parent.parent


def _squad(path: Path, texts: list[str]) -> None:
    data = [{"title": f"P{i}", "paragraphs": [{"context": t, "qas": []}]} for i, t in enumerate(texts)]
    path.write_text(json.dumps({"data": data}), encoding="utf-8")


def test_words_are_counted_once_per_policy_stemmed_and_rare_ones_left_out(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "acme.md").write_text("# Acme\n\nWe collect cookies. We never sell data.", encoding="utf-8")
    _squad(tmp_path / "dev.json", ["We collect data and collect more data. Health records too.",
                                   "Cookies are collected. We sell nothing."])
    out = tmp_path / "terms.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "policy_terms.py"), str(tmp_path / "dev.json"),
                    "--corpus", str(corpus), "--out", str(out)], check=True, cwd=ROOT, capture_output=True)
    counts = WordCounts.load.__wrapped__(out)
    assert counts.policies == 3
    assert counts.using["collect"] == 3 and counts.using["cooki"] == 2 and counts.using["sell"] == 2
    assert "health" not in counts.using  # in one policy only: left out, weighed as used by none
    assert "we" not in counts.using  # a stop word


def test_the_shipped_counts_weigh_privacy_boilerplate_low_and_specific_words_high():
    counts = WordCounts.load()
    assert counts.policies >= 90
    assert counts.weight("collect") < 0.2 and counts.weight("inform") < 0.2
    assert counts.weight("health") > 1.0 and counts.weight("fingerprint") > 3.0
