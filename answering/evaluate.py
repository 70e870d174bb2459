"""The answer benchmark contract (``plainpolicy eval-answers``) and its scoring.

Each policy of a SQuAD-style file is indexed on its own (exactly as in ``eval-retrieval``), each
question is answered from its own policy, and one JSON line per question is written. When the
file carries ``verdict``/``answer_must_match``/``answer_must_not_match`` (as the seed questions
do), the summary also says how many answers are right. This module does not tune anything.
"""
from __future__ import annotations

import json
import logging
import re
import statistics
import time
from pathlib import Path

from answering.guards import unsupported_tokens
from answering.pipeline import AnswerSettings, Pipeline
from answering.readability import fk_grade, word_count
from answering.types import Answer
from generation.base import Generator
from retrieval.embedding import Embedder
from retrieval.evaluate import Question, iter_policy_indexes
from retrieval.index import IndexConfig
from retrieval.search import SearchSettings

log = logging.getLogger(__name__)


def judge(q: Question, answer: Answer) -> dict:
    """Right or wrong for one question, by the file's own rules where it has them."""
    raw = q.raw
    if not q.answers:
        return {"right": answer.abstained, "why": "" if answer.abstained else "answered an unanswerable question"}
    if answer.abstained:
        return {"right": False, "why": "abstained"}
    text = answer.text
    why = [f"missing /{p}/" for p in raw.get("answer_must_match", []) if not re.search(p, text, re.I)]
    why += [f"forbidden /{p}/" for p in raw.get("answer_must_not_match", []) if re.search(p, text, re.I)]
    if not any(c.start < e and s < c.end for c in answer.citations for s, e in q.answers):
        why.append("no citation overlaps the gold clause")
    return {"right": not why, "why": "; ".join(why)}


def eval_answers(path: Path, out: Path, embedder: Embedder, generator: Generator, config: IndexConfig,
                 search: SearchSettings, answer: AnswerSettings) -> dict:
    t0 = time.perf_counter()
    rows, grades, words, invented, right = [], [], [], 0, 0
    with open(out, "w", encoding="utf-8") as f:
        for policy, questions, searcher in iter_policy_indexes(path, embedder, config, search):
            pipeline = Pipeline(searcher, generator, answer)
            if not rows:  # as the app does at start-up: the model reads the fixed prompt start once
                pipeline.warm_up()
            for q in questions:
                start = time.perf_counter()
                first = None
                stream = pipeline.ask(q.text, policy_id=policy.id)
                for _ in stream:
                    first = first if first is not None else time.perf_counter() - start
                result = stream.answer
                seconds = time.perf_counter() - start
                cited = [c.text for c in result.citations]
                f.write(json.dumps({
                    "id": q.id, "answer": result.text, "abstained": result.abstained,
                    "citations": [{"start": c.start, "end": c.end, "text": c.text} for c in result.citations],
                    "seconds": round(seconds, 3), "first_token_seconds": round(first if first is not None else seconds, 3),
                }, ensure_ascii=False) + "\n")
                f.flush()
                verdict = judge(q, result)
                right += verdict["right"]
                if not result.abstained:
                    prose = re.sub(r"\s*\[\d+\]", "", result.text)
                    grades.append(fk_grade(prose))
                    words.append(word_count(prose))
                    invented += bool(unsupported_tokens(prose, cited))
                rows.append((seconds, first or seconds))
                log.info("%s %s: %s", q.id, "right" if verdict["right"] else f"WRONG ({verdict['why']})", result.text)
    return {
        "questions": len(rows), "right": right,
        "mean_fk_grade": round(statistics.mean(grades), 2) if grades else None,
        "max_words": max(words, default=0),
        "answers_with_invented_details": invented,
        "median_seconds": round(statistics.median(r[0] for r in rows), 2) if rows else None,
        "median_first_token_seconds": round(statistics.median(r[1] for r in rows), 2) if rows else None,
        "seconds": round(time.perf_counter() - t0, 1),
    }
