"""Checks of one answer sentence against the policy sentences it cites.

* Risky tokens: e-mail addresses, URLs and domains, phone numbers and other numbers ("30 days",
  "$5", "2018", "123RF"). An answer may only contain those that occur in its evidence.
* Negation: whether the answer flips the polarity of a content verb (sell, share, collect ...)
  that it shares with the evidence ("will never sell" vs "sells").
* Lexical support: the share of an answer sentence's content words found in an evidence sentence.
* Unmentioned topics: topics of the question ("children", "GPS") that the whole policy never
  mentions; an answer sentence about one claims something the policy does not say.
* A fallback that quotes an evidence clause verbatim (markdown removed), so it cannot be wrong.

This module does not call a model, retrieve evidence, split sentences or decide what to show.
The checks are lexical and deliberately conservative: they catch invented contact details,
numbers and flipped negations, not paraphrases that change meaning in other ways. A leading
"Yes"/"No" is judged against the answer's first content verb only; "without" is not treated as
a negation ("shared without your consent" still says the data is shared).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

__all__ = [
    "RiskyToken",
    "same_denial",
    "best_support",
    "content_stems",
    "copied_share",
    "find_risky",
    "is_negated",
    "mentions",
    "negation_flipped",
    "plain_rewording",
    "risky_tokens",
    "strip_unsupported",
    "support_score",
    "unmentioned",
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


# --- negation ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[.,;:!?()]")
_NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "none", "nothing", "nobody", "cannot"})
_AFTER_VERB_NEGATIONS = frozenset({"no", "nothing", "none"})
_CLAUSE_STOPS = frozenset(
    """but unless if when whenever where which that who whom whose because although though while
    however except until . ; : ! ? ( )""".split()
)
_SUBJECTS = frozenset("we they he she i".split())  # start a new clause, unless inverted ("will we")
_AUXILIARIES = frozenset("will would shall should can could may might must do does did is are was were".split())
_DETERMINERS = frozenset("the a an your our their its his her my this these those any such of no".split())
_YES_NO = re.compile(r"^\s*(yes|no)\s*[,.!;:—–]", re.IGNORECASE)  # a leading "Yes," / "No."
_LOOK_BACK = 5
_COORDINATORS = frozenset("or and nor otherwise".split())
_VERB_FORMS = {
    form: stem
    for stem, forms in {
        "sell": "sell sells selling sold resell resells reselling resold",
        "share": "share shares shared sharing",
        "disclose": "disclose discloses disclosed disclosing",
        "collect": "collect collects collected collecting",
        "use": "use uses used using",
        "keep": "keep keeps kept keeping retain retains retained retaining store stores stored storing",
        "delete": "delete deletes deleted deleting erase erases erased erasing",
        "track": "track tracks tracked tracking",
        "rent": "rent rents rented renting lease leases leased leasing",
        "transfer": "transfer transfers transferred transferring",
    }.items()
    for form in forms.split()
}


def is_negated(text: str) -> bool:
    """True when ``text`` contains a negation: not, no, never, nor, neither, none, cannot, n't ..."""
    return any(_is_negation(token) for token in _tokens(text))


def negation_flipped(answer: str, evidence: str) -> bool:
    """True when the answer and the evidence give opposite polarity to a content verb they share.

    Only verbs in a fixed list (sell, share, disclose, collect, use, keep/retain/store, delete,
    track, rent/lease, transfer) are judged; without a shared one the answer is not flipped.
    A leading "Yes" against a negated evidence verb, or "No" against an affirmed one, is
    flipped too when it is the answer's first content verb.
    """
    answer_verbs, evidence_verbs = _verb_mentions(answer), _verb_mentions(evidence)
    answer_polarity, evidence_polarity = _polarities(answer_verbs), _polarities(evidence_verbs)
    for stem in answer_polarity.keys() & evidence_polarity.keys():
        said, meant = answer_polarity[stem], evidence_polarity[stem]
        if len(said) == 1 and len(meant) == 1 and said != meant:
            return True
    if answer_verbs and evidence_polarity.get(answer_verbs[0][0]) in ({True}, {False}):
        evidence_negated = evidence_polarity[answer_verbs[0][0]] == {True}
        leading = _YES_NO.match(answer)
        if leading and (leading.group(1).lower() == "yes") == evidence_negated:
            return True
    return False


