"""The meaning check: does a policy clause support an answer sentence, and does a clause answer
the question? One small protocol, ``Judge``, and its implementations.

* ``ModelJudge`` asks the local model, and reads its answer as probabilities ("yes"/"no", or
  "1"/"0" for "this clause answers it"/"it does not") from one forward pass
  (``generation.Scorer``); it writes no text. Its prompts start with the same cached
  instructions as the answer prompt, so only the new part is read.
* ``SimilarityJudge`` uses the embedder only (cosine similarity). It cannot tell a paraphrase
  from a contradiction; it is the fallback for model back ends that cannot score (an
  OpenAI-compatible server, transformers) and the baseline in BENCHMARKS.md.
* ``tests.fakes.RuleJudge`` is a fake for unit tests.

This module does not retrieve, write answers or check literals (numbers, e-mail addresses, URLs:
see ``answering.guards``); it only judges meaning.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

import prompts
from generation.base import Message, Scorer

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Judgement:
    """How one clause bears on one answer sentence: probabilities that the clause says the
    sentence is true (``support``) or false (``contradict``); the rest is "neither"."""

    support: float
    contradict: float = 0.0

    @property
    def verdict(self) -> str:
        neither = 1.0 - self.support - self.contradict
        return max((self.support, "supports"), (self.contradict, "contradicts"), (neither, "neither"))[1]


class Judge(Protocol):
    """Judges meaning. ``check`` may be given ``context``, a conversation in which the clause was
    numbered ``number``; a judge may then refer to the clause by its number and reuse the model's
    cached reading of it, or ignore it (the pipeline does not pass one: see BENCHMARKS.md)."""

    name: str

    def relevance(self, question: str, clauses: Sequence[str]) -> list[float]:
        """For each clause on its own, how likely it is to answer the question (0..1). The
        pipeline asks the same of each answer sentence: a true sentence can still miss the question."""
        ...

    def check(self, sentence: str, clause: str, question: str, *, context: Sequence[Message] = (),
              number: int | None = None) -> Judgement:
        """Whether ``clause`` (numbered ``number`` in ``context``, if given) supports ``sentence``,
        an answer to ``question``."""
        ...


def pick_turn(policy: str, clauses: Sequence[str], question: str) -> Message:
    """The user turn that shows the question and the numbered clauses and asks which clause
    answers it. The answer prompt starts with the same kind of turn."""
    lines = "\n".join(f"[{n}] {c}" for n, c in enumerate(clauses, 1))
    return {"role": "user", "content": prompts.render("pick", policy=policy, evidence=lines, question=question)}


def relevance_turn(question: str, clause: str, policy: str = "company's") -> Message:
    """The user turn that asks whether one clause answers the question."""
    return {"role": "user", "content": prompts.render("relevance", question=question, policy=policy, clause=clause)}


class ModelJudge:
    """The local model as judge, through next-token probabilities."""

    def __init__(self, scorer: Scorer, preamble: Callable[[], list[Message]]) -> None:
        self.scorer = scorer
        self.preamble = preamble  # the cached start of every prompt (answering.pipeline.preamble)
        self.name = f"model judge ({getattr(scorer, 'name', 'scorer')})"

    def relevance(self, question: str, clauses: Sequence[str]) -> list[float]:
        # One clause at a time: shown a list, the model spreads its answer over the clauses and
        # rarely says "none" (BENCHMARKS.md). The question and the instruction come before the
        # clause, so after the first clause only the next clause itself is read; and the
        # instruction says a "no" answers too (asked "which clause answers?", the model passed
        # over "We do not respond to Do Not Track signals" for "Do they honor Do Not Track?").
        out = []
        for clause in clauses:
            turn = relevance_turn(question, clause)
            none, this = self.scorer.choice_probs(self.preamble() + [turn], ["0", "1"])
            out.append(this / ((none + this) or 1.0))
        return out

    def check(self, sentence: str, clause: str, question: str, *, context: Sequence[Message] = (),
              number: int | None = None) -> Judgement:
        # The template may use {question}; the committed one does not: shown the question too,
        # the model accepted more contradicted statements (BENCHMARKS.md). So an answer with no
        # content of its own ("Yes, they do.") can pass: a known gap.
        if context and number is not None:
            turn = prompts.render("check_numbered", number=str(number), sentence=sentence)
            messages = list(context) + [{"role": "user", "content": turn}]
        else:
            turn = prompts.render("check", clause=clause, sentence=sentence, question=question)
            # The instructions only, not the worked example: with it, the model judged "They are
            # registered in a country" true of any clause, because the example's clause says so
            # (and the answer prompt sometimes echoes it). The instructions are still cached.
            messages = self.preamble()[:1] + [{"role": "user", "content": turn}]
        yes, no = self.scorer.choice_probs(messages, ["yes", "no"])
        support = yes / ((yes + no) or 1.0)
        return Judgement(support, 1.0 - support)


class SimilarityJudge:
    """Embedding similarity only: blind to "not", so it never reports a contradiction."""

    name = "similarity judge (MiniLM)"

    def __init__(self, encode: Encode) -> None:
        self.encode = encode

    def relevance(self, question: str, clauses: Sequence[str]) -> list[float]:
        if not clauses:
            return []
        v = self.encode([question, *clauses])
        return [float(s) for s in np.clip(v[1:] @ v[0], 0.0, 1.0)]

    def check(self, sentence: str, clause: str, question: str, *, context: Sequence[Message] = (),
              number: int | None = None) -> Judgement:
        v = self.encode([sentence, clause])
        return Judgement(float(np.clip(v[0] @ v[1], 0.0, 1.0)))


def make_judge(generator: object, preamble: Callable[[], list[Message]], encode: Encode) -> Judge:
    """A ModelJudge when the back end can score, else a SimilarityJudge."""
    if isinstance(generator, Scorer):
        return ModelJudge(generator, preamble)
    return SimilarityJudge(encode)
