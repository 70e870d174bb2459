"""Which clause answers the question: the judge shown all evidence clauses at once (a list, "which
number, or 0?") against the judge asked about each clause on its own ("1" or "0"), on the
evidence the pipeline really selects. No answer is generated.

For every ``--every``-th question of a SQuAD-style file it prints, per way of asking, how often
the top-rated clause is a gold one (among questions whose gold clause is in the evidence), and
what share of answerable and of unanswerable questions would get "the policy doesn't say" at
several thresholds (the list's total, or each clause's best).

Usage: .venv/bin/python scripts/bench_relevance.py ../shared/data/tosdr_dev.json [--every 4]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from answering.judge import ModelJudge, pick_turn  # noqa: E402
from answering.pipeline import _one_line, preamble  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402


def as_list(judge: ModelJudge, question: str, clauses: list[str]) -> list[float]:
    probs = judge.scorer.choice_probs(preamble() + [pick_turn("company's", clauses, question)],
                                      [str(n) for n in range(len(clauses) + 1)])
    total = sum(probs) or 1.0
    return [p / total for p in probs[1:]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--every", type=int, default=4)
    args = ap.parse_args()
    settings, embedder = Settings.load(), MiniLMEmbedder()
    judge = ModelJudge(make_generator(settings), preamble)
    rows, n = [], 0
    for policy, questions, searcher in iter_policy_indexes(args.file, embedder, index_config(settings), settings.search):
        for q in questions:
            n += 1
            if n % args.every:
                continue
            query = searcher.without_name(q.text, policy.id)
            hits = searcher.search(query, policy_id=policy.id, k=settings.answer_hits)
            evidence, _ = select_evidence(query, hits, searcher.index.policies, settings.evidence_sentences, embedder.encode)
            if not evidence:
                continue
            clauses = [_one_line(e.context) for e in evidence]
            t0 = time.perf_counter()
            listed = as_list(judge, q.text, clauses)
            t1 = time.perf_counter()
            each = judge.relevance(q.text, clauses)
            t2 = time.perf_counter()
            gold = [any(e.start < b and a < e.end for a, b in q.answers) for e in evidence]
            rows.append((bool(q.answers), gold, listed, each, t1 - t0, t2 - t1))
    answerable = [r for r in rows if r[0]]
    unanswerable = [r for r in rows if not r[0]]
    with_gold = [r for r in answerable if any(r[1])]
    print(f"{len(answerable)} answerable ({len(with_gold)} with the gold clause in the evidence), {len(unanswerable)} unanswerable")
    for name, col, score in (("list", 2, sum), ("each clause", 3, max)):
        top = np.mean([r[1][int(np.argmax(r[col]))] for r in with_gold])
        print(f"{name}: top-rated clause is gold {top:.2f}; median {np.median([r[4 if col == 2 else 5] for r in rows]):.2f} s")
        for t in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7):
            print(f"  threshold {t}: answerable abstained {np.mean([score(r[col]) < t for r in answerable]):.2f}, "
                  f"unanswerable abstained {np.mean([score(r[col]) < t for r in unanswerable]):.2f}")


if __name__ == "__main__":
    main()
