"""Question in, checked plain-language answer out, streamed sentence by sentence.

retrieve → pick evidence sentences → abstain if the evidence is weak → prompt the model with
numbered evidence (from ``prompts/``) → check every sentence the model writes before it is
shown: attribute it to the evidence that supports it (this makes the citations; model-written
``[n]`` markers are validated, not trusted), remove or reject contact details and numbers the
evidence does not contain, reject flipped negations, and reject sentences about a topic the
policy never mentions. A long clause the model starts to copy word for word is cut short and
only its copied sentences are reworded by a second call. If nothing survives, fall back to
quoting the best clause, which cannot be wrong.

This module does not load models or indexes (see ``answering.runtime``) and draws no UI.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Generator as Gen, Iterator

import numpy as np

import prompts
from answering import guards
from answering.evidence import select_evidence
from answering.readability import word_count
from answering.types import Answer, Citation, Evidence
from generation.base import Generator
from retrieval.search import Searcher
from retrieval.sentences import split_sentences

log = logging.getLogger(__name__)

MAX_SENTENCES = 3
MAX_WORDS = 90
CO_CITE_MARGIN = 0.05
LONG_SENTENCE_WORDS = 18
COPIED = 0.6  # share of a sentence's word triples found in a clause that makes it a copy
COPIED_PART = 0.3  # share of a clause sentence's word triples in a copy that makes it part of the copy
_YES_NO = re.compile(r"^\s*(do|does|did|is|are|was|were|can|could|will|would|should|may|might|has|have|had)\b", re.I)
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*\s+(?=[^\s\[])|\n+")
_NOT_STATED = re.compile(
    r"\b(?:do(?:es)?n[o']?t|do(?:es)? not)\s+(?:say|mention|specify|state|address|cover|tell)\b|"
    r"\bnot (?:mentioned|specified|stated|addressed|covered)\b|\bno (?:information|mention)\b", re.I)
_LEADS = re.compile(r"^(?:according to (?:the )?(?:clauses?|policy)[^,]*,\s*|the clauses? (?:say|says|state|states) (?:that )?)", re.I)


@dataclass(frozen=True)
class AnswerSettings:
    top_k: int = 20
    evidence: int = 3
    max_tokens: int = 120
    abstain_below: float = 0.3
    min_support: float = 0.45


class AnswerStream:
    """Iterate for the answer's text pieces; afterwards ``.answer`` holds the checked Answer."""

    def __init__(self, run: Gen[str, None, Answer]) -> None:
        self._run = run
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._run)
        except StopIteration as stop:
            self.answer = stop.value
            raise

    def finish(self) -> Answer:
        for _ in self:
            pass
        assert self.answer is not None
        return self.answer


