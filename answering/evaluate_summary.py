"""The summary benchmark contract (``plainpolicy eval-summary``) and its scoring.

Each policy of a SQuAD-style file is indexed on its own (as in ``eval-answers``), summarised on
its own, and written as one JSON line, in input order. When the file's questions carry a
``flag`` (ToS;DR) the flags are scored against them; when they carry an OPP-115 ``type``
(PolicyQA) the category citations are. This module does not tune anything.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable, Iterator

from tqdm import tqdm

from answering.pipeline import Pipeline
from answering.relevance import RelevanceModel
from answering.summary import FLAGS, TOPICS, Summary, summarize
from answering.types import shown_spans
from generation.base import Generator
from plainpolicy.settings import Settings
from retrieval.embedding import Embedder
from retrieval.evaluate import Question, iter_policy_indexes
from retrieval.types import Policy
from retrieval.runtime import index_config

log = logging.getLogger(__name__)

# OPP-115 category names (PolicyQA's ``type``) and ours (answering.summary.CATEGORIES).
OPP115 = {
    "First Party Collection/Use": "First-party collection and use",
    "Third Party Sharing/Collection": "Third-party sharing and collection",
    "User Choice/Control": "Your choices and control",
    "User Access, Edit and Deletion": "Access, edit and deletion",
    "Data Retention": "Data retention",
    "Data Security": "Data security",
    "Policy Change": "Policy changes",
    "Do Not Track": "Do Not Track",
    "International and Specific Audiences": "Specific audiences",
    "Other": "Other",
}
OPPOSITE = {a.name: b.name for t in TOPICS for a in t.flags for b in t.flags if a is not b}


def _overlaps(spans, citations) -> bool:
    return any(a < e and s < b for c in citations for a, b in shown_spans(c) for s, e in spans)


def score_flags(summary: Summary, questions: list[Question]) -> dict[str, int]:
    """Against volunteers' flags: found (same flag, a citation on the gold span), and the opposite
    flag given. A flag they did not mark is not counted: they did not mark everything."""
    out = {"flags": 0, "found": 0, "opposite": 0}
    for q in questions:
        flag = q.raw.get("flag")
        if flag not in FLAGS or not q.answers:
            continue
        out["flags"] += 1
        out["found"] += any(f.flag == flag and _overlaps(q.answers, f.citations) for f in summary.flags)
        out["opposite"] += any(f.flag == OPPOSITE.get(flag) for f in summary.flags)
    return out


def score_categories(summary: Summary, questions: list[Question]) -> dict[str, int]:
    """Against OPP-115 gold spans: how many category citations overlap a gold span of the same
    category."""
    gold: dict[str, list[tuple[int, int]]] = {}
    for q in questions:
        category = OPP115.get(str(q.raw.get("type", "")).split("|||")[0])
        if category:
            gold.setdefault(category, []).extend(q.answers)
    out = {"citations": 0, "on_gold": 0}
    for line in summary.categories:
        for c in line.citations:
            out["citations"] += 1
            out["on_gold"] += _overlaps(gold.get(line.category, []), [c])
    return out


def policy_pipelines(path: Path, embedder: Embedder, generator: Generator, settings: Settings,
                     start: int = 0, count: int | None = None) -> Iterator[tuple[Policy, list[Question], Pipeline]]:
    """Each policy of the SQuAD-style file ``path`` from the ``start``-th on (at most ``count``),
    indexed on its own, with its questions and an answer pipeline over it."""
    relevance = RelevanceModel.load()
    for n, (policy, questions, searcher) in enumerate(iter_policy_indexes(path, embedder, index_config(settings), settings.search)):
        if count is not None and n >= start + count:
            break
        if n >= start:
            yield policy, questions, Pipeline(searcher, generator, settings, relevance=relevance)


def flag_totals(scored: Iterable[tuple[Summary, list[Question]]]) -> dict[str, int]:
    """``score_flags`` summed over (summary, its policy's questions) pairs, with the flags given."""
    total = {"flags": 0, "found": 0, "opposite": 0, "given": 0}
    for summary, questions in scored:
        total["given"] += len(summary.flags)
        for k, v in score_flags(summary, questions).items():
            total[k] += v
    return total


def eval_summary(path: Path, out: Path, embedder: Embedder, generator: Generator, settings: Settings,
                 policies: int | None = None) -> dict:
    """Summarise every policy of ``path`` (or the first ``policies``), write ``out``, return the
    scores."""
    totals = {"policies": 0, "seconds": 0.0, "flags": 0, "found": 0, "opposite": 0, "citations": 0, "on_gold": 0}
    bar = tqdm(unit="policy", desc=f"Summarising {Path(path).name}", disable=None, total=policies)
    with open(out, "w", encoding="utf-8") as f:
        for n, (policy, questions, pipeline) in enumerate(policy_pipelines(path, embedder, generator, settings, count=policies)):
            if n == 0:
                pipeline.warm_up()
            summary = summarize(pipeline, policy.id)
            f.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
            f.flush()
            totals["policies"] += 1
            totals["seconds"] += summary.seconds
            for k, v in (score_flags(summary, questions) | score_categories(summary, questions)).items():
                totals[k] += v
            bar.update()
    bar.close()
    n = totals["policies"] or 1
    return {
        "policies": totals["policies"],
        "mean_seconds": round(totals["seconds"] / n, 1),
        "flag_recall": round(totals["found"] / totals["flags"], 3) if totals["flags"] else None,
        "flags_labelled": totals["flags"], "opposite_flags": totals["opposite"],
        "category_citations_on_gold": round(totals["on_gold"] / totals["citations"], 3) if totals["citations"] else None,
        "category_citations": totals["citations"],
    }
