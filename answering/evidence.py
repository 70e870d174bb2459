"""Pick the policy sentences that bear on a question, from search hits.

Each hit (a short chunk) is widened to the whole sentence it sits in (to its part of a sentence
over ``MAX_EVIDENCE_CHARS``, cut at commas: ``sentence_parts``), and to its clause (line
or paragraph) for display; the sentence right after each of the best few is added too, since
policies often give the reason, condition or list in a sentence of its own (a short one is
joined to the sentence before it: "... will be collected. In order to ship the goods."). The candidates are
then re-scored: half the embedder's similarity of the whole sentence to the question, half the
search score of the hit it came from. The best few are kept in document order. A list item
("c) to courts when the law requires it;") means little alone, so it carries the line that
introduces its list ("We will disclose your data as follows:") as its ``lead``, and that
lead-in is not offered again as a sentence of its own. A hit on a heading ("5. Use of cookies")
is replaced by the first sentence under it. A question that asks for a date ("When was the policy
last updated?") gets the policy's sentences that state a date ("Updated October 4, 2019") as its
evidence, if there are any: a dated line shares almost no words with the question and reads like a
heading, so the search misses it, and a sentence without a date cannot say when. ``quote_part``
picks what of a long evidence sentence to quote, word for word, and ``lead_sentence`` what of a
list item's lead-in to quote with it.
This module does not search, prompt or judge answers.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Callable, Sequence

import numpy as np

from retrieval.sentences import is_list_item, split_sentences, strip_span
from answering.readability import word_count, word_spans
from answering.types import Evidence
from retrieval.chunking import heading_name
from retrieval.types import Hit, Policy

MAX_EVIDENCE_CHARS = 420
SHORT_FOLLOW_UP = 25  # words; a follow-up this short is kept with the sentence before it
FOLLOW_UPS = 10  # the sentence after each of the best this many hits is a candidate too
LEAD_LOOKBACK = 40  # lines; how far above a list item its lead-in ("... as follows:") may be
MAX_DATED = 10  # at most this many dated sentences (the first in the policy) join a date question's candidates

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_YEAR = r"(?:19|20)\d\d"
# "October 4, 2019", "4th of October 2019", "October 2019", "2019-10-04", "04/10/2019"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = re.compile(rf"\b(?:{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}|{_MONTH},?\s+{_YEAR}"
                   rf"|{_YEAR}[-/.]\d\d?[-/.]\d\d?|\d\d?[-/.]\d\d?[-/.]{_YEAR})\b", re.I)
# "When was ...?", not "When you conduct a survey, what ...?" nor "When do they delete my data?"
# (which asks in what case, not on what date)
_ASKS_DATE = re.compile(r"^\W*(?:since\s+)?when\s+(?:was|is|were|did|has|have|had)\b"
                        r"|^\W*(?:what|which) date\b|\b(?:effective|last updated) date\b", re.I)

_LEAD_END = re.compile(r":[-\u2013\u2014]?$")  # "as follows:", and "for the following purposes:-"
_PAUSE = re.compile(r"[,;:]\s")  # where a long sentence may be cut for a quote

Encode = Callable[[Sequence[str]], np.ndarray]


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The line (paragraph, list item or numbered clause) around ``text[start:end]``."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return strip_span(text, a, len(text) if b < 0 else b)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of its clause that ``text[start:end]`` overlaps; if they are too long,
    the part of the sentence it sits in (``sentence_parts``), never a bare chunk cut mid-phrase."""
    ca, cb = clause_span(text, start, end)
    spans = [(s, e) for s, e in split_sentences(text, ca, cb) if s < end and start < e and not _heading(text[s:e])]
    if not spans:
        return start, end
    a, b = spans[0][0], spans[-1][1]
    if b - a <= MAX_EVIDENCE_CHARS:
        return a, b
    parts = [(s, e) for s, e in sentence_parts(text, *spans[0]) if s < end and start < e]
    if not parts:
        return start, end
    if parts[-1][1] - parts[0][0] <= MAX_EVIDENCE_CHARS:
        return parts[0][0], parts[-1][1]
    return parts[0]


def sentence_parts(text: str, start: int, end: int, limit: int = MAX_EVIDENCE_CHARS) -> list[tuple[int, int]]:
    """``text[start:end]`` (one sentence) cut into parts of at most ``limit`` characters, each
    ending at the last pause (comma, semicolon, colon) that fits, else at the last word that
    fits. The parts are verbatim, in order, and cover every word of the sentence."""
    parts: list[tuple[int, int]] = []
    a = start
    while a < end:
        if end - a <= limit:
            b = end
        else:
            pause = _last_pause(text, a, a + limit)
            if pause is not None and pause + 1 - a >= limit // 3:
                b = pause + 1  # the part keeps its comma
            else:
                words = [w for w in word_spans(text, a, a + limit) if w[1] < a + limit or not text[a + limit].isalnum()]
                b = words[-1][1] if words else a + limit
        s, e = strip_span(text, a, b)
        if s < e:
            parts.append((s, e))
        a = b
    return parts