class Pipeline:
    def __init__(self, searcher: Searcher, generator: Generator, settings: AnswerSettings = AnswerSettings()) -> None:
        self.searcher = searcher
        self.generator = generator
        self.settings = settings
        self._policy_stems: dict[str, set[str]] = {}

    @property
    def policies(self):
        return self.searcher.index.policies

    def ask(self, question: str, policy_id: str | None = None) -> AnswerStream:
        return AnswerStream(self._run(question.strip(), policy_id))

    def scope(self, question: str, policy_id: str | None) -> str | None:
        """The policy to search: the company the question names ("Does Picroma ..."), else the
        one chosen, else all."""
        return self.searcher.policy_named_in(question) or policy_id

    def warm_up(self) -> None:
        """Have the model read the fixed start of every prompt (instructions and worked example)
        once; llama.cpp keeps it and reuses it for later prompts that start the same way."""
        for _ in self.generator.stream(self._preamble() + [{"role": "user", "content": "Hello"}], max_tokens=1):
            pass

    def _preamble(self) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": prompts.template("system")},
            {"role": "user", "content": prompts.template("example_user")},
            {"role": "assistant", "content": prompts.template("example_answer")},
        ]

    def _run(self, question: str, policy_id: str | None) -> Gen[str, None, Answer]:
        scope = self.scope(question, policy_id)
        if not question:
            return Answer("Please type a question about a privacy policy.", abstained=True, policy_id=scope)
        hits = self.searcher.search(question, policy_id=scope, k=self.settings.top_k)
        evidence, relevance, vectors = select_evidence(question, hits, self.policies, self.settings.evidence,
                                              self.searcher.embedder.encode)
        if not evidence or float(relevance.max()) < self.settings.abstain_below:
            return (yield from self._abstain(scope, evidence, f"weak evidence ({relevance.max(initial=0):.2f})"))

        never = guards.unmentioned(question, self._stems({e.policy_id for e in evidence}))
        checker = _Checker(evidence, vectors, self.searcher.embedder, self.settings.min_support, never)
        shown: list[str] = []
        copy: int | None = None  # evidence the model started to copy out word for word
        copied = ""
        reply = self.generator.stream(self.messages(question, evidence, scope), max_tokens=self.settings.max_tokens, stop=["\n\n"])
        try:
            for sentence, complete in _sentences(reply, watch_after=LONG_SENTENCE_WORDS):
                # A long copied clause is not plain language: stop the reply as soon as the copy is
                # plain to see and ask for a rewording of that clause instead (after the reply is
                # closed: one model, one reply at a time).
                if word_count(sentence) > LONG_SENTENCE_WORDS and (copy := checker.copied_from(sentence)) is not None:
                    copied = sentence
                    break
                if not complete:
                    continue
                if _NOT_STATED.search(sentence) and not shown:
                    return (yield from self._abstain(scope, evidence, "the model found no answer in the clauses"))
                checked = checker.check(sentence)
                if checked is None:
                    continue
                if not _fits(shown, checked):
                    break
                yield (" " if shown else "") + checked
                shown.append(checked)
        finally:
            _close(reply)
        if copy is not None:
            checker.notes.append(f"rewording copied clause {copy + 1}")
            text = self._reword(checker, copy, evidence, _copied_part(evidence[copy].context, copied)) or checker.fallback(copy)
            if _fits(shown, text):
                yield (" " if shown else "") + text
                shown.append(text)
        if not shown and not checker.wrong:
            return (yield from self._abstain(scope, evidence, "no sentence of the reply was supported", checker.notes))
        if not shown:
            # The model was on topic but got it wrong (flipped a "not", invented a detail):
            # ask it to reword only the best clause, check that too, and quote the clause if it fails.
            best = checker.wrong[0]
            shown.append(self._reword(checker, best, evidence, evidence[best].context) or checker.fallback(best))
            yield shown[-1]
        return Answer(" ".join(shown), tuple(checker.citations(self.policies)), False, scope, tuple(checker.notes))

    def _stems(self, policy_ids: set[str]) -> set[str]:
        """Content-word stems used anywhere in these policies (cached per policy)."""
        for pid in policy_ids - self._policy_stems.keys():
            self._policy_stems[pid] = guards.content_stems(self.policies[pid].text)
        return set().union(*(self._policy_stems[pid] for pid in policy_ids))

    def _reword(self, checker: "_Checker", idx: int, evidence: list[Evidence], clause: str) -> str | None:
        """Ask the model to put ``clause`` (evidence ``idx``, or the part of it the model copied)
        in plain words; the result is checked like any answer, against that evidence only."""
        e = evidence[idx]
        # After the same preamble as every question, so llama.cpp keeps it cached for the next one.
        messages = self._preamble() + [{"role": "user", "content": prompts.render(
            "rewrite", policy=self.policies[e.policy_id].name, clause=_one_line(clause))}]
        done = []
        reply = self.generator.stream(messages, max_tokens=60, stop=["\n\n"])
        try:
            for sentence, _ in _sentences(reply):
                checked = checker.check(sentence, only=idx)
                if checked and len(done) < 2:
                    done.append(checked)
        finally:
            _close(reply)
        return " ".join(done) or None

    def messages(self, question: str, evidence: list[Evidence], scope: str | None) -> list[dict[str, str]]:
        multi = len({e.policy_id for e in evidence}) > 1
        lines = [f"[{n}] " + (f"({self.policies[e.policy_id].name}) " if multi else "") + _one_line(e.context)
                 for n, e in enumerate(evidence, 1)]
        name = self.policies[scope].name if scope else (self.policies[evidence[0].policy_id].name if not multi else "these")
        user = prompts.render("user", policy=name, evidence="\n".join(lines), question=reframe(question))
        return self._preamble() + [{"role": "user", "content": user}]

    def _abstain_text(self, scope: str | None) -> str:
        name = f"The {self.policies[scope].name} policy" if scope else "The policy"
        return f"{name} doesn't say. Here are the closest parts of the policy, so you can check for yourself."

    def _abstain(self, scope: str | None, evidence: list[Evidence], why: str,
                 notes: list[str] = ()) -> Gen[str, None, Answer]:
        log.info("abstaining: %s %s", why, list(notes))
        text = self._abstain_text(scope)
        yield text
        cites = tuple(_citation(n, e, self.policies, "") for n, e in enumerate(evidence, 1))
        return Answer(text, cites, True, scope, (*notes, why))