def same_denial(answer: str, evidence: str) -> bool:
    """True when the answer denies a listed content verb ("They do not sell ...") that the
    evidence denies too ("will not provide, sell or rent ..."), and flips none: the evidence
    says the same "not". Only denials count, so an answer that something happens is never
    matched to a clause other than its own."""
    said, meant = _polarities(_verb_mentions(answer)), _polarities(_verb_mentions(evidence))
    shared = said.keys() & meant.keys()
    return bool(shared) and all(said[v] == meant[v] == {True} for v in shared)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _is_negation(token: str) -> bool:
    return token in _NEGATIONS or token.endswith(("n't", "n’t"))


def _verb_mentions(text: str) -> list[tuple[str, bool]]:
    """(stem, negated) for each listed content verb in ``text``, in order; nouns ("the use of") skipped."""
    tokens = _tokens(_YES_NO.sub("", text, count=1))
    mentions = []
    for i, token in enumerate(tokens):
        stem = _VERB_FORMS.get(token)
        if stem is None or (i > 0 and tokens[i - 1] in _DETERMINERS):
            continue
        mentions.append((stem, _negated_at(tokens, i)))
    return mentions


def _negated_at(tokens: list[str], index: int) -> bool:
    """A negation shortly before the verb in the same clause ("will never sell", "not rent or
    sell", "under no circumstances will we sell"), or a negative object after it ("share no data").
    An "or"/"and" in a comma list widens the reach, since a list of verbs shares one "not"
    ("not sell, trade, or disclose"), but not in "not be able to log in or use"."""
    reach, listed = _LOOK_BACK, False
    for i in range(index - 1, -1, -1):
        token = tokens[i]
        if token == ",":
            listed = True
            continue
        reach -= 1
        if reach < 0:
            break
        if _is_negation(token):
            return True
        if token in _COORDINATORS and (listed or "," in tokens[max(0, i - 4):i]):
            reach += 3  # "do not sell, trade, license, or otherwise disclose": one "not" for the list
        inverted = token in _SUBJECTS and i > 0 and tokens[i - 1] in _AUXILIARIES
        if token in _CLAUSE_STOPS or (token in _SUBJECTS and not inverted):
            break
    return index + 1 < len(tokens) and tokens[index + 1] in _AFTER_VERB_NEGATIONS


def _polarities(mentions: list[tuple[str, bool]]) -> dict[str, set[bool]]:
    polarity: dict[str, set[bool]] = {}
    for stem, negated in mentions:
        polarity.setdefault(stem, set()).add(negated)
    return polarity


# --- lexical support --------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_WORDS = frozenset(
    """a an the and or but if then so than as of to in on at by for with from into onto about over
    under after before during through between within without up down out off again also just only
    too very is are was were be been being am do does did doing done have has had having will
    would shall should can could may might must it its this that these those there here we us our
    ours you your yours they them their theirs he him his she her hers i me my which who whom
    whose what when where why how all any some such each every other not no never nor neither
    none yes company policy says say said use uses used using get gets got""".split()
)
_SUFFIXES = ("ing", "ed", "es", "s")
_PREFIX = 5


def support_score(answer_sentence: str, evidence_sentence: str) -> float:
    """Share (0..1) of the answer's content words that the evidence sentence also uses.

    Words match when their crude stems are equal or share a prefix of at least five letters.
    An answer without content words scores 0.0.
    """
    wanted = _content_stems(answer_sentence)
    if not wanted:
        return 0.0
    have = _content_stems(evidence_sentence)
    found = sum(1 for stem in wanted if _stem_found(stem, have))
    return found / len(wanted)


def content_stems(text: str) -> set[str]:
    """The crude stems of the content words of ``text`` (stop words left out)."""
    return _content_stems(text)


# Things people ask about that a policy may simply never mention, each with the words a policy
# would use for it. Only these are checked: everyday words ("stop", "data") have too many ways
# of being said for a missing word to mean a missing topic.
TOPICS: dict[str, str] = {
    "children": "children child kids kid minors minor age", "kids": "children child kids minors age",
    "child": "children child kids minors age", "minors": "children child kids minors age",
    "location": "location geolocation gps", "gps": "location geolocation gps",
    "biometric": "biometric fingerprint facial face", "fingerprint": "biometric fingerprint",
    "face": "biometric facial face", "health": "health medical", "medical": "health medical",
    "camera": "camera photos", "microphone": "microphone audio voice", "voice": "microphone audio voice",
    "contacts": "contacts address book", "analytics": "analytics", "google": "google",
    "facebook": "facebook", "advertisers": "advertisers advertising ads marketing",
    "ads": "advertisers advertising ads marketing", "cookies": "cookies cookie",
    "police": "police law enforcement authorities court judicial legal",
    "government": "government authorities law enforcement legal",
    "courts": "court courts judicial legal law", "ip": "ip", "bank": "bank financial",
    "insurance": "insurance", "political": "political", "religion": "religion religious",
}


