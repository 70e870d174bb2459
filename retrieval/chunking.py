"""Split a policy's text into verbatim chunks along its structure.

Structure, coarse to fine: headings start sections; lines (paragraphs, list items, numbered
clauses) are units; units split into sentences; an over-long sentence splits at ``;``/``,``
and, as a last resort, between words. Consecutive pieces of one unit are packed into a chunk
up to ``max_tokens`` word pieces (counted by the caller's tokenizer). A unit smaller than
``min_tokens`` (a heading, a one-line clause) is packed with what follows it.

Every chunk satisfies ``text[chunk.start:chunk.end] == chunk.text``. This module does not
embed, index or read files, and it never rewrites the text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from retrieval.sentences import split_sentences, strip_span
from retrieval.types import Chunk

TokenCounter = Callable[[str], int]

_SOFT_BREAK = re.compile(r"[;,:]\s+")


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 128
    min_tokens: int = 24

    def __post_init__(self) -> None:
        if not 1 <= self.min_tokens < self.max_tokens <= 256:
            raise ValueError("need 1 <= min_tokens < max_tokens <= 256")


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int
    new_unit: bool


def chunk_text(
    policy_id: str, text: str, count_tokens: TokenCounter, settings: ChunkerSettings = ChunkerSettings()
) -> list[Chunk]:
    """Chunks covering every non-blank part of ``text``, in order, none overlapping."""
    chunks: list[Chunk] = []
    for section, units in _sections(text):
        current: list[_Piece] = []
        for piece in _pieces(text, units, count_tokens, settings.max_tokens):
            size = sum(p.tokens for p in current)
            if current and (size + piece.tokens > settings.max_tokens or (piece.new_unit and size >= settings.min_tokens)):
                chunks.append(_make_chunk(policy_id, text, current, section))
                current = []
            current.append(piece)
        if current:
            chunks.append(_make_chunk(policy_id, text, current, section))
    return chunks


def _make_chunk(policy_id: str, text: str, pieces: list[_Piece], section: str) -> Chunk:
    start, end = pieces[0].start, pieces[-1].end
    body = text[start:end]
    digest = hashlib.sha1(f"{start}:{end}:{section}:{body}".encode()).hexdigest()[:12]
    return Chunk(id=f"{policy_id}:{digest}", policy_id=policy_id, start=start, end=end, text=body, section=section)


def _units(text: str) -> Iterator[tuple[int, int]]:
    """Spans of non-blank lines; a hard-wrapped line (no end punctuation, next starts lower-case) joins the next."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    i = 0
    while i < len(spans):
        start, end = spans[i]
        while i + 1 < len(spans) and _wrapped(text[start:end], text[spans[i + 1][0]:spans[i + 1][1]], text[end:spans[i + 1][0]]):
            i += 1
            end = spans[i][1]
        yield strip_span(text, start, end)
        i += 1


def _wrapped(line: str, following: str, gap: str) -> bool:
    return gap.count("\n") == 1 and not re.search(r"[.!?:;]\W*$", line) and bool(re.match(r"\s*[a-z]", following))


def heading_name(line: str, next_line: str | None = "") -> str | None:
    """The section name if ``line`` is a heading, else None.

    Markdown (``# X``) and bold (``**X**``) lines are headings. A short plain line with no end
    punctuation is a heading only when a body line (not another short line) follows it, so
    address blocks and lists of names are not mistaken for headings.
    """
    s = line.strip()
    if re.match(r"^#{1,6}\s", s):
        return s.lstrip("#").strip().strip("*_ ").strip() or None
    if re.fullmatch(r"\*\*[^*]+\*\*:?", s) or re.fullmatch(r"__[^_]+__", s):
        return s.strip("*_: ").strip()
    if _plain_heading(s) and next_line is not None and next_line.strip() and not _plain_heading(next_line.strip()):
        return s.strip("*_ ")
    return None


def _plain_heading(s: str) -> bool:
    words = s.split()
    return (
        0 < len(words) <= 10 and len(s) <= 80 and (s[0].isupper() or s[0].isdigit())
        and not re.search(r"[.,;:!?]\W*$", s) and not re.search(r"[:@(\[]", s)
    )


def _sections(text: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    spans = list(_units(text))
    section, units = "", []
    for i, (start, end) in enumerate(spans):
        following = text[spans[i + 1][0]:spans[i + 1][1]] if i + 1 < len(spans) else None
        name = heading_name(text[start:end], following)
        if name is not None and units:
            yield section, units
            units = []
        if name is not None:
            section = name
        units.append((start, end))
    if units:
        yield section, units


def _pieces(text: str, units: list[tuple[int, int]], count: TokenCounter, max_tokens: int) -> Iterator[_Piece]:
    for ustart, uend in units:
        first = True
        for start, end in split_sentences(text, ustart, uend):
            for s, e in _fit(text, start, end, count, max_tokens):
                yield _Piece(s, e, count(text[s:e]), first)
                first = False


def _fit(text: str, start: int, end: int, count: TokenCounter, max_tokens: int) -> Iterator[tuple[int, int]]:
    """Split one sentence so every part fits in ``max_tokens``: at ; , : first, then between words."""
    if count(text[start:end]) <= max_tokens:
        yield start, end
        return
    bounds = [start] + [m.end() for m in _SOFT_BREAK.finditer(text, start, end)] + [end]
    pos, i = start, 1
    while i < len(bounds):
        j = i
        while j + 1 < len(bounds) and count(text[pos:bounds[j + 1]]) <= max_tokens:
            j += 1
        yield from _fit_hard(text, pos, bounds[j], count, max_tokens)
        pos, i = bounds[j], j + 1


def _fit_hard(text: str, start: int, end: int, count: TokenCounter, max_tokens: int) -> Iterator[tuple[int, int]]:
    """Halve a span until each half fits."""
    start, end = strip_span(text, start, end)
    if start >= end:
        return
    if count(text[start:end]) <= max_tokens or end - start <= 1:
        yield start, end
        return
    mid = text.rfind(" ", start, (start + end) // 2 + 1)
    if mid <= start:
        mid = (start + end) // 2
    yield from _fit_hard(text, start, mid, count, max_tokens)
    yield from _fit_hard(text, mid, end, count, max_tokens)
