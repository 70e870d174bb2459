"""Literal checks of one answer sentence against the policy sentence it cites.

* Risky tokens: e-mail addresses, URLs and domains, phone numbers and other numbers ("30 days",
  "$5", "2018", "123RF"). An answer may only contain those that occur in its evidence; a few
  safe shapes of an invented contact detail can be cut out of a sentence.
* Copying: how much of a sentence is the clause word for word (a copy is not plain language).
* A fallback that quotes an evidence clause verbatim (markdown removed), so it cannot be wrong.

This module does not judge meaning: whether a clause supports, contradicts or answers anything
is the meaning check's job (``answering.judge``). It calls no model, retrieves nothing and
decides nothing about what is shown.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

__all__ = [
    "RiskyToken",
    "copied_share",
    "find_risky",
    "plain_rewording",
    "risky_tokens",
    "strip_unsupported",
    "unsupported_tokens",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskyToken:
    """A checkable literal in a text: ``text[start:end] == token.text``."""

    text: str
    kind: str  # "email", "url", "phone" or "number"
    start: int
    end: int


# --- risky tokens -----------------------------------------------------------------------------

_TLDS = "com|org|net|edu|gov|int|io|co|uk|us|ca|au|de|fr|nl|eu|info|biz|app|ai|tv|jp|cn|ru|ch|se|dk|pl|ie|nz|sg|hk"
_URL_CHARS = r"[^\s<>()\[\]{}\"'“”‘’]"
_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(rf"(?:https?://|www\.){_URL_CHARS}+", re.IGNORECASE)
_DOMAIN = re.compile(
    rf"(?<![\w@./-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:{_TLDS})(?![\w-])(?:/{_URL_CHARS}*)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?<![\w/-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})(?![\w/-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,5}){1,4}(?!\w)")
_UNIT = r"(?:(?:business|calendar|working)\s+)?(?:day|week|month|year|hour|minute|second)s?\b"
_NUMBER = re.compile(
    rf"(?<![\w$€£.,])(?:[$€£]\s?)?\w*\d\w*(?:[.,:]\d+)*%?(?:[\s-]+{_UNIT})?", re.IGNORECASE
)
_NUMBER_PARTS = re.compile(rf"(?P<core>\S+?)(?:[\s-]+(?P<unit>{_UNIT}))?", re.IGNORECASE)
_LEADING_MARKER = re.compile(r"\s*\(?\d{1,3}[.)]\s+")
_TRAILING_PUNCT = ".,;:!?*_"
# Earlier patterns win where matches overlap: an e-mail is not also a domain, a phone not numbers.
_PATTERNS = (
    ("email", _EMAIL), ("url", _URL), ("url", _DOMAIN), ("number", _DATE), ("phone", _PHONE), ("number", _NUMBER),
)


def find_risky(text: str) -> list[RiskyToken]:
    """E-mails, URLs/domains, phone numbers and other numbers in ``text``, in order, not overlapping.

    A leading list number ("1. ...") is not a risky token.
    """
    marker = _LEADING_MARKER.match(text)
    taken: list[RiskyToken] = []
    occupied = bytearray(len(text))
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if kind == "url":
                end = start + len(m.group().rstrip(_TRAILING_PUNCT))
            if kind == "phone" and not 7 <= len(_digits(m.group())) <= 15:
                continue
            if kind == "number" and marker and start < marker.end():
                continue
            if not any(occupied[start:end]):
                occupied[start:end] = b"\x01" * (end - start)
                taken.append(RiskyToken(text[start:end], kind, start, end))
    return sorted(taken, key=lambda t: t.start)


def risky_tokens(text: str) -> list[str]:
    """The risky tokens of ``text`` as they are written there."""
    return [token.text for token in find_risky(text)]


def unsupported_tokens(answer: str, evidence: list[str]) -> list[str]:
    """Risky tokens of ``answer`` that occur in none of the evidence texts."""
    return [token.text for token in _unsupported(answer, evidence)]


def _unsupported(answer: str, evidence: list[str]) -> list[RiskyToken]:
    return [token for token in find_risky(answer) if not any(_supported(token, text) for text in evidence)]


def _supported(token: RiskyToken, evidence: str) -> bool:
    if token.kind == "phone":
        wanted = _digits(token.text)
        found = [_digits(t.text) for t in find_risky(evidence) if t.kind in ("phone", "number")]
        return any(d == wanted or (len(wanted) >= 7 and d.endswith(wanted)) for d in found)
    if token.kind == "url":
        return _occurs(_url_form(token.text), _url_form(evidence))
    if token.kind == "email":
        return _occurs(token.text.lower(), evidence.lower())
    return _number_occurs(token.text, evidence)


def _occurs(needle: str, haystack: str) -> bool:
    """``needle`` in ``haystack``, not as part of a longer word, number or domain."""
    pattern = r"(?<![\w.+-])(?<!\d[.,])" + re.escape(needle) + r"(?![\w-])(?![.,]\w)"
    return re.search(pattern, haystack) is not None


def _number_occurs(token: str, evidence: str) -> bool:
    """A number (with its currency sign and unit, if any) in the evidence, e.g. "30 days" in "thirty (30) days"."""
    parts = _NUMBER_PARTS.fullmatch(_number_form(token))
    if parts is None:
        return False
    core, unit = parts.group("core"), parts.group("unit")
    pattern = re.escape(core)
    if unit:
        pattern += r"[\s-]+" + r"\s+".join(re.escape(w) for w in unit.rstrip("s").split()) + r"s?\b"
    left = r"(?<![\w$€£])" if core[0].isdigit() else r"(?<!\w)"
    # A long number glued to the word before it in the policy ("number85212933") still counts.
    evidence = re.sub(r"(?<=[a-z]{3})(?=\d{4})", " ", _number_form(evidence))
    return re.search(left + r"(?<!\d[.,])" + pattern + r"(?!\w)(?![.,]\d)", evidence) is not None


def _number_form(text: str) -> str:
    text = re.sub(r"[()]", " ", text.lower())
    text = re.sub(r"([$€£])\s+(?=\d)", r"\1", text)
    return re.sub(r"\s+", " ", text)


def _url_form(text: str) -> str:
    text = re.sub(r"https?://", "", text.lower())
    text = re.sub(r"(?<![\w.-])www\.", "", text)
    return text.rstrip("/")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- removing an unsupported contact detail ---------------------------------------------------

_LEAD_IN = r"(?:at|on|via|to|through)"
_ALTERNATIVE = r"(?:by|at|via|through|on|in|using)\b"
_DANGLING = frozenset("at on via to through or and by from with of for the a an is are".split())
_CHANNEL_WORDS = {
    "phone": ("phone", "telephone", "call", "calling", "dial", "fax", "hotline"),
    "email": ("email", "e-mail", "mail", "emailing", "inbox"),
    "url": ("website", "site", "visit", "link", "page", "url", "online", "web"),
}
_MIN_WORDS = 3


def strip_unsupported(answer_sentence: str, evidence: list[str]) -> str | None:
    """The sentence with unsupported e-mails, URLs and phone numbers cut out, or None to reject it.

    Only a few safe shapes are cut: "at X or by ..." (keeps the alternative), "... or at X.",
    "... at X." at the end, "(X)" and ", X,". Anything else, an unsupported number, a result
    shorter than three words or ending in a dangling word, or a leftover mention of the removed
    channel ("by phone") when the evidence has neither that word nor such a detail returns None.
    """
    sentence = answer_sentence
    removed: set[str] = set()
    for _ in range(len(find_risky(answer_sentence)) + 1):
        unsupported = _unsupported(sentence, evidence)
        if not unsupported:
            break
        token = unsupported[0]
        cut = None if token.kind == "number" else _cut(sentence, token)
        if cut is None:
            logger.debug("rejecting sentence: cannot cut %r (%s) cleanly", token.text, token.kind)
            return None
        sentence = cut
        removed.add(token.kind)
    else:
        return None
    if sentence == answer_sentence:
        return sentence
    if not _reads(sentence) or _mentions_missing_channel(sentence, removed, evidence):
        logger.debug("rejecting sentence: %r does not read after cutting", sentence)
        return None
    return sentence


def _cut(sentence: str, token: RiskyToken) -> str | None:
    before, after = sentence[:token.start], sentence[token.end:]
    flags = re.IGNORECASE
    opener = re.search(r"\s*\(\s*(?:(?:at|via|see|tel|phone|e-?mail|call)\b[.:]?\s*)?$", before, flags)
    closer = re.match(r"\s*\)", after)
    if opener and closer:  # "Contact support (support@x.com) for help."
        return before[:opener.start()] + after[closer.end():]
    lead = re.search(rf"\s+{_LEAD_IN}\s+$", before, flags)
    alternative = re.match(rf"\s+(?:or|and)\s+(?={_ALTERNATIVE})", after, flags)
    if lead and alternative:  # "Contact them at 555-1234 or by e-mail."
        return before[:lead.start()] + " " + after[alternative.end():]
    at_end = re.match(r"\s*[.!?]?[\"'”’)]*\s*$", after)
    tail = re.search(rf"\s+(?:or|and)\s+(?:{_LEAD_IN}\s+)?$", before, flags)
    if tail and at_end:  # "Write to them by post or at x@y.com."
        return before[:tail.start()] + after.lstrip()
    comma_before = re.search(rf",\s*(?:{_LEAD_IN}\s+)?$", before, flags)
    comma_after = re.match(r"\s*,\s*", after)
    if comma_before and comma_after:  # "Email the privacy team, x@y.com, to ask."
        return before[:comma_before.start()] + " " + after[comma_after.end():]
    if lead and at_end:  # "You can reach the privacy team at x@y.com."
        return before[:lead.start()] + after.lstrip()
    return None


def _reads(sentence: str) -> bool:
    words = sentence.split()
    last = words[-1].strip(".,;:!?\"'”’()").lower() if words else ""
    return len(words) >= _MIN_WORDS and last not in _DANGLING


def _mentions_missing_channel(sentence: str, kinds: set[str], evidence: list[str]) -> bool:
    said = " ".join(evidence).lower()
    offered = {token.kind for text in evidence for token in find_risky(text)}
    for kind in kinds - offered:
        for word in _CHANNEL_WORDS.get(kind, ()):
            pattern = rf"\b{re.escape(word)}\b"
            if re.search(pattern, sentence, re.IGNORECASE) and not re.search(pattern, said):
                return True
    return False


# --- copying ------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def copied_share(answer_sentence: str, evidence_sentence: str) -> float:
    """Share (0..1) of the answer's word triples that appear word for word in the evidence: near
    1.0 for a clause the model copied out instead of explaining."""
    words, source = _WORD.findall(answer_sentence.lower()), _WORD.findall(evidence_sentence.lower())
    triples = {tuple(words[i:i + 3]) for i in range(len(words) - 2)}
    if not triples:
        return 0.0
    have = {tuple(source[i:i + 3]) for i in range(len(source) - 2)}
    return len(triples & have) / len(triples)


# --- verbatim fallback ------------------------------------------------------------------------

QUOTE_LEAD = "The policy says:"  # what starts a quoted clause (``plain_rewording``)
_QUOTE_OPEN, _QUOTE_CLOSE = '"', '"'
_MD_PREFIX = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:(?:[-*+•·]|\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,4})[.)])\s+)?")
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_MD_STRONG = re.compile(r"\*\*|(?<!\w)__|__(?!\w)")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def plain_markup(text: str) -> str:
    """``text`` without markdown marks: links and images keep their text, bold and emphasis marks
    and backticks go, runs of whitespace fold; a link text's closing "." is not doubled by the
    sentence's own ("at [example.com/login.](…)." reads "at example.com/login.")."""
    text = _MD_IMAGE_OR_LINK.sub(_link_text, text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_STRONG.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text).replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def _link_text(m: re.Match[str]) -> str:
    followed_by_stop = m.string[m.end():m.end() + 1] == "."
    return m.group(1).rstrip(".") if followed_by_stop else m.group(1)


