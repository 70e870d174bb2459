"""Dump, for every question of a SQuAD-style dev file, the evidence the answer pipeline starts
from and the judge's rating of each clause: the data ``scripts/relevance_fit.py`` learns and
measures the "does any clause answer it?" and "which clause?" decisions on.

One JSON line per question: id, policy, whether it is answerable, the question, and per evidence
clause its text, whether it overlaps a gold span, its rank and similarity from evidence
selection, the smallest evidence count that includes it (``within``: the clause is among the
first K sentences when ``within <= K``), and the model judge's rating (``ModelJudge.relevance``).
No answer is generated.

One dump made with ``--evidence 6`` serves fits for 4, 5 and 6 evidence sentences
(``relevance_fit.py --evidence K``): each clause is rated on its own, so the first K of six are
rated as they would be among K. ``--resume`` keeps the questions already in ``--out`` and adds the
rest, so a long dump can be made over several sittings.

Usage: .venv/bin/python scripts/relevance_data.py ../shared/data/tosdr_dev.json --out tosdr.rel.jsonl \
           [--sample 200] [--evidence 6] [--resume]
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
    ap.add_argument("--evidence", type=int, default=None, help="evidence sentences per question (default: the setting)")
    ap.add_argument("--resume", action="store_true", help="keep the questions already in --out, add the others")
    args = ap.parse_args()
    if args.evidence is not None and args.evidence < 1:
        ap.error("--evidence must be at least 1")
    chosen = even_sample(args.file, args.sample)
    settings, embedder = Settings.load(), MiniLMEmbedder()
    count = args.evidence or settings.evidence_sentences
    done = set()
    if args.resume and args.out.exists():
        kept = []  # a line cut short when the last run was stopped is dropped and made again
        for line in args.out.read_text(encoding="utf-8").splitlines():
            try:
                done.add(json.loads(line)["id"])
                kept.append(line + "\n")
            except (ValueError, KeyError):
                continue
        args.out.write_text("".join(kept), encoding="utf-8")
    judge = ModelJudge(make_generator(settings), preamble)
    n = -1
    with args.out.open("a" if args.resume else "w", encoding="utf-8") as out, \
            tqdm(total=len(chosen), initial=len(done), unit="question") as bar:
        for policy, questions, searcher in iter_policy_indexes(args.file, embedder, index_config(settings), settings.search):
            for q in questions:
                n += 1
                if n not in chosen or q.id in done:
                    continue
                bar.update()
                query = searcher.without_name(q.text, policy.id)
                hits = searcher.search(query, policy_id=policy.id, k=settings.answer_hits)
                evidence, similarity = select_evidence(query, hits, searcher.index.policies, count, embedder.encode)
                within = {(e.start, e.end): count for e in evidence}
                for k in range(count - 1, 0, -1):  # the first k of them by selection score, for each k
                    fewer, _ = select_evidence(query, hits, searcher.index.policies, k, embedder.encode)
                    within.update({(e.start, e.end): k for e in fewer})
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
                    "within": [within[(e.start, e.end)] for e in evidence],
                    "relevance": [round(r, 4) for r in judge.relevance(q.text, clauses)] if clauses else [],
                }
                out.write(json.dumps(row) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