class _Checker:
    """Checks model sentences against the evidence and numbers the citations in order of use."""

    def __init__(self, evidence: list[Evidence], vectors: np.ndarray, embedder, min_support: float,
                 never: set[str] = frozenset()) -> None:
        self.evidence = evidence
        self.never = never  # stems of question topics the policy never mentions
        self.vectors = vectors
        self.embedder = embedder
        self.min_support = min_support
        self.numbers: dict[int, int] = {}  # evidence index -> citation number
        self.supports: dict[int, str] = {}
        self.wrong: list[int] = []  # evidence the model contradicted or embellished
        self.notes: list[str] = []

    def check(self, raw: str, only: int | None = None) -> str | None:
        """The sentence, cleaned and with its citation marker, or None if it must not be shown."""
        markers = [int(n) for group in _MARKER.findall(raw) for n in re.split(r"\s*,\s*", group)]
        sentence = _LEADS.sub("", _MARKER.sub("", raw)).strip()
        sentence = sentence[:1].upper() + sentence[1:]
        if word_count(sentence) < 3:
            return None
        bad = [m for m in markers if not 1 <= m <= len(self.evidence)]
        if bad:
            self.notes.append(f"dropped out-of-range marker(s) {bad}")
        idx, support, also, scores = self._attribute(sentence, [m - 1 for m in markers if m not in bad], only)
        if support < self.min_support:
            self.notes.append(f"rejected unsupported sentence ({support:.2f}): {sentence!r}")
            return None
        if missing := guards.mentions(sentence, self.never):
            self.notes.append(f"rejected sentence about {missing}, which the policy never mentions: {sentence!r}")
            return None
        agreeing = self._agreeing(sentence, idx, scores, only)
        if agreeing is None:
            self.notes.append(f"rejected flipped negation: {sentence!r}")
            self.wrong.append(idx)
            return None
        if agreeing != idx:
            self.notes.append(f"cited clause {agreeing + 1}, which says the same, not clause {idx + 1}, which does not")
            idx, also = agreeing, []
        ev = self.evidence[idx].context
        if guards.unsupported_tokens(sentence, [ev]):
            stripped = guards.strip_unsupported(sentence, [ev])
            if stripped is None:
                self.notes.append(f"rejected invented details: {sentence!r}")
                self.wrong.append(idx)
                return None
            self.notes.append(f"removed invented details from {sentence!r}")
            sentence = stripped
        numbers = []
        for i in [idx] + [j for j in also if j != idx]:
            numbers.append(self.numbers.setdefault(i, len(self.numbers) + 1))
            self.supports.setdefault(i, sentence)
        body = sentence.rstrip()
        end = "" if body[-1:] in ".!?" else "."
        return f"{body}{end} " + "".join(f"[{n}]" for n in numbers)

    def copied_from(self, sentence: str) -> int | None:
        """The evidence this (possibly unfinished) sentence copies word for word, if any."""
        shares = [guards.copied_share(_MARKER.sub("", sentence), e.context) for e in self.evidence]
        best = max(range(len(shares)), key=shares.__getitem__)
        return best if shares[best] >= COPIED else None

    def fallback(self, idx: int) -> str:
        self.notes.append("fell back to quoting the clause")
        number = self.numbers.setdefault(idx, len(self.numbers) + 1)
        text = guards.plain_rewording(self.evidence[idx].text)
        self.supports.setdefault(idx, text)
        return f"{text} [{number}]"

    def citations(self, policies) -> list[Citation]:
        order = sorted(self.numbers, key=self.numbers.get)
        return [_citation(self.numbers[i], self.evidence[i], policies, self.supports.get(i, "")) for i in order]

    def _agreeing(self, sentence: str, best: int, scores: list[float], only: int | None) -> int | None:
        """``best`` if the sentence keeps its negations; else another supporting clause that
        denies the same thing ("will not provide, sell, rent" for "They do not sell"), since a
        verb can be denied in one clause and not in the next; None if there is none."""
        if not guards.negation_flipped(sentence, self.evidence[best].context):
            return best
        others = sorted((i for i in range(len(self.evidence)) if i != best and only in (None, i)
                         and scores[i] >= self.min_support), key=lambda i: -scores[i])
        return next((i for i in others if guards.same_denial(sentence, self.evidence[i].context)), None)

    def _attribute(self, sentence: str, hinted: list[int], only: int | None) -> tuple[int, float, list[int], list[float]]:
        """The evidence that best supports the sentence (mean of word overlap and MiniLM cosine),
        its support, and any other evidence that supports it nearly as well (cited too, since a
        sentence may join two clauses). A model-written marker only breaks near-ties; it is never
        taken on trust."""
        cos = self.vectors @ self.embedder.encode([sentence])[0]
        support = [0.5 * guards.support_score(sentence, e.context) + 0.5 * float(cos[i]) for i, e in enumerate(self.evidence)]
        allowed = [only] if only is not None else list(range(len(self.evidence)))
        best = max(allowed, key=lambda i: support[i] + (0.03 if i in hinted else 0.0))
        floor = max(self.min_support, support[best] - CO_CITE_MARGIN)
        also = [i for i in allowed if i != best and support[i] >= floor]
        return best, support[best], also, support


