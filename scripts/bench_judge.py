"""Accuracy and cost of each meaning check (``answering.judge``) on the labelled pair set.

Usage:
  .venv/bin/python scripts/judge_pairs.py /tmp/pairs.jsonl
  .venv/bin/python scripts/bench_judge.py /tmp/pairs.jsonl [--per-label 60] [--judges similarity,model,model-in-chat,model-in-pick] [--kinds support,answers]

For each judge it prints, on ``support`` pairs, the AUC of the support score for supported
against the rest and against contradicted only, the accuracy of "supported iff score >= 0.5" and
the share of each label accepted at 0.5 (supported, contradicted, unstated);
on ``answers`` pairs, the AUC and accuracy of the relevance score, and the share of the
unanswerable (``not_stated``) pairs judged "does not answer"; and milliseconds per pair.
The same sample (the first ``--per-label`` pairs of each kind, label and source) is used for
every judge.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.judge import ModelJudge, SimilarityJudge, pick_turn  # noqa: E402
from answering.pipeline import preamble  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n) + 0.5 * (p == n)).mean())


def sample(pairs: list[dict], per_label: int) -> list[dict]:
    seen: dict[tuple, int] = {}
    out = []
    for p in pairs:
        key = (p["kind"], p["label"], p.get("source", ""))
        if seen.get(key, 0) < per_label:
            seen[key] = seen.get(key, 0) + 1
            out.append(p)
    return out


def in_chat(judge: ModelJudge):
    """The check as the pipeline makes it: after the conversation that numbered the clause and wrote the answer."""
    def check(statement: str, clause: str, question: str):
        context = preamble() + [pick_turn("this", [clause], question), {"role": "assistant", "content": "1"},
                                {"role": "user", "content": "Answer the question from clause [1], in one or two short sentences."},
                                {"role": "assistant", "content": statement}]
        return judge.check(statement, clause, question, context=context, number=1)
    return check


def in_pick(judge: ModelJudge):
    """The check asked in the conversation that picked the clause, before any answer was written:
    the clause is already read (cached), and the model has not written the sentence itself."""
    def check(statement: str, clause: str, question: str):
        context = preamble() + [pick_turn("this", [clause], question), {"role": "assistant", "content": "1"}]
        return judge.check(statement, clause, question, context=context, number=1)
    return check


def _accepted(scores: list[float]) -> float:
    return round(float(np.mean([s >= 0.5 for s in scores])), 3) if scores else float("nan")


def run(name: str, check, relevance, pairs: list[dict]) -> dict:
    support = {"supported": [], "contradicted": [], "unrelated": [], "unstated": []}
    answers = {"yes": [], "no": []}
    not_stated = []
    t0 = time.perf_counter()
    for p in pairs:
        if p["kind"] == "support":
            support[p["label"]].append(check(p["statement"], p["clause"], p["question"]).support)
        else:
            score = relevance(p["question"], [p["clause"]])[0]
            answers[p["label"]].append(score)
            if p.get("source") == "not_stated":
                not_stated.append(score)
    ms = 1000 * (time.perf_counter() - t0) / max(len(pairs), 1)
    rest = support["contradicted"] + support["unrelated"] + support["unstated"]
    acc_s = (sum(s >= 0.5 for s in support["supported"]) + sum(s < 0.5 for s in rest)) / max(len(support["supported"]) + len(rest), 1)
    acc_a = (sum(s >= 0.5 for s in answers["yes"]) + sum(s < 0.5 for s in answers["no"])) / max(len(answers["yes"]) + len(answers["no"]), 1)
    return {
        "judge": name,
        "support_pairs": sum(map(len, support.values())),
        "support_auc_vs_rest": round(auc(support["supported"], rest), 3),
        "support_auc_vs_contradicted": round(auc(support["supported"], support["contradicted"]), 3),
        "support_accuracy@0.5": round(acc_s, 3),
        "contradicted_accepted@0.5": _accepted(support["contradicted"]),
        "unstated_accepted@0.5": _accepted(support["unstated"]),
        "supported_accepted@0.5": _accepted(support["supported"]),
        "answers_pairs": len(answers["yes"]) + len(answers["no"]),
        "answers_auc": round(auc(answers["yes"], answers["no"]), 3),
        "answers_accuracy@0.5": round(acc_a, 3),
        "not_stated_rejected@0.5": round(float(np.mean([s < 0.5 for s in not_stated])) if not_stated else float("nan"), 3),
        "ms_per_pair": round(ms, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs", type=Path)
    ap.add_argument("--per-label", type=int, default=60)
    ap.add_argument("--judges", default="similarity,model,model-in-chat")
    ap.add_argument("--kinds", default="support,answers", help="which kinds of pair to judge")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    pairs = sample([p for line in args.pairs.read_text(encoding="utf-8").splitlines()
                    if (p := json.loads(line))["kind"] in kinds], args.per_label)
    settings = Settings.load()
    names = args.judges.split(",")
    if "similarity" in names:
        from retrieval.embedding import MiniLMEmbedder

        sim = SimilarityJudge(MiniLMEmbedder().encode)
        print(json.dumps(run("similarity", sim.check, sim.relevance, pairs)), flush=True)
    if any(n.startswith("model") for n in names):
        from generation import make_generator

        judge = ModelJudge(make_generator(settings), preamble)
        if "model" in names:
            print(json.dumps(run("model", judge.check, judge.relevance, pairs)), flush=True)
        if "model-in-chat" in names:
            print(json.dumps(run("model-in-chat", in_chat(judge), judge.relevance, pairs)), flush=True)
        if "model-in-pick" in names:
            print(json.dumps(run("model-in-pick", in_pick(judge), judge.relevance, pairs)), flush=True)


if __name__ == "__main__":
    main()