def plain_rewording(evidence_sentence: str, cut: bool = False, lead: str = "") -> str:
    """'The policy says: "<clause>"' with the clause verbatim apart from markdown cleanup, and
    with " …" at its end if ``cut`` (the sentence goes on in the policy). A list item's ``lead``
    (the sentence that introduces its list) comes first, then " … " and the item, as the
    citation shows them.

    Removes a leading list marker, heading or quote mark, links (keeping their text), bold and
    emphasis marks and backticks, and folds runs of whitespace; no word is changed, so the
    quote cannot change the policy's meaning. Raises ValueError if nothing is left to quote.
    """
    clause = plain_markup(_MD_PREFIX.sub("", evidence_sentence, count=1))
    if not re.search(r"\w", clause):
        raise ValueError(f"nothing to quote in {evidence_sentence!r}")
    intro = plain_markup(_MD_PREFIX.sub("", lead, count=1)) if lead else ""
    if re.search(r"\w", intro):
        clause = f"{intro} … {clause}"
    if cut:
        return f"{QUOTE_LEAD} {_QUOTE_OPEN}{clause} …{_QUOTE_CLOSE}"
    end = "" if clause[-1] in ".!?" else "."
    return f"{QUOTE_LEAD} {_QUOTE_OPEN}{clause}{_QUOTE_CLOSE}{end}"
