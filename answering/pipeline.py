"""Question in, checked plain-language answer out, streamed sentence by sentence.

retrieve (with the company's name left out of the query) → pick evidence sentences → abstain
if none is even close → ask the meaning check (``answering.judge``) how likely each clause is to
answer the question, and combine that with cheaper signals (``answering.relevance``) → abstain
if none is likely to → ask for a plain answer from the best one →
check every sentence before it is shown: literals (e-mail addresses, URLs, phone numbers, other
numbers) must be in the clause, an answer to a question that asks when must give a date, and the
meaning check must find that the clause supports the sentence and that the sentence answers the
question. The sentence is cited to each clause the model was shown that supports it (one or two,
always of one policy), so it never mixes companies. Each sentence is checked as soon as the model
has written it and shown once one clause supports it, while the model waits to write the next
(``Reply``); the other clause is asked after that, and its citation follows. A clause the model copies out is reworded by a
second call; if nothing survives, the clause is quoted, which cannot be wrong (a long one in part,
so the answer stays within ``MAX_WORDS``: ``evidence.quote_part``; a list item after the sentence
that introduces its list: ``evidence.lead_sentence``), unless the combined score that
some clause answers is below ``min_quote_relevance``, or the question asks when and the part to
quote gives no date: then the policy doesn't say. With no policy chosen and several in the index,
each company the search finds gets a line of its own, answered from its policy alone.

This module does not load models or indexes (see ``answering.runtime``) and draws no UI.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import Generator as Gen, Iterable, Iterator, Sequence

import prompts
from answering import guards
from answering.evidence import asks_for_date, lacks_asked_date, lead_sentence, quote_part, select_evidence, states_date
from answering.judge import Judge, make_judge, pick_turn
from answering.readability import word_count
from answering.relevance import Relevance, RelevanceModel
from answering.types import Answer, Citation, Evidence
from generation.base import Generator, Message
from plainpolicy.settings import Settings
from retrieval.search import Searcher
from retrieval.sentences import split_sentences

log = logging.getLogger(__name__)

MAX_SENTENCES = 2
MAX_COMPANIES = 5  # an "All policies" answer has a line for at most this many companies
MAX_WORDS = 60
QUOTE_WORDS = MAX_WORDS - word_count(guards.QUOTE_LEAD)  # the words a quoted clause may have
QUOTE_LEAD_IN_WORDS = QUOTE_WORDS // 2  # at most this many of them the sentence that introduces a quoted list item
MAX_QUESTION_CHARS = 500  # the chat box allows this many; a longer question is refused with a message
LONG_SENTENCE_WORDS = 18
COPIED = 0.6  # share of a sentence's word triples found in a clause that makes it a copy
COPIED_PART = 0.3  # share of a clause sentence's word triples in a copy that makes it part of the copy
_NUMBERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # a citation mark, "[1]" or "[1, 2]"
_MARKER = re.compile(r"\s*" + _NUMBERS.pattern)  # ... with the space before it
_SENTENCE_END = re.compile(r"[.!?](?:" + _MARKER.pattern + r")*\s+(?=[^\s\[])|\n+")  # a sentence end, after its citation marks
_LEADS = re.compile(r"^(?:according to (?:the )?(?:clauses?|policy)[^,]*,\s*|(?:the )?clauses? \[?\d*\]? ?(?:say|says|state|states) (?:that )?)", re.I)


def preamble() -> list[Message]:
    """The fixed start of every prompt, answer or judgement: instructions and a worked example.
    llama.cpp reads it once and reuses it for every later prompt that starts the same way."""
    return [
        {"role": "system", "content": prompts.template("system")},
        {"role": "user", "content": prompts.template("example_user")},
        {"role": "assistant", "content": prompts.template("example_pick")},
        {"role": "user", "content": prompts.template("example_ask")},
        {"role": "assistant", "content": prompts.template("example_answer")},
    ]


def warm_up(generator: Generator) -> None:
    """Have ``generator`` read the fixed start of every prompt (``preamble``), writing one token."""
    for _ in generator.stream(preamble() + [{"role": "user", "content": "Hello"}], max_tokens=1):
        pass


@dataclass(frozen=True)
class Ranked:
    """The evidence for a question, its clauses as the model reads them, and how likely each is
    to answer (``relevance`` is None when no sentence was close enough to ask the model)."""

    evidence: tuple[Evidence, ...]
    clauses: tuple[str, ...]
    relevance: Relevance | None
    notes: tuple[str, ...]

    def chosen(self, co_relevance: float) -> list[int]:
        """The clause scored best, and a second of the same policy scored nearly as well (the
        judge often cannot tell which of two holds the answer), best first."""
        if self.relevance is None:
            return []
        return top_clauses(self.relevance.clauses, [e.policy_id for e in self.evidence], co_relevance)


def top_clauses(scores: Sequence[float], policy_ids: Sequence[str], co_relevance: float) -> list[int]:
    """The index of the best score, and of a second one of the same policy at least
    ``co_relevance`` times as high, best first (``Ranked.chosen``)."""
    best = max(range(len(scores)), key=scores.__getitem__)
    return [i for i in sorted(range(len(scores)), key=lambda i: -scores[i])
            if scores[i] >= co_relevance * scores[best] and policy_ids[i] == policy_ids[best]][:2]


@dataclass(frozen=True)
class Checked:
    """An answer sentence that passed the checks: as the meaning check read it (``judged``), the
    clauses that support it (``used``), and the other clauses shown to the model, not asked yet
    (``unasked``: asked once the sentence is on screen, for more citations)."""

    judged: str
    used: tuple[int, ...]
    unasked: tuple[tuple[int, Evidence], ...] = ()

    @property
    def text(self) -> str:
        """As shown: a reply cut off after a comma ("… that they collect,") ends in a full stop."""
        shown = self.judged.rstrip(",;: ")
        return shown if shown[-1:] in ".!?" else shown + "."


class QuestionError(ValueError):
    """A question that cannot be asked as it is; the message says what to do."""


def check_question(question: str) -> str:
    """The question with its spacing tidied, or ``QuestionError`` if it is empty or too long."""
    tidy = " ".join(question.split())
    if not tidy:
        raise QuestionError("Please type a question.")
    if len(tidy) > MAX_QUESTION_CHARS:
        raise QuestionError(f"Please ask a shorter question (at most {MAX_QUESTION_CHARS} characters; "
                            f"this one has {len(tidy):,}).")
    return tidy


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
    def __init__(self, searcher: Searcher, generator: Generator, settings: Settings | None = None,
                 judge: Judge | None = None, relevance: RelevanceModel | None = None) -> None:
        self.searcher = searcher
        self.generator = generator
        self.settings = settings or Settings()
        self.judge = judge or make_judge(generator, preamble, searcher.embedder.encode)
        self.relevance = relevance or RelevanceModel.load()

    @property
    def policies(self):
        return self.searcher.index.policies

    def ask(self, question: str, policy_id: str | None = None, *, ranked: Ranked | None = None,
            max_sentences: int = MAX_SENTENCES) -> AnswerStream:
        """Answer ``question``; ``ranked``, if given, is ``rank``'s result for it, made earlier.
        An empty or over-long question raises ``QuestionError`` with a message for the person."""
        return AnswerStream(self._run(check_question(question), policy_id, ranked, max_sentences))

    def scope(self, question: str, policy_id: str | None) -> str | None:
        """The policy to search: the company the question names ("Does Picroma ..."), else the
        one chosen, else all."""
        return self.searcher.policy_named_in(question) or policy_id

    def warm_up(self) -> None:
        """Have the model read the fixed start of every prompt once (see ``preamble``)."""
        warm_up(self.generator)

    def rank(self, question: str, scope: str | None) -> Ranked:
        """The evidence sentences for ``question`` in ``scope`` (a policy id; None only when the
        index holds one policy: ``_run`` answers each company on its own), each rated by the meaning check and the combined relevance score (not rated, and
        ``relevance`` None, if no sentence is even close: ``abstain_below``)."""
        s = self.settings
        query = self.searcher.without_name(question, scope)
        hits = self.searcher.search(query, policy_id=scope, k=s.answer_hits)
        evidence, similarity = select_evidence(query, hits, self.policies, s.evidence_sentences,
                                                  self.searcher.embedder.encode)
        # A dated line is evidence for a question that asks when by its date, not by its words;
        # a policy with no dated line cannot say when, so its evidence goes through the gate.
        dated = asks_for_date(question) and any(states_date(e.text) for e in evidence)
        if not evidence or (float(similarity.max()) < s.abstain_below and not dated):
            return Ranked(tuple(evidence), (), None, (f"weak evidence ({similarity.max(initial=0):.2f})",))
        plain = [_one_line(e.context) for e in evidence]
        clauses = tuple(plain)
        judged = self.judge.relevance(question, clauses)
        first = max(range(len(evidence)), key=judged.__getitem__)
        rel = self.relevance.score(query, plain, judged, similarity, self.policies[evidence[first].policy_id].text)
        notes = (f"relevance {[round(r, 2) for r in judged]}",
                 f"combined {[round(r, 3) for r in rel.clauses]} answerable {rel.answerable:.3f}")
        return Ranked(tuple(evidence), clauses, rel, notes)

    def _run(self, question: str, policy_id: str | None, ranked: Ranked | None = None,
             max_sentences: int = MAX_SENTENCES) -> Gen[str, None, Answer]:
        s = self.settings
        scope = self.scope(question, policy_id)
        if not question:
            return Answer("Please type a question about a privacy policy.", abstained=True, policy_id=scope)
        if scope is None and len(self.policies) > 1:
            return (yield from self._each_company(question))
        ranked = ranked or self.rank(question, scope)
        evidence, clauses, rel = list(ranked.evidence), ranked.clauses, ranked.relevance
        notes = list(ranked.notes)
        if rel is None:
            return (yield from self._abstain(scope, evidence, notes[-1]))
        if rel.answerable < s.min_relevance:
            return (yield from self._abstain(scope, evidence, "no clause answers the question", notes))
        chosen = ranked.chosen(s.co_relevance)
        best = chosen[0]
        order = sorted(chosen)  # shown in document order, numbered 1 and 2
        name = self.policies[evidence[best].policy_id].name
        # A continuation of the judging prompt of the best clause would be read faster, but the
        # model then answers the judging question ("No, the clause does not answer it"): quoted
        # fallbacks rose from 11 to 61 of 150 answers (BENCHMARKS.md).
        chat = preamble() + [pick_turn(name, [clauses[i] for i in order], question),
                             {"role": "assistant", "content": str(order.index(best) + 1)},
                             {"role": "user", "content": prompts.render("ask", number=" and ".join(f"[{n}]" for n in range(1, len(order) + 1)))}]
        # Fewer tokens when fewer sentences are wanted (a summary line), but room for a long one.
        # Each sentence is checked and shown as soon as it is written, while the rest waits.
        reply = Reply(self.generator.stream(chat, max_tokens=s.max_tokens if max_sentences >= MAX_SENTENCES else min(s.max_tokens, 48),
                                            stop=["\n\n"]))
        shown: list[str] = []
        cited: dict[int, int] = {}  # evidence index -> citation number, in order of use
        supports: dict[int, str] = {}
        with contextlib.closing(reply):
            for raw in reply:
                copied = next((i for i in chosen if _copies(raw, evidence[i].context)), None)
                if copied is not None:
                    notes.append(f"rewording copied clause {copied + 1}")
                    reply.finish()  # the model writes the rest of this reply before it rewords
                    checked = self._reword(evidence[copied], copied, _copied_part(evidence[copied].context, raw), question, notes)
                else:
                    checked = self._check(raw, [(i, evidence[i]) for i in chosen], question, notes)
                if checked is None or word_count(" ".join(shown + [checked.text])) > MAX_WORDS:
                    continue
                sentence = checked.text
                marks = "".join(f"[{cited.setdefault(i, len(cited) + 1)}]" for i in checked.used)
                for i in checked.used:
                    supports.setdefault(i, sentence)
                yield (" " if shown else "") + f"{sentence} {marks}"
                shown.append(f"{sentence} {marks}")
                # The other clause shown to the model, asked after the sentence is on screen: a
                # citation to it, if it supports the sentence too, follows the first one.
                for i, e in checked.unasked:
                    if self._supports(checked.judged, e, i, question, notes):
                        mark = f"[{cited.setdefault(i, len(cited) + 1)}]"
                        supports.setdefault(i, sentence)
                        yield mark
                        shown[-1] += mark
                if len(shown) == max_sentences:
                    break
        if not shown and rel.answerable < s.min_quote_relevance:
            # The model's reading of the best clause failed the checks, and the clause was not
            # likely to answer in the first place: of 6 such quotes on the ToS;DR dev file, 5 were
            # beside the point of a question the policy cannot answer (BENCHMARKS.md, twentieth session).
            why = f"no sentence of the reply passed the checks, and no clause is likely enough to answer to quote it ({rel.answerable:.3f})"
            return (yield from self._abstain(scope, evidence, why, notes))
        if not shown:
            text = self.policies[evidence[best].policy_id].text
            intro = lead_sentence(evidence[best], text, QUOTE_LEAD_IN_WORDS)  # a list item is quoted after its lead-in
            part, cut = quote_part(evidence[best], text, QUOTE_WORDS - word_count(intro), question,
                                   self.searcher.embedder.encode)
            if lacks_asked_date(question, part.text):
                # "will update this policy from time to time" is no answer to "when?", quoted or
                # not; nor is a long dated sentence whose date falls in the part left out.
                return (yield from self._abstain(scope, evidence, "the question asks when, and the clause (or the part of it to quote) gives no date", notes))
            notes.append("no sentence of the reply was supported: quoting the clause")
            evidence[best] = part
            quote = guards.plain_rewording(evidence[best].text, cut, intro)
            shown.append(f"{quote} [1]")
            cited, supports = {best: 1}, {best: shown[0]}
            yield shown[0]
        cites = tuple(_citation(n, evidence[i], self.policies, supports[i]) for i, n in cited.items())
        return Answer(" ".join(shown), cites, False, scope, tuple(notes))

    def _each_company(self, question: str) -> Gen[str, None, Answer]:
        """"All policies": a line per company whose policy the search finds (at most
        ``MAX_COMPANIES``, best first), each answered from that policy alone and named, streamed
        as each is ready; so no sentence ever mixes companies. Citations are numbered across lines."""
        hits = self.searcher.search(question, policy_id=None, k=self.settings.answer_hits)
        companies = list(dict.fromkeys(h.chunk.policy_id for h in hits))[:MAX_COMPANIES]
        text, cites, closest, notes = "", [], [], []
        for pid in companies:
            name, offset = self.policies[pid].name, len(cites)
            head = ("\n\n" if text else "") + f"{name}: "
            stream = AnswerStream(self._run(question, pid))
            for piece in stream:
                if piece == self._abstain_text(pid):
                    piece = "the policy doesn't say."
                piece = renumber(piece, offset)
                yield head + piece
                text, head = text + head + piece, ""
            answer = stream.answer
            notes += [f"{name}: {n}" for n in answer.notes]
            if answer.abstained:
                closest += answer.citations[:1]
            else:
                cites += [dataclasses.replace(c, number=c.number + offset) for c in answer.citations]
        if not cites:  # no company's policy answers: show the closest clause of each
            closest = [dataclasses.replace(c, number=n) for n, c in enumerate(closest, 1)]
            return Answer(text, tuple(closest), True, None, tuple(notes))
        return Answer(text, tuple(cites), False, None, tuple(notes))

    def _check(self, raw: str, candidates: list[tuple[int, Evidence]], question: str,
               notes: list[str]) -> Checked | None:
        """The sentence, cleaned, with the candidate clauses that support it, or None if it cannot
        be shown. Candidates are asked in order until those that support the sentence hold all
        its literals, so that it can be shown; the rest are asked after (``Checked.unasked``)."""
        # Markdown the model copied from a clause ("[https://…](https://…)") is shown as plain text.
        sentence = guards.plain_markup(_LEADS.sub("", _MARKER.sub("", raw)))
        sentence = sentence[:1].upper() + sentence[1:]
        if word_count(sentence) < 3:
            return None
        if lacks_asked_date(question, sentence):
            notes.append(f"no date in the answer to a question that asks when: {sentence!r}")
            return None
        texts = [e.context for _, e in candidates]
        if guards.unsupported_tokens(sentence, texts):
            stripped = guards.strip_unsupported(sentence, texts)
            if stripped is None:
                notes.append(f"rejected invented details: {sentence!r}")
                return None
            notes.append(f"removed invented details from {sentence!r}")
            sentence = stripped
        used: list[int] = []
        unasked = list(candidates)
        while unasked:  # each clause shown (at most two), best first
            i, e = unasked.pop(0)
            if self._supports(sentence, e, i, question, notes):
                used.append(i)
                if not guards.unsupported_tokens(sentence, [c.context for j, c in candidates if j in used]):
                    break  # enough to show it
        if not used or guards.unsupported_tokens(sentence, [e.context for i, e in candidates if i in used]):
            return None
        # True of its clause is not enough: "They will share your data if you ask them to" is
        # true, and beside the point of "Do they sell my data?". The same rating that picks the
        # clause (does it give the answer, yes or no?) is asked of the sentence; its prompt
        # shares the question and the request with the clause ratings, so only the sentence is read.
        answers = self.judge.relevance(question, [sentence])[0] if self.settings.min_answers > 0 else 1.0
        if answers < self.settings.min_answers:
            notes.append(f"does not answer the question ({answers:.2f}): {sentence!r}")
            return None
        notes.append(f"answers the question ({answers:.2f}): {sentence!r}")
        return Checked(sentence, tuple(used), tuple(unasked))

    def _supports(self, sentence: str, e: Evidence, i: int, question: str, notes: list[str]) -> bool:
        """Whether clause ``i`` supports the sentence, asked of the meaning check on its own: not in
        the conversation that wrote the sentence, where the model agrees with itself (it accepted
        every contradicted pair in BENCHMARKS.md)."""
        judgement = self.judge.check(sentence, e.context, question)
        if judgement.support < self.settings.min_support:
            notes.append(f"clause {i + 1} {judgement.verdict} (support {judgement.support:.2f}): {sentence!r}")
        return judgement.support >= self.settings.min_support

    def _reword(self, e: Evidence, idx: int, clause: str, question: str, notes: list[str]) -> Checked | None:
        """Ask the model to put ``clause`` (of evidence ``idx``) in plain words; checked like any answer."""
        messages = preamble() + [{"role": "user", "content": prompts.render(
            "rewrite", policy=self.policies[e.policy_id].name, clause=_one_line(clause))}]
        with contextlib.closing(Reply(self.generator.stream(messages, max_tokens=60, stop=["\n\n"]))) as reply:
            for raw in reply:  # the first sentence only: the model stops when it has been written
                reply.close()
                return self._check(raw, [(idx, e)], question, notes)
        return None

    def _abstain_text(self, scope: str | None) -> str:
        name = f"The {self.policies[scope].name} policy" if scope else "The policy"
        return f"{name} doesn't say. Here are the closest parts of the policy, so you can check for yourself."

    def _abstain(self, scope: str | None, evidence: list[Evidence], why: str,
                 notes: Sequence[str] = ()) -> Gen[str, None, Answer]:
        log.info("abstaining: %s %s", why, list(notes))
        text = self._abstain_text(scope)
        yield text
        cites = tuple(_citation(n, e, self.policies, "") for n, e in enumerate(evidence, 1))
        return Answer(text, cites, True, scope, (*notes, why))


class Reply:
    """The model's reply to one prompt, a sentence at a time, each as soon as the next one begins
    (or the reply ends), while the model waits to write the rest. ``close`` stops the model;
    ``finish`` has it write the rest at once, to be read from here, so that it is free to
    write another reply: the model is used for one reply at a time, and may only be asked to
    score (``generation.Scorer``) while a reply is paused."""

    def __init__(self, stream: Iterator[str]) -> None:
        self._stream = stream
        self._sentences = _sentences(stream)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._sentences)

    def finish(self) -> None:
        self._sentences = iter(list(self._sentences))
        self.close()

    def close(self) -> None:
        _close(self._stream)


def _sentences(pieces: Iterable[str]) -> Iterator[str]:
    """The sentences of a reply given in pieces, each as soon as the text after it begins."""
    buf = ""
    for piece in pieces:
        buf += piece
        while (m := _SENTENCE_END.search(buf)):
            head, buf = buf[:m.end()].strip(), buf[m.end():]
            if head:
                yield head
    if buf.strip():
        yield buf.strip()


def renumber(text: str, offset: int) -> str:
    """``text`` with each citation number raised by ``offset`` ("[1][2]" -> "[4][5]"), its spacing
    as it was, so that a company's line in an "All policies" answer reads like a one-policy answer."""
    return _NUMBERS.sub(lambda m: "[" + ", ".join(str(int(n) + offset) for n in m.group(1).split(",")) + "]", text)


def _copies(sentence: str, clause: str) -> bool:
    """A long sentence that reproduces the clause word for word is not plain language."""
    return word_count(sentence) > LONG_SENTENCE_WORDS and guards.copied_share(_MARKER.sub("", sentence), clause) >= COPIED


def _copied_part(clause: str, copy: str) -> str:
    """The sentences of ``clause`` that ``copy`` reproduces: what to reword."""
    parts = [clause[a:b] for a, b in split_sentences(clause)]
    taken = [p for p in parts if guards.copied_share(p, copy) >= COPIED_PART]
    return " ".join(taken) or clause


def _close(stream: Iterator[str]) -> None:
    """End a model stream early, so a back end that serves one reply at a time is free again."""
    close = getattr(stream, "close", None)
    if close:
        close()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _citation(number: int, e: Evidence, policies, answer_sentence: str) -> Citation:
    return Citation(number, e.policy_id, policies[e.policy_id].name, e.section, e.start, e.end, e.text,
                    e.clause_start, e.clause_end, answer_sentence, e.lead, e.lead_start)
