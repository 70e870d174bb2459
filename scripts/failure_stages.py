"""Where each answerable question of an ``eval-answers`` run was lost, stage by stage.

For every answerable question in the run, search and evidence selection are done again (no
model: they are deterministic) and the run's logged combined scores (``combined [...]`` in the
notes, one per evidence sentence) say which clauses went to the model. Each question is put in
the first stage it failed:

1. gold not in evidence: no evidence sentence overlaps a gold span;
2. abstained: gold in the evidence, but the answer was "the policy doesn't say";
3. gold not chosen: no gold sentence among the clauses the model answered from;
4. gold chosen, not cited: the model saw it, but no sentence citing it survived the checks;
5. gold cited, wrong words: cited, but ``answer_must_match`` missed or ``answer_must_not_match`` hit;
6. right.

This script does not call the model or change anything; run it on the same index settings as the run.

Usage: .venv/bin/python scripts/failure_stages.py ../shared/data/tosdr_dev.json RUN.jsonl
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from answering.pipeline import top_clauses  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.evaluate import iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config, make_embedder  # noqa: E402

_COMBINED = re.compile(r"^combined \[(.*)\] answerable")
STAGES = ("gold not in evidence", "abstained", "gold not chosen", "gold chosen, not cited",
          "gold cited, wrong words", "right")


def stage(row: dict, gold_in: list[bool], co_relevance: float) -> str:
    if not any(gold_in):
        return STAGES[0]
    if row["abstained"]:
        return STAGES[1]
    scores = next((json.loads(f"[{m.group(1)}]") for n in row["notes"] if (m := _COMBINED.match(n))), None)
    if scores is not None and len(scores) == len(gold_in) and not any(gold_in[i] for i in top_clauses(scores, [""] * len(scores), co_relevance)):
        return STAGES[2]
    if not row["gold_cited"]:
        return STAGES[3]
    return STAGES[5] if row["right"] else STAGES[4]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("run", type=Path)
    ap.add_argument("--show", default="", help="print the questions of this stage")
    args = ap.parse_args()
    rows = {r["id"]: r for r in map(json.loads, args.run.read_text(encoding="utf-8").splitlines()) if r.get("verdict") != "not_stated"}
    settings = Settings.load()
    embedder = make_embedder(settings)
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for policy, questions, searcher in iter_policy_indexes(args.data, embedder, index_config(settings), settings.search):
        for q in questions:
            row = rows.get(q.id)
            if row is None or not q.answers:
                continue
            query = searcher.without_name(q.text, policy.id)
            hits = searcher.search(query, policy_id=policy.id, k=settings.answer_hits)
            evidence, _ = select_evidence(query, hits, searcher.index.policies, settings.evidence_sentences, embedder.encode)
            gold_in = [any(e.start < b and a < e.end for a, b in q.answers) for e in evidence]
            s = stage(row, gold_in, settings.co_relevance)
            counts[row.get("verdict") or "answerable"][s] += 1
            counts["all"][s] += 1
            if args.show and s == args.show:
                print(f"- {q.id}: {q.text}\n  answer: {row['answer']}\n  notes: {row['notes'][-3:]}")
    print("| verdict | questions | " + " | ".join(STAGES) + " |")
    print("|---" * (len(STAGES) + 2) + "|")
    for verdict, c in sorted(counts.items(), key=lambda kv: kv[0] == "all"):
        n = sum(c.values())
        print(f"| {verdict} | {n} | " + " | ".join(f"{c[s] / n:.2f}" for s in STAGES) + " |")


if __name__ == "__main__":
    main()
