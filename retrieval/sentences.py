"""Split text into sentence spans, so that ``text[start:end]`` is each sentence verbatim.

Lines come first: a line break ends a sentence unless the line is hard-wrapped (no end
punctuation, and the next line starts in lower case). List items ("a) ...", "* ...", "1. ...")
and markdown headings ("# X", a line that is only "**X**") are always pieces of their own, and
so is a bold lead-in such as "**Cookies.** We use ...". Inside a line, sentences end at ``.``,
``!`` or ``?`` followed by a capital or a digit, except after abbreviations (e.g., i.e., No. 5,
Inc., U.S., ...).

This module does not change, normalise or tokenise the text, and it does not know about
policies, chunks or answers: it only returns character spans.
"""
from __future__ import annotations

import re

__all__ = ["split_sentences", "strip_span", "is_list_item"]

_LINE = re.compile(r"[^\n]*\S[^\n]*")
_LIST_MARK = re.compile(r"\s*(?:[-*+•·]|\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,4})[.)])\s+")
_HEADING = re.compile(r"\s*(?:#{1,6}\s.*|\*\*[^*\n]+\*\*:?|__[^_\n]+__:?)\s*")
_BOLD_LEAD = re.compile(r"(\*\*|__)(?P<inner>[^*_\n]+?)\1(?P<colon>:?)(?=\s+\S)")
_LINE_END = re.compile(r"[.!?:;][\"'”’)\]*_]*\s*$")
# A sentence end: terminal mark, closing quotes/brackets/emphasis, space, then a capital or digit.
_SENT_END = re.compile(r"[.!?][\"'”’)\]*_]*(?=\s+[\"'“‘(\[*_]*[A-Z0-9])")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[*_]*([A-Za-z0-9]+)")

# Never end a sentence: introducers and titles.
_NEVER_END = frozenset({"e.g", "i.e", "cf", "vs", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "approx", "viz"})
# Not an end when a number follows ("No. 5", "Art. 6", "Sec. 3").
_BEFORE_NUMBER = frozenset({"no", "nos", "art", "sec", "para", "p", "pp", "fig", "vol", "ch"})
# May end a sentence ("... Example Inc. We ..."): an end only if a typical sentence opener follows.
_MAY_END = frozenset(
    {"etc", "inc", "ltd", "co", "corp", "llc", "plc", "gmbh", "u.s", "u.k", "e.u", "u.s.a", "a.m", "p.m"}
)
_OPENERS = frozenset(
    """a an the this that these those it its we our us you your they their he she if in on
    for when where while as at by to after before during once please however also all any
    each some such there here what which who how why""".split()
)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(s, e)`` of the sentences in ``text[start:end]``, in order, stripped of whitespace.

    The spans do not overlap and together cover every non-whitespace character of the range.
    """
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"bad range {start}:{end} for text of length {len(text)}")
    spans: list[tuple[int, int]] = []
    for unit_start, unit_end in _units(text, start, end):
        spans.extend(_split_unit(text, unit_start, unit_end))
    return spans


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of lines, with hard-wrapped lines joined to the line that follows them."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text, start, end)]
    units: list[tuple[int, int]] = []
    for line in lines:
        if units and _continues(text, units[-1], line):
            units[-1] = (units[-1][0], line[1])
        else:
            units.append(line)
    return units


def _continues(text: str, previous: tuple[int, int], line: tuple[int, int]) -> bool:
    """True when ``line`` carries on the clause of ``previous`` (a hard-wrapped line)."""
    before, current = text[previous[0]:previous[1]], text[line[0]:line[1]]
    last_line = before[before.rfind("\n") + 1:]
    return (
        text.count("\n", previous[1], line[0]) == 1
        and not _LINE_END.search(before)
        and not _is_heading(last_line)
        and not _is_heading(current)
        and not _LIST_MARK.match(current)
        and bool(re.match(r"\s*[a-z]", current))
    )


def is_list_item(line: str) -> bool:
    """True for a line that starts with a list marker ("a) ...", "* ...", "1. ...")."""
    return bool(_LIST_MARK.match(line))


def _is_heading(line: str) -> bool:
    return bool(_HEADING.fullmatch(line))


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of one unit (a line, or hard-wrapped lines)."""
    start, end = strip_span(text, start, end)
    if start == end:
        return []
    if _is_heading(text[start:end]):
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    body = start
    marker = _LIST_MARK.match(text, start, end)
    if marker:
        body = marker.end()
    lead = _BOLD_LEAD.match(text, body, end)
    if lead and (lead.group("colon") or lead.group("inner").rstrip()[-1:] in ".:!?"):
        spans.append((start, lead.end()))
        start = body = lead.end()
    for m in _SENT_END.finditer(text, body, end):
        if m.end() > start and _is_sentence_end(text, start, m, end):
            spans.append(strip_span(text, start, m.end()))
            start = m.end()
    spans.append(strip_span(text, start, end))
    return [span for span in spans if span[0] < span[1]]


def _is_sentence_end(text: str, sentence_start: int, mark: re.Match[str], end: int) -> bool:
    if text[mark.start()] != ".":
        return True
    before = text[sentence_start:mark.start()].split()
    word = before[-1].lstrip("\"'“‘([*_").lower() if before else ""
    following = _NEXT_WORD.match(text, mark.end(), end)
    next_word = following.group(1) if following else ""
    if word in _NEVER_END or (len(word) == 1 and word.isalpha()):
        return False
    if word in _BEFORE_NUMBER:
        return not next_word[:1].isdigit()
    if word in _MAY_END:
        return next_word.lower() in _OPENERS
    return True


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed so that ``text[start:end]`` has no white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
