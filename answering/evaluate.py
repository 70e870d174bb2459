"""The answer benchmark contract (``plainpolicy eval-answers``) and its scoring.

Each policy of a SQuAD-style file is indexed on its own (exactly as in ``eval-retrieval``), each
question is answered from its own policy, and one JSON line per question is written. When the
file carries ``verdict``/``answer_must_match``/``answer_must_not_match`` (as the seed questions
do), the summary also says how many answers are right. This module does not tune anything.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import re
import statistics
import time
from pathlib import Path

from tqdm import tqdm

from answering.guards import unsupported_tokens
from answering.pipeline import Pipeline
from answering.relevance import RelevanceModel
from answering.readability import fk_grade, word_count
from answering.types import Answer, shown_spans, with_lead
from generation.base import Generator
from retrieval.embedding import Embedder
from retrieval.evaluate import Question, even_sample, iter_policy_indexes
from plainpolicy.settings import Settings
from retrieval.runtime import index_config

log = logging.getLogger(__name__)


def judge(q: Question, answer: Answer) -> dict:
    """Right or wrong for one question, by the file's own rules where it has them: the
    ``answer_must_match`` patterns found, no ``answer_must_not_match`` one (the opposite verdict),
    and a citation overlapping a gold clause (or the line that introduces its list, shown with
    it); for an unanswerable question, an abstention."""
    raw = q.raw
    if not q.answers:
        return {"right": answer.abstained, "opposite": False, "gold_cited": False,
                "why": "" if answer.abstained else "answered an unanswerable question"}
    gold = any(a < e and s < b for c in answer.citations for a, b in shown_spans(c) for s, e in q.answers)
    if answer.abstained:
        return {"right": False, "opposite": False, "gold_cited": False, "why": "abstained"}
    text = answer.text
    why = [f"missing /{p}/" for p in raw.get("answer_must_match", []) if not re.search(p, text, re.I)]
    opposite = [f"forbidden /{p}/" for p in raw.get("answer_must_not_match", []) if re.search(p, text, re.I)]
    if not gold:
        why.append("no citation overlaps the gold clause")
    return {"right": not (why or opposite), "opposite": bool(opposite), "gold_cited": gold, "why": "; ".join(why + opposite)}


def _count(table: dict[str, dict[str, int]], q: Question, answer: Answer, verdict: dict) -> None:
    row = table.setdefault(q.raw.get("verdict") or ("answerable" if q.answers else "not_stated"),
                           {"questions": 0, "right": 0, "abstained": 0, "opposite": 0, "gold_cited": 0})
    row["questions"] += 1
    row["right"] += verdict["right"]
    row["abstained"] += answer.abstained
    row["opposite"] += verdict["opposite"]
    row["gold_cited"] += verdict["gold_cited"]


def eval_answers(path: Path, out: Path, embedder: Embedder, generator: Generator, settings: Settings,
                 sample: int | None = None) -> dict:
    """Answer every question of ``path`` (or ``sample`` of them, evenly spread over the file:
    the same ones every run); write ``out``; return the summary."""
    chosen = even_sample(path, sample)
    relevance = RelevanceModel.load()  # once, not once per policy
    seen = 0
    bar = tqdm(total=len(chosen), unit="question", desc=f"Answering {Path(path).name}", disable=None)
    t0 = time.perf_counter()
    rows, grades, words, invented, right, usage = [], [], [], 0, 0, []
    table: dict[str, dict[str, int]] = {}
    with open(out, "w", encoding="utf-8") as f:
        for policy, questions, searcher in iter_policy_indexes(path, embedder, index_config(settings), settings.search):
            picked = [q for n, q in enumerate(questions, seen) if n in chosen]
            seen += len(questions)
            pipeline = Pipeline(searcher, generator, settings, relevance=relevance)
            if picked and not rows:  # as the app does at start-up: the model reads the fixed prompt start once
                pipeline.warm_up()
            for q in picked:
                used = _usage(generator)
                start = time.perf_counter()
                first = None
                stream = pipeline.ask(q.text, policy_id=policy.id)
                for _ in stream:
                    first = first if first is not None else time.perf_counter() - start
                result = stream.answer
                seconds = time.perf_counter() - start
                work = _usage(generator).since(used) if used is not None else None
                cited = [with_lead(c.lead, c.text) for c in result.citations]  # as shown and checked
                f.write(json.dumps({
                    "id": q.id, "answer": result.text, "abstained": result.abstained,
                    "citations": [{"start": c.start, "end": c.end, "text": c.text,
                                   **({"lead_start": c.lead_start, "lead": c.lead} if c.lead else {})} for c in result.citations],
                    "seconds": round(seconds, 3), "first_token_seconds": round(first if first is not None else seconds, 3),
                    "verdict": q.raw.get("verdict"), **(verdict := judge(q, result)), "notes": list(result.notes),
                    **({"prompt_tokens": work.read_tokens, "read_seconds": round(work.read_seconds, 3),
                        "written_tokens": work.written_tokens, "write_seconds": round(work.written_seconds, 3)} if work else {}),
                }, ensure_ascii=False) + "\n")
                f.flush()
                right += verdict["right"]
                _count(table, q, result, verdict)
                if not result.abstained:
                    prose = re.sub(r"\s*\[\d+\]", "", result.text)
                    grades.append(fk_grade(prose))
                    words.append(word_count(prose))
                    invented += bool(unsupported_tokens(prose, cited))
                rows.append((seconds, first or seconds))
                if work:
                    usage.append(work)
                bar.update()
                log.info("%s %s: %s", q.id, "right" if verdict["right"] else f"WRONG ({verdict['why']})", result.text)
    bar.close()
    return {
        "questions": len(rows), "right": right, "by_verdict": table,
        "mean_fk_grade": round(statistics.mean(grades), 2) if grades else None,
        "max_words": max(words, default=0),
        "answers_with_invented_details": invented,
        "median_seconds": round(statistics.median(r[0] for r in rows), 2) if rows else None,
        "median_first_token_seconds": round(statistics.median(r[1] for r in rows), 2) if rows else None,
        "seconds": round(time.perf_counter() - t0, 1),
        **(_usage_summary(usage) if usage else {}),
    }


def _usage(generator: Generator):
    """The model's running count of tokens read and written (llama.cpp back end), else None."""
    usage = getattr(generator, "usage", None)
    return dataclasses.replace(usage) if usage is not None else None


def _usage_summary(usage: list) -> dict:
    read_s, write_s = sum(u.read_seconds for u in usage), sum(u.written_seconds for u in usage)
    return {
        "median_prompt_tokens": statistics.median(u.read_tokens for u in usage),
        "median_written_tokens": statistics.median(u.written_tokens for u in usage),
        "read_tokens_per_second": round(sum(u.read_tokens for u in usage) / read_s, 1) if read_s else None,
        "written_tokens_per_second": round(sum(u.written_tokens for u in usage) / write_s, 1) if write_s else None,
    }
