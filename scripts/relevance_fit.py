"""Fit the two small logistic models of ``answering.relevance`` on the dev files, report them
by cross-validation, and write ``answering/relevance.json``.

Input: the per-question dumps of ``scripts/relevance_data.py`` (evidence clauses, gold flags,
similarities, the model judge's ratings), each paired with the SQuAD-style file it came from
(for the policy texts). Folds are whole policies, so a policy's questions are never scored by a
model fitted on them. For every file it prints, out of fold:
- how often the top-scored clause is a gold one (questions whose gold clause is in the evidence),
  for the model judge alone and for the combination;
- the share of unanswerable questions that abstain, at the threshold where a given share of all
  answerable dev questions would;
- the threshold to put in ``Settings.min_relevance``;
- for ``Settings.co_relevance``: how often the gold clause is among the clauses the model is shown.

Usage:
  .venv/bin/python scripts/relevance_fit.py tosdr.rel.jsonl=../shared/data/tosdr_dev.json \
      pqa.rel.jsonl=../shared/data/policyqa_dev.json seed.rel.jsonl=../shared/data/seed_qa_dev.json [--write]
      [--evidence K]

``--evidence K`` keeps, of each question's clauses, the first K by selection score (dumps made with
``relevance_data.py --evidence`` at least K), to compare evidence counts on one dump.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from answering.relevance import (CLAUSE_FEATURES, QUESTION_FEATURES, WEIGHTS, Logistic, RelevanceModel,  # noqa: E402
                                 clause_features, question_features)
from retrieval.evaluate import load_squad  # noqa: E402

FOLDS = 5
# The question features the shipped weights use; the others are there to compare with (BENCHMARKS.md).
SHIPPED_FEATURES = ("best_clause", "policy_words_weighted_log")


# per-clause lists of a dump, cut together by --evidence ("rank" keeps its rank among all the dumped clauses)
PER_CLAUSE = ("clauses", "starts", "ends", "gold", "similarity", "rank", "within", "relevance")


def load(pairs: list[str], evidence: int | None = None) -> list[dict]:
    rows = []
    for pair in pairs:
        dump, source = pair.split("=", 1)
        texts = {p.id: p.text for p, _ in load_squad(Path(source))}
        for line in Path(dump).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if evidence is not None:
                if "within" not in r:
                    raise SystemExit(f"{dump}: no 'within' field; dump again with relevance_data.py --evidence")
                keep = [i for i, k in enumerate(r["within"]) if k <= evidence]
                r.update({key: [r[key][i] for i in keep] for key in PER_CLAUSE})
            if not r["clauses"]:
                continue  # no evidence at all: the pipeline abstains before any judging
            r["file"], r["policy_text"] = Path(source).name, texts[r["policy"]]
            r["cf"] = clause_features(r["query"], r["clauses"], r["relevance"], r["similarity"])
            rows.append(r)
    return rows


def fit_clause(rows: list[dict]) -> Logistic:
    # Answerable questions whose gold clause is not in the evidence say nothing about which
    # clause answers; they are left out rather than counted as "no clause answers".
    X, y = [], []
    for r in rows:
        if r["answerable"] and not any(r["gold"]):
            continue
        X += [[f[k] for k in CLAUSE_FEATURES] for f in r["cf"]]
        y += [int(g) for g in r["gold"]]
    m = LogisticRegression(max_iter=1000).fit(np.array(X), np.array(y))
    return Logistic(dict(zip(CLAUSE_FEATURES, map(float, m.coef_[0]))), float(m.intercept_[0]))


def fit_question(rows: list[dict], clause: Logistic, features: tuple[str, ...] = QUESTION_FEATURES) -> Logistic:
    X = [[qf(r, [clause(f) for f in r["cf"]])[k] for k in features] for r in rows]
    y = [int(r["answerable"]) for r in rows]
    m = LogisticRegression(max_iter=1000, class_weight="balanced").fit(np.array(X), np.array(y))
    return Logistic(dict(zip(features, map(float, m.coef_[0]))), float(m.intercept_[0]))


def qf(row: dict, clause_scores: list[float]) -> dict[str, float]:
    # every dev policy is one of those policy_terms.json counts: its own words are left out of the counts
    return question_features(clause_scores, row["query"], row["policy_text"], counted=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+", help="DUMP.jsonl=SOURCE.json")
    ap.add_argument("--abstain", type=float, default=0.04, help="share of answerable questions allowed to abstain")
    ap.add_argument("--evidence", type=int, default=None, help="keep the first K clauses of each question (see above)")
    ap.add_argument("--features", default=",".join(SHIPPED_FEATURES),
                    help=f"comma-separated question features, of {', '.join(QUESTION_FEATURES)} "
                         f"(default: {', '.join(SHIPPED_FEATURES)}, the ones chosen in BENCHMARKS.md)")
    ap.add_argument("--keep-clause", action="store_true",
                    help="keep the shipped per-clause model; fit (and write) only the per-question one")
    ap.add_argument("--write", action="store_true", help=f"write the weights fitted on everything to {WEIGHTS}")
    args = ap.parse_args()
    if args.evidence is not None and args.evidence < 1:
        ap.error("--evidence must be at least 1")
    features = tuple(f for f in args.features.split(",") if f)
    if not features or set(features) - set(QUESTION_FEATURES):
        ap.error(f"--features takes some of {', '.join(QUESTION_FEATURES)}")
    rows = load(args.dumps, args.evidence)
    kept = RelevanceModel.load().clause if args.keep_clause else None
    policies = sorted({(r["file"], r["policy"]) for r in rows})
    fold = {p: n % FOLDS for n, p in enumerate(policies)}
    for k in range(FOLDS):
        train = [r for r in rows if fold[(r["file"], r["policy"])] != k]
        clause = kept or fit_clause(train)
        question = fit_question(train, clause, features)
        for r in rows:
            if fold[(r["file"], r["policy"])] == k:
                r["cs"] = [clause(f) for f in r["cf"]]
                r["qs"] = question(qf(r, r["cs"]))
    answerable = sorted(r["qs"] for r in rows if r["answerable"])
    threshold = answerable[int(args.abstain * len(answerable))]
    judge_only = sorted(max(r["relevance"]) for r in rows if r["answerable"])
    judge_threshold = judge_only[int(args.abstain * len(judge_only))]
    print(f"out of fold ({FOLDS} folds by policy); thresholds abstain on {args.abstain:.0%} of all answerable dev questions: "
          f"combined {threshold:.3f}, judge alone {judge_threshold:.3f}")
    print("| file | answerable | gold in evidence | top clause gold: judge / combined | answerable abstained: judge / combined | unanswerable abstained: judge / combined |")
    print("|---|---|---|---|---|---|")
    for name in dict.fromkeys(r["file"] for r in rows):
        mine = [r for r in rows if r["file"] == name]
        ans = [r for r in mine if r["answerable"]]
        una = [r for r in mine if not r["answerable"]]
        gold = [r for r in ans if any(r["gold"])]
        top_j = np.mean([r["gold"][int(np.argmax(r["relevance"]))] for r in gold]) if gold else float("nan")
        top_c = np.mean([r["gold"][int(np.argmax(r["cs"]))] for r in gold]) if gold else float("nan")
        ab_j = np.mean([max(r["relevance"]) < judge_threshold for r in ans]) if ans else float("nan")
        ab_c = np.mean([r["qs"] < threshold for r in ans]) if ans else float("nan")
        un_j = np.mean([max(r["relevance"]) < judge_threshold for r in una]) if una else float("nan")
        un_c = np.mean([r["qs"] < threshold for r in una]) if una else float("nan")
        print(f"| {name} | {len(ans)} | {len(gold) / max(1, len(ans)):.2f} | {top_j:.2f} / {top_c:.2f} | {ab_j:.2f} / {ab_c:.2f} | "
              f"{un_j:.2f} / {un_c:.2f} ({len(una)}) |")
    print("\nA second clause for the model (co_relevance): gold among the clauses it sees, and how many it sees,")
    print("over answerable questions whose gold clause is in the evidence (all files):")
    with_gold = [r for r in rows if r["answerable"] and any(r["gold"])]
    for name, key, shares in (("combined", "cs", (1.0, 0.9, 0.8, 0.7, 0.6)), ("judge alone", "relevance", (1.0, 0.9, 0.8))):
        for co in shares:
            chosen = [[i for i in np.argsort(-np.array(r[key]), kind="stable") if r[key][i] >= co * max(r[key])][:2] for r in with_gold]
            print(f"  {name} {co}: {np.mean([any(r['gold'][i] for i in c) for r, c in zip(with_gold, chosen)]):.3f} "
                  f"({np.mean([len(c) for c in chosen]):.2f} clauses)")
    if args.write:
        clause = kept or fit_clause(rows)
        question = fit_question(rows, clause, features)
        out = {"clause": {"weights": clause.weights, "bias": clause.bias},
               "question": {"weights": question.weights, "bias": question.bias},
               "fitted_on": [p.split("=", 1)[1] for p in args.dumps]}
        WEIGHTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS}; set Settings.min_relevance to the combined threshold above")


if __name__ == "__main__":
    main()
