"""Dump, for every question of a SQuAD-style dev file, the evidence the answer pipeline starts
from and the judge's rating of each clause: the data ``scripts/relevance_fit.py`` learns and
measures the "does any clause answer it?" and "which clause?" decisions on.

One JSON line per question: id, policy, whether it is answerable, the question, and per evidence
clause its text, whether it overlaps a gold span, its rank and similarity from evidence
selection, and the model judge's rating (``ModelJudge.relevance``). No answer is generated.

Usage: .venv/bin/python scripts/relevance_data.py ../shared/data/tosdr_dev.json --out tosdr.rel.jsonl [--sample 200]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from answering.judge import ModelJudge  # noqa: E402
from answering.pipeline import _one_line, preamble  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import even_sample, iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=None, help="this many questions, evenly spread over the file")
    args = ap.parse_args()
    chosen = even_sample(args.file, args.sample)
    settings, embedder = Settings.load(), MiniLMEmbedder()
    judge = ModelJudge(make_generator(settings), preamble)
    n = -1
    with args.out.open("w", encoding="utf-8") as out, tqdm(total=len(chosen), unit="question") as bar:
        for policy, questions, searcher in iter_policy_indexes(args.file, embedder, index_config(settings), settings.search):
            for q in questions:
                n += 1
                if n not in chosen:
                    continue
                bar.update()
                query = searcher.without_name(q.text, policy.id)
                hits = searcher.search(query, policy_id=policy.id, k=settings.answer_hits)
                evidence, similarity = select_evidence(query, hits, searcher.index.policies,
                                                       settings.evidence_sentences, embedder.encode)
                clauses = [_one_line(e.context) for e in evidence]
                rank = sorted(range(len(evidence)), key=lambda i: -float(similarity[i]))
                row = {
                    "id": q.id, "policy": policy.id, "title": policy.name, "answerable": bool(q.answers),
                    "question": q.text, "query": query,
                    "verdict": q.raw.get("verdict"),
                    "clauses": clauses,
                    "starts": [e.start for e in evidence], "ends": [e.end for e in evidence],
                    "gold": [any(e.start < b and a < e.end for a, b in q.answers) for e in evidence],
                    "similarity": [round(float(s), 4) for s in similarity],
                    "rank": [rank.index(i) for i in range(len(evidence))],
                    "relevance": [round(r, 4) for r in judge.relevance(q.text, clauses)] if clauses else [],
                }
                out.write(json.dumps(row) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
