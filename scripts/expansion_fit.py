"""Learn which words policies use for a question's words, from the dev files' gold spans, for the
keyword search (``retrieval.expansion``): report it out of fold and write ``retrieval/expansion.json``.

For each question word (stemmed, as the keyword index has it) asked by at least ``--min-questions``
answerable questions, the words of their gold spans are scored by how much more often they occur
there than in policy sentences in general (lift); the ``--top`` best with a lift of at least
``--min-lift``, found in at least ``--min-pairs`` of those spans and in the spans of at least
``--min-policies`` policies (so that no one company's words are learned), are kept, each as the word most
often written for that stem. A question word is never mapped to a word the question already has,
and the words of the company's stand-in ("the company") are not keys.

This script does not change the hand-written table in ``retrieval/expansion.py``; the search adds
both. ``--report FILE`` measures, out of fold (policies of FILE split in ``--folds``, the table
learned without the fold's policies), how often a gold span is among the evidence sentences the
answer starts from, with the hand table alone, the learned one alone, and both. No model is used.

Usage:
  .venv/bin/python scripts/expansion_fit.py ../shared/data/policyqa_dev.json ../shared/data/tosdr_dev.json \
      [--report ../shared/data/tosdr_dev.json] [--write]
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval import expansion  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes, load_squad  # noqa: E402
from retrieval.keywords import tokenize, words as words_of  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402
from retrieval.search import STAND_IN  # noqa: E402
from retrieval.sentences import split_sentences  # noqa: E402


def learn(files: list[Path], top: int, min_lift: float, min_questions: int, min_pairs: int, min_policies: int,
          leave_out: frozenset[tuple[Path, str]] = frozenset()) -> dict[str, list[str]]:
    """The table: question word (stem) -> policy words, from the answerable questions of ``files``
    (without the policies in ``leave_out``, as (resolved file path, policy id))."""
    asked, paired = collections.Counter(), collections.Counter()
    policies: dict[tuple[str, str], set[tuple[Path, str]]] = collections.defaultdict(set)
    in_sentences, sentences = collections.Counter(), 0
    written: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for path in files:
        for policy, questions in load_squad(path):
            if (path.resolve(), policy.id) in leave_out:
                continue
            skip = set(tokenize(policy.name)) | set(tokenize(STAND_IN))
            for a, b in split_sentences(policy.text, 0, len(policy.text)):
                in_sentences.update(set(tokenize(policy.text[a:b])))
                sentences += 1
            for q in questions:
                if not q.answers:
                    continue
                words = set(tokenize(q.text)) - skip
                gold: set[str] = set()
                for a, b in q.answers:
                    for w in words_of(policy.text[a:b]):
                        stem = tokenize(w)
                        if stem:
                            gold.add(stem[0])
                            written[stem[0]][w] += 1
                for x in words:
                    asked[x] += 1
                    for w in gold - words - skip:
                        paired[(x, w)] += 1
                        policies[(x, w)].add((path, policy.id))
    scored: dict[str, list[tuple[float, str]]] = collections.defaultdict(list)
    for (x, w), n in paired.items():
        if asked[x] < min_questions or n < min_pairs or len(policies[(x, w)]) < min_policies:
            continue
        share = n / asked[x]
        lift = share / ((in_sentences[w] + 1) / max(1, sentences))
        if lift >= min_lift:
            scored[x].append((lift * share, w))
    table = {}
    for x, found in sorted(scored.items()):
        words = [_written(w, written[w]) for _, w in sorted(found, reverse=True)[:top]]
        if words := [w for w in words if w]:
            table[x] = words
    return table


def _written(stem: str, forms: collections.Counter) -> str | None:
    """The form of ``stem`` written most often that the keyword index stems back to it."""
    return next((w for w, _ in forms.most_common() if tokenize(w) == [stem]), None)


class _Remembered:
    """An embedder that embeds each list of texts once: the three keyword queries of a question
    share its dense query and most of its evidence sentences."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self.embedder = embedder
        self._seen: dict[tuple[str, ...], np.ndarray] = {}

    def __getattr__(self, name: str):  # name, dim, count_tokens, …: the embedder's own
        return getattr(self.embedder, name)

    def encode(self, texts, *, progress: bool = False) -> np.ndarray:
        key = tuple(texts)
        if key not in self._seen:
            self._seen[key] = self.embedder.encode(texts, progress=progress)
        return self._seen[key]


def report(test: Path, files: list[Path], folds: int, **fit: float) -> None:
    policies = [p.id for p, _ in load_squad(test)]
    fold = {pid: n % folds for n, pid in enumerate(policies)}
    tables = [learn(files, leave_out=frozenset((test.resolve(), p) for p in policies if fold[p] == k), **fit)
              for k in range(folds)]
    settings, embedder = Settings.load(), _Remembered(MiniLMEmbedder())
    found: dict[str, list[bool]] = collections.defaultdict(list)
    for policy, questions, searcher in iter_policy_indexes(test, embedder, index_config(settings), settings.search):
        learned = tables[fold[policy.id]]
        ways = {"hand table (before)": ({}, True), "learned table": (learned, False), "both (shipped)": (learned, True)}
        for q in questions:
            if not q.answers:
                continue
            query = searcher.without_name(q.text, policy.id)
            for name, (table, hand) in ways.items():
                # the searcher's keyword query, with this fold's table (the app's search takes the shipped one)
                searcher.expand_query = lambda text, t=table, h=hand: expansion.expand(text, t, hand=h)  # noqa: E731
                hits = searcher.search(query, policy_id=policy.id, k=settings.answer_hits)
                evidence, _ = select_evidence(query, hits, searcher.index.policies, settings.evidence_sentences,
                                              embedder.encode)
                found[name].append(any(e.start < b and a < e.end for e in evidence for a, b in q.answers))
        print(policy.id, file=sys.stderr)
    print(f"out of fold ({folds} folds by policy of {test.name}): gold among the "
          f"{settings.evidence_sentences} evidence sentences (name left out)")
    print("| keyword query | gold among the evidence |\n|---|---|")
    for name, hits in found.items():
        print(f"| {name} | {np.mean(hits):.3f} ({sum(hits)} of {len(hits)}) |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path, help="SQuAD-style dev files to learn from")
    ap.add_argument("--top", type=int, default=4, help="policy words kept per question word")
    ap.add_argument("--min-lift", type=float, default=3.0)
    ap.add_argument("--min-questions", type=int, default=5)
    ap.add_argument("--min-pairs", type=int, default=3)
    ap.add_argument("--min-policies", type=int, default=3, help="policies whose gold spans pair the two words")
    ap.add_argument("--report", type=Path, help="a SQuAD-style file to measure on, out of fold")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--write", action="store_true", help=f"write the table learned from all files to {expansion.LEARNED}")
    args = ap.parse_args()
    fit = dict(top=args.top, min_lift=args.min_lift, min_questions=args.min_questions, min_pairs=args.min_pairs,
               min_policies=args.min_policies)
    if args.report:
        report(args.report, args.files, args.folds, **fit)
    if args.write:
        table = learn(args.files, **fit)
        out = {"words": table, "fitted_on": [str(p) for p in args.files], "settings": fit}
        expansion.LEARNED.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {expansion.LEARNED}: {len(table)} question words")


if __name__ == "__main__":
    main()
