"""How often the quoted (gold) clause is among the evidence sentences the answer starts from.

No model: search and evidence selection only. For every answerable question of a SQuAD-style
file, with the question as asked and with the company's name left out (``Searcher.without_name``),
it prints the share of questions whose gold span overlaps one of the first K evidence sentences,
and the median length of that evidence in characters.

Usage: .venv/bin/python scripts/evidence_recall.py ../shared/data/tosdr_dev.json [--k 3,4,5]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--k", default="3,4,5")
    args = ap.parse_args()
    ks = [int(k) for k in args.k.split(",")]
    settings, embedder = Settings.load(), MiniLMEmbedder()
    found: dict[tuple[str, int], list[bool]] = {}
    chars: dict[tuple[str, int], list[int]] = {}
    for policy, questions, searcher in iter_policy_indexes(args.file, embedder, index_config(settings), settings.search):
        for q in questions:
            if not q.answers:
                continue
            for mode, text in (("as asked", q.text), ("name left out", searcher.without_name(q.text, policy.id))):
                hits = searcher.search(text, policy_id=policy.id, k=settings.answer_hits)
                for k in ks:
                    evidence, _ = select_evidence(text, hits, searcher.index.policies, k, embedder.encode)
                    found.setdefault((mode, k), []).append(any(e.start < b and a < e.end for e in evidence for a, b in q.answers))
                    chars.setdefault((mode, k), []).append(sum(len(e.context) for e in evidence))
    print("| query | evidence sentences | gold among them | median evidence characters |")
    print("|---|---|---|---|")
    for (mode, k), hits in found.items():
        print(f"| {mode} | {k} | {np.mean(hits):.3f} ({len(hits)} questions) | {int(np.median(chars[(mode, k)]))} |")


if __name__ == "__main__":
    main()