def next_sentence(text: str, end: int) -> tuple[int, int] | None:
    """The sentence after ``end`` in the same clause (line), if any."""
    rest = split_sentences(text, end, clause_span(text, end, end)[1])
    return rest[0] if rest and rest[0][1] - rest[0][0] <= MAX_EVIDENCE_CHARS and not _heading(text[rest[0][0]:rest[0][1]]) else None


def first_body_sentence(text: str, end: int) -> tuple[int, int] | None:
    """The first sentence after ``end`` that is not a heading (within the next few lines)."""
    for a, b in split_sentences(text, end, min(len(text), end + 2 * MAX_EVIDENCE_CHARS)):
        if not _heading(text[a:b]):
            return (a, b) if b - a <= MAX_EVIDENCE_CHARS else None
    return None


def list_lead(text: str, clause_start: int) -> tuple[int, int] | None:
    """For a list item starting at ``clause_start``, the span of the line ending in ":" (or ":-") that
    introduces the list (found by walking up over blank lines and other items, never past a
    heading); None for anything else."""
    end = text.find("\n", clause_start)
    if not is_list_item(text[clause_start:end if end >= 0 else len(text)]):
        return None
    # Only the last lines before the item: this runs for every candidate, on policies of any size.
    base = max(0, clause_start - LEAD_LOOKBACK * MAX_EVIDENCE_CHARS)
    lines, at = [], base
    for line in text[base:clause_start].splitlines(keepends=True):
        lines.append((at, (line.splitlines() or [""])[0]))  # the line without its line break
        at += len(line)
    for at, line in reversed(lines[-LEAD_LOOKBACK:]):
        if _heading(line.strip()):  # "2. Information use" starts a new part, not the list's lead
            return None
        if not line.strip() or is_list_item(line):
            continue
        a, b = strip_span(text, at, at + len(line))
        return (a, b) if _LEAD_END.search(text[a:b]) and b - a <= MAX_EVIDENCE_CHARS else None
    return None


def asks_for_date(question: str) -> bool:
    """Whether the question asks when something happened ("When was ... last updated?")."""
    return bool(_ASKS_DATE.search(question))


def states_date(text: str) -> bool:
    """Whether ``text`` gives a date ("October 4, 2019", "2019-03-20")."""
    return bool(_DATE.search(text))


def lacks_asked_date(question: str, text: str) -> bool:
    """Whether ``question`` asks when and ``text`` gives no date, so cannot answer it ("They
    update it from time to time."): a literal check, like the numbers in ``answering.guards``."""
    return asks_for_date(question) and not states_date(text)


def dated_sentences(text: str, limit: int = MAX_DATED) -> list[tuple[int, int]]:
    """Spans of the first ``limit`` sentences of ``text`` that state a date, a short dated line
    ("Last updated: 29th August 2018") included."""
    out: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        if out and m.start() < out[-1][1]:
            continue
        a, b = clause_span(text, m.start(), m.end())
        found = next(((s, e) for s, e in split_sentences(text, a, b) if s <= m.start() < e), None)
        if found and found[1] - found[0] <= MAX_EVIDENCE_CHARS:
            out.append(found)
            if len(out) == limit:
                break
    return out


def _heading(piece: str) -> bool:
    return heading_name(piece, "a body line follows.") is not None


def candidates(hits: list[Hit], policies: dict[str, Policy]) -> list[Evidence]:
    out: list[Evidence] = []

    def add(pid: str, s: int, e: int, section: str, score: float) -> None:
        if s < e and not any(_overlaps(c, pid, s, e) for c in out):
            text = policies[pid].text
            ca, cb = clause_span(text, s, e)
            lead = list_lead(text, ca)
            out.append(Evidence(pid, s, e, text[s:e], ca, cb, section, score,
                                text[lead[0]:lead[1]] if lead else "", lead[0] if lead else -1))

    for rank, hit in enumerate(hits):
        text = policies[hit.chunk.policy_id].text
        s, e = sentence_span(text, hit.chunk.start, hit.chunk.end)
        if _heading(text[s:e]):  # "5. Use of cookies" says nothing itself: take what follows it
            body = first_body_sentence(text, e)
            if body is None:
                continue
            s, e = body
        nxt = next_sentence(text, e) if rank < FOLLOW_UPS else None
        if nxt and len(text[nxt[0]:nxt[1]].split()) <= SHORT_FOLLOW_UP and nxt[1] - s <= MAX_EVIDENCE_CHARS:
            add(hit.chunk.policy_id, s, nxt[1], hit.chunk.section, hit.score)  # "... collected. In order to ship it."
        else:
            add(hit.chunk.policy_id, s, e, hit.chunk.section, hit.score)
            if nxt:
                add(hit.chunk.policy_id, *nxt, hit.chunk.section, 0.9 * hit.score)
    leads = {(c.policy_id, c.lead) for c in out if c.lead}
    return [c for c in out if (c.policy_id, c.text) not in leads]


