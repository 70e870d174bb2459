"""Everyday words in a question mapped to the words privacy policies use for the same thing.

People ask "will they give my data to the police?"; policies say "law enforcement" and "judicial
authorities". Two tables: one written by hand (below), and one learned from the dev files' gold
spans (``expansion.json``, made by ``scripts/expansion_fit.py``: "sold" -> "assets", "merger").
The extra words are added to the keyword (BM25) query only; the dense query stays the person's own
words. This module does not rank anything and knows nothing of any one policy.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from retrieval.keywords import tokenize

LEARNED = Path(__file__).with_name("expansion.json")

POLICY_WORDS: dict[str, str] = {
    "police": "law enforcement authorities legal process",
    "court": "judicial authorities legal process subpoena law",
    "courts": "judicial authorities legal process subpoena law",
    "government": "authorities law enforcement legal",
    "sell": "sell rent trade lease",
    "selling": "sell rent trade lease",
    "delete": "delete remove erase cancel close",
    "remove": "delete remove erase",
    "keep": "retain retention store",
    "stored": "store servers retain",
    "store": "store servers retain",
    "how long": "retain retention period",
    "protect": "security secure protect encryption",
    "protected": "security secure protect encryption",
    "safe": "security secure protect encryption",
    "hack": "security unauthorized access breach",
    "internet": "transmission transfer",
    "sent": "transmission transfer",
    "track": "tracking cookies collect",
    "location": "location geolocation gps",
    "kids": "children minors",
    "child": "children minors",
    "ads": "advertising advertisers marketing",
    "advertising": "advertising advertisers marketing",
    "emails": "email newsletter communications",
    "spam": "email newsletter unsolicited communications",
    "phone number": "telephone phone",
    "contact": "contact email address",
    "change": "changes update modify",
    "share": "share disclose third parties",
    "give": "disclose provide share third parties",
    "opt out": "opt-out unsubscribe choice",
    "why": "purpose order to",
    "ask": "require provide request collect",
    "asks": "require provide request collect",
    "need": "require provide necessary",
}
_KEYS = sorted(POLICY_WORDS, key=len, reverse=True)
_PATTERN = re.compile(r"(?<![a-z])(" + "|".join(re.escape(k) for k in _KEYS) + r")(?![a-z])")


def policy_words(question: str) -> dict[str, str]:
    """The everyday words (or phrases) found in the question, each with its policy words."""
    return {m: POLICY_WORDS[m] for m in _PATTERN.findall(question.lower())}


@cache
def learned_words() -> dict[str, list[str]]:
    """The learned table: a question word, stemmed as the keyword index stems it, -> policy words."""
    return json.loads(LEARNED.read_text(encoding="utf-8"))["words"]


def expand(question: str, learned: dict[str, list[str]] | None = None, hand: bool = True) -> str:
    """The question followed by the policy words for the words it contains: from the hand table
    (unless ``hand`` is False) and the learned one (``learned``, or the shipped table)."""
    table = learned_words() if learned is None else learned
    extra = set(policy_words(question).values()) if hand else set()
    extra |= {w for stem in tokenize(question) for w in table.get(stem, [])}
    return question + (" " + " ".join(sorted(extra)) if extra else "")