def reframe(question: str) -> str:
    """Yes/no questions become neutral ("What do the clauses say about this: does X sell ...?"),
    because the model tends to answer "Yes" to a direct question whatever the clause says."""
    if _YES_NO.match(question):
        return prompts.render("reframe_yes_no", question=question[:1].lower() + question[1:])
    return prompts.render("reframe_open", question=question)


def _sentences(pieces: Iterator[str], watch_after: int | None = None) -> Iterator[tuple[str, bool]]:
    """``(sentence, True)`` for each complete sentence of a token stream, as soon as it ends;
    with ``watch_after``, also ``(unfinished sentence, False)`` after each piece once the
    unfinished sentence is longer than that many words."""
    buf = ""
    for piece in pieces:
        buf += piece
        while (m := _SENTENCE_END.search(buf)):
            head, buf = buf[:m.end()].strip(), buf[m.end():]
            if head:
                yield head, True
        if watch_after is not None and word_count(buf) > watch_after:
            yield buf.strip(), False
    if buf.strip():
        yield buf.strip(), True


def _copied_part(clause: str, copy: str) -> str:
    """The sentences of ``clause`` that ``copy`` (perhaps unfinished) reproduces: what to reword,
    without the clause's other sentences, which may not bear on the question."""
    parts = [clause[a:b] for a, b in split_sentences(clause)]
    taken = [p for p in parts if guards.copied_share(p, copy) >= COPIED_PART]
    return " ".join(taken) or clause


def _fits(shown: list[str], sentence: str) -> bool:
    return len(shown) < MAX_SENTENCES and word_count(" ".join(shown + [sentence])) <= MAX_WORDS


def _close(stream: Iterator[str]) -> None:
    """End a model stream early, so a back end that serves one reply at a time is free again."""
    close = getattr(stream, "close", None)
    if close:
        close()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _citation(number: int, e: Evidence, policies, answer_sentence: str) -> Citation:
    return Citation(number, e.policy_id, policies[e.policy_id].name, e.section, e.start, e.end, e.text,
                    e.clause_start, e.clause_end, answer_sentence)