def _dated(hits: list[Hit], policies: dict[str, Policy]) -> list[Evidence]:
    """The dated sentences of each policy searched, scored like the best hit."""
    top = max(h.score for h in hits)
    dated = []
    for pid in dict.fromkeys(h.chunk.policy_id for h in hits):
        text = policies[pid].text
        for s, e in dated_sentences(text):
            ca, cb = clause_span(text, s, e)
            dated.append(Evidence(pid, s, e, text[s:e], ca, cb, "", top))
    return dated


def _overlaps(c: Evidence, policy_id: str, start: int, end: int) -> bool:
    """Whether ``c`` shares text with ``policy_id``'s ``text[start:end]``."""
    return c.policy_id == policy_id and c.start < end and start < c.end


def select_evidence(question: str, hits: list[Hit], policies: dict[str, Policy], limit: int,
                    encode: Encode) -> tuple[list[Evidence], np.ndarray]:
    """The best ``limit`` sentences, in document order, and their similarity to the question.
    Every one goes to the meaning check, which decides which (if any) answers."""
    pool = candidates(hits, policies)
    if asks_for_date(question) and hits:
        # A date is a literal: only a sentence that states one can say when ("We may update this
        # policy from time to time" cannot), so a policy's dated sentences are all the evidence.
        pool = _dated(hits, policies) or pool
    if not pool:
        return [], np.zeros(0, np.float32)
    vectors = encode([question] + [c.context for c in pool])
    similarity = vectors[1:] @ vectors[0]
    search = np.array([c.score for c in pool], dtype=np.float32)
    score = 0.5 * similarity + 0.5 * search / max(float(search.max()), 1e-6)
    top = list(np.argsort(-score, kind="stable")[:limit])
    best = sorted(top, key=lambda i: (pool[i].policy_id, pool[i].start))
    return [pool[i] for i in best], similarity[best]


def quote_part(e: Evidence, text: str, max_words: int, question: str, encode: Encode) -> tuple[Evidence, bool]:
    """What of ``e`` (a sentence of the policy ``text``) to quote in at most ``max_words`` words.

    ``e`` itself if it is short enough. Else, of its sentences (a sentence and its short
    follow-up), the one most like the question, with the sentences after it and then before it
    while they fit; if that one alone is too long, its start up to the last comma, semicolon or
    colon within ``max_words`` words (at a word if that would keep less than half of them). The
    part is verbatim, ``text[part.start:part.end] == part.text``, and keeps ``e``'s clause for
    display; the flag is True when the part stops before its sentence does (cut here, or ``e``
    already a part of a long sentence).
    """
    if word_count(e.text) <= max_words:
        return e, _ends_early(text, e.end, e.clause_start, e.clause_end)
    spans = split_sentences(text, e.start, e.end) or [(e.start, e.end)]
    first = last = 0
    if len(spans) > 1:
        vectors = encode([question] + [text[s:t] for s, t in spans])
        first = last = int(np.argmax(vectors[1:] @ vectors[0]))
        fits = lambda i, j: word_count(text[spans[i][0]:spans[j][1]]) <= max_words  # noqa: E731
        while last + 1 < len(spans) and fits(first, last + 1):
            last += 1
        while first > 0 and fits(first - 1, last):
            first -= 1
    a, b = spans[first][0], spans[last][1]
    words = word_spans(text, a, b)
    cut = len(words) > max_words
    if cut:
        limit = words[max_words - 1][1]
        pause = _last_pause(text, a, limit + 1)
        b = pause if pause is not None and word_count(text[a:pause]) >= max_words // 2 else limit  # ends before the comma
    return dataclasses.replace(e, start=a, end=b, text=text[a:b]), cut or _ends_early(text, b, e.clause_start, e.clause_end)


def lead_sentence(e: Evidence, text: str, max_words: int) -> str:
    """For a list item (``e.lead`` set), the last sentence of the line that introduces its list
    ("We may use your Personal Information for the following purposes:-"), verbatim from the
    policy ``text``, to quote before the item: alone, "Administer your account" reads like
    something the policy lets you do. "" for a sentence that is no list item, or when that
    sentence has more than ``max_words`` words."""
    if not e.lead:
        return ""
    spans = split_sentences(text, e.lead_start, e.lead_start + len(e.lead))
    if not spans:
        return ""
    sentence = text[spans[-1][0]:spans[-1][1]]
    return sentence if word_count(sentence) <= max_words else ""


def _last_pause(text: str, start: int, end: int) -> int | None:
    """Where the last comma, semicolon or colon (followed by a space) of ``text[start:end]`` is."""
    last = None
    for m in _PAUSE.finditer(text, start, end):
        last = m.start()
    return last


def _ends_early(text: str, end: int, clause_start: int, clause_end: int) -> bool:
    """Whether ``end`` falls inside a sentence of the clause (a part of a long one, ``sentence_parts``)."""
    return any(s < end < t for s, t in split_sentences(text, clause_start, clause_end))