def unmentioned(question: str, policy_stems: set[str]) -> set[str]:
    """Stems of the question's topic words (see ``TOPICS``) that the policy never uses, in any
    of the words a policy would use for them: things it says nothing about."""
    out = set()
    for word in _WORD.findall(question.lower()):
        if word in TOPICS and not any(_stem_found(_stem(w), policy_stems) for w in TOPICS[word].split()):
            out.add(_stem(word))
    return out


def mentions(answer_sentence: str, stems: set[str]) -> list[str]:
    """The given stems that the answer sentence uses."""
    return sorted(stem for stem in _content_stems(answer_sentence) if _stem_found(stem, stems))


def copied_share(answer_sentence: str, evidence_sentence: str) -> float:
    """Share (0..1) of the answer's word triples that appear word for word in the evidence: near
    1.0 for a clause the model copied out instead of explaining."""
    words, source = _WORD.findall(answer_sentence.lower()), _WORD.findall(evidence_sentence.lower())
    triples = {tuple(words[i:i + 3]) for i in range(len(words) - 2)}
    if not triples:
        return 0.0
    have = {tuple(source[i:i + 3]) for i in range(len(source) - 2)}
    return len(triples & have) / len(triples)


def best_support(answer_sentence: str, evidence_sentences: list[str]) -> tuple[int | None, float]:
    """Index and score of the evidence sentence that best supports the answer; (None, 0.0) if none does."""
    best: tuple[int | None, float] = (None, 0.0)
    for i, evidence in enumerate(evidence_sentences):
        score = support_score(answer_sentence, evidence)
        if score > best[1]:
            best = (i, score)
    return best


def _content_stems(text: str) -> set[str]:
    text = re.sub(r"\be-mail", "email", text.lower())
    words = (w.split("'")[0] for w in _WORD.findall(text.replace("’", "'")))
    return {_stem(w) for w in words if w not in _STOP_WORDS and (len(w) > 1 or w.isdigit())}


def _stem(word: str) -> str:
    word = _VERB_FORMS.get(word, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("y"):
        word = word[:-1] + "i"
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _stem_found(stem: str, stems: set[str]) -> bool:
    if stem in stems:
        return True
    return len(stem) >= _PREFIX and any(len(s) >= _PREFIX and s[:_PREFIX] == stem[:_PREFIX] for s in stems)


# --- verbatim fallback ------------------------------------------------------------------------

_QUOTE_OPEN, _QUOTE_CLOSE = '"', '"'
_MD_PREFIX = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:(?:[-*+•·]|\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,4})[.)])\s+)?")
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_MD_STRONG = re.compile(r"\*\*|(?<!\w)__|__(?!\w)")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def plain_rewording(evidence_sentence: str) -> str:
    """'The policy says: "<clause>"' with the clause verbatim apart from markdown cleanup.

    Removes a leading list marker, heading or quote mark, links (keeping their text), bold and
    emphasis marks and backticks, and folds runs of whitespace; no word is changed, so the
    quote cannot change the policy's meaning. Raises ValueError if nothing is left to quote.
    """
    clause = _MD_PREFIX.sub("", evidence_sentence, count=1)
    clause = _MD_IMAGE_OR_LINK.sub(r"\1", clause)
    clause = _MD_AUTOLINK.sub(r"\1", clause)
    clause = _MD_STRONG.sub("", clause)
    clause = _MD_EMPHASIS.sub(r"\2", clause).replace("`", "")
    clause = re.sub(r"\s+", " ", clause).strip()
    if not re.search(r"\w", clause):
        raise ValueError(f"nothing to quote in {evidence_sentence!r}")
    end = "" if clause[-1] in ".!?" else "."
    return f"The policy says: {_QUOTE_OPEN}{clause}{_QUOTE_CLOSE}{end}"
