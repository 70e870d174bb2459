"""The retrieval benchmark contract (``plainpolicy eval-retrieval``).

Reads SQuAD-style JSON (each ``data`` element one policy, its text the paragraphs' contexts
joined with a blank line), indexes each policy on its own in a temporary directory with the
app's chunking, embedding and search, ranks every question against its own policy and writes
one JSON line per question. This module does not tune anything; it only measures.
"""
from __future__ import annotations

import json
import logging
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from retrieval.embedding import Embedder
from retrieval.index import IndexConfig, build_index, load_index
from retrieval.search import Searcher, SearchSettings
from retrieval.types import Hit, Policy

log = logging.getLogger(__name__)

BUDGETS = (500, 1500, 3000)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[tuple[int, int], ...]
    raw: dict


def load_squad(path: Path) -> list[tuple[Policy, list[Question]]]:
    """Policies and their questions, with answer offsets moved into the joined policy text."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    out = []
    for n, doc in enumerate(data):
        title = str(doc.get("title") or f"policy-{n}")
        pid = f"{n:03d}-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "policy")
        parts, questions, starts, offset = [], [], [], 0
        for para in doc["paragraphs"]:
            for qa in para.get("qas", []):
                spans = tuple((offset + a["answer_start"], offset + a["answer_start"] + len(a["text"])) for a in qa.get("answers", []))
                questions.append(Question(str(qa["id"]), qa["question"], spans, qa))
            starts.append(offset)
            parts.append(para["context"])
            offset += len(para["context"]) + 2
        # The same point quoted from another paragraph (ToS;DR's other_supporting_quotes) is gold too.
        questions = [Question(q.id, q.text, q.answers + tuple(
            (starts[o["paragraph_index"]] + o["answer_start"], starts[o["paragraph_index"]] + o["answer_start"] + len(o["text"]))
            for o in q.raw.get("other_supporting_quotes", []) if q.answers), q.raw) for q in questions]
        out.append((Policy(id=pid, name=title, text="\n\n".join(parts)), questions))
    return out


def even_sample(path: Path, sample: int | None) -> set[int]:
    """Positions (in file order) of ``sample`` questions of ``path`` spread evenly over the file,
    the same ones every run; every position when ``sample`` is None or not smaller."""
    total = sum(len(qs) for _, qs in load_squad(path))
    step = total / sample if sample and sample < total else 1.0
    return {int(i * step) for i in range(min(sample or total, total))}


def ranked_spans(hits: list[Hit], min_chars: int = 3000) -> list[tuple[int, int]]:
    spans, total = [], 0
    for h in hits:
        spans.append((h.chunk.start, h.chunk.end))
        total += h.chunk.end - h.chunk.start
        if total >= min_chars:
            break
    return spans


def hit_within(spans: list[tuple[int, int]], answers: tuple[tuple[int, int], ...], budget: int) -> bool:
    """True when a gold span overlaps the first ``budget`` characters of the ranked text."""
    left = budget
    for s, e in spans:
        if left <= 0:
            break
        e = min(e, s + left)
        if any(a < e and s < b for a, b in answers):
            return True
        left -= e - s
    return False


def iter_policy_indexes(path: Path, embedder: Embedder, config: IndexConfig, search: SearchSettings) -> Iterator[tuple[Policy, list[Question], Searcher]]:
    """Each policy of a SQuAD file, indexed on its own in a temporary directory."""
    for policy, questions in load_squad(path):
        with tempfile.TemporaryDirectory(prefix="plainpolicy-eval-") as tmp:
            build_index(Path(tmp), [policy], embedder, config)
            index = load_index(Path(tmp), config)
        yield policy, questions, Searcher(index, embedder, search)


def eval_retrieval(path: Path, out: Path, embedder: Embedder, config: IndexConfig, search: SearchSettings) -> dict:
    t0 = time.perf_counter()
    hits = {b: 0 for b in BUDGETS}
    answered, latencies = 0, []
    with open(out, "w", encoding="utf-8") as f:
        for policy, questions, searcher in iter_policy_indexes(path, embedder, config, search):
            k = len(searcher.index.chunks)
            for q in questions:
                t = time.perf_counter()
                spans = ranked_spans(searcher.search(q.text, policy_id=policy.id, k=k))
                latencies.append(time.perf_counter() - t)
                f.write(json.dumps({"id": q.id, "ranked": [list(s) for s in spans]}) + "\n")
                if q.answers:
                    answered += 1
                    for b in BUDGETS:
                        hits[b] += hit_within(spans, q.answers, b)
    summary = {
        "questions": len(latencies), "answerable": answered,
        "median_latency_ms": round(1000 * statistics.median(latencies), 2) if latencies else None,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if answered:
        summary |= {f"recall@{b}": round(hits[b] / answered, 4) for b in BUDGETS}
    return summary
