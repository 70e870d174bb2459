"""Flesch–Kincaid grade level and word counts, computed offline with a heuristic syllable counter.

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Sentences come from ``retrieval.sentences.split_sentences`` (only pieces with at least one
word count). A word is a whitespace-separated token with a letter or digit in it. Syllables are
vowel groups with the usual English corrections (silent final e, "-ed", "-es", "-le", "-ion"
...) and a short list of exceptions; a number counts one syllable per digit, at most four.

This module does not download or look up a pronunciation dictionary (so counts can be off by
one on unusual words), and it does not judge meaning, tone or layout.
"""
from __future__ import annotations

import re

from retrieval.sentences import split_sentences

__all__ = ["fk_grade", "syllable_count", "word_count", "word_spans"]

_TOKEN = re.compile(r"\S+")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_PART = re.compile(r"[A-Za-z]+|[0-9]+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Vowel pairs said as two syllables: "via", "period", "actual", "being", "going".
_HIATUS = re.compile(r"(?<![cgstx])i[aou]|[^aeiouyqg]u[ao]|[aeiouy]ing$")
# A silent e inside a word before a suffix: "safely", "safety", "statement", "useful".
_SILENT_E_SUFFIX = re.compile(r"[^aeiouy]e(?:ly|ty|ment|ments|ful|fully|less|ness)$")
_EXCEPTIONS = {
    "area": 3, "being": 2, "business": 2, "businesses": 3, "create": 2, "created": 3, "creates": 2,
    "idea": 3, "ideas": 3, "every": 3, "everyone": 4, "everything": 4, "people": 2, "queries": 3,
    "query": 3, "reuse": 2, "science": 2, "video": 3, "videos": 3, "poem": 2, "quiet": 2,
    "whenever": 3, "wherever": 3, "however": 3, "anyone": 3, "someone": 2, "something": 2,
    "sometimes": 2, "likebox": 2, "website": 2, "websites": 2, "webpage": 2, "webpages": 3,
}


def word_count(text: str) -> int:
    """Number of words: whitespace-separated tokens that contain a letter or a digit."""
    return sum(1 for token in _TOKEN.findall(text) if _ALNUM.search(token))


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Where the words of ``text[start:end]`` are, as ``word_count`` counts them."""
    end = len(text) if end is None else end
    return [m.span() for m in _TOKEN.finditer(text, start, end) if _ALNUM.search(m.group())]


def syllable_count(word: str) -> int:
    """Estimated syllables of one token ("privacy" -> 3); 0 if it has no letter or digit."""
    total = 0
    for part in _PART.findall(word):
        total += min(len(part), 4) if part.isdigit() else _word_syllables(part.lower())
    return total


def fk_grade(text: str) -> float:
    """Flesch–Kincaid grade level of ``text``; 0.0 when it has no words."""
    words = [token for token in _TOKEN.findall(text) if _ALNUM.search(token)]
    if not words:
        return 0.0
    sentences = sum(1 for s, e in split_sentences(text) if word_count(text[s:e]))
    syllables = sum(syllable_count(word) for word in words)
    return 0.39 * len(words) / max(sentences, 1) + 11.8 * syllables / len(words) - 15.59


def _word_syllables(word: str) -> int:
    if word in _EXCEPTIONS:
        return _EXCEPTIONS[word]
    core = _drop_silent_ending(word)
    count = len(_VOWEL_GROUP.findall(core)) + len(_HIATUS.findall(word))
    if _SILENT_E_SUFFIX.search(word):
        count -= 1
    return max(1, count)


def _drop_silent_ending(word: str) -> str:
    """The word without a final e (or -es, -ed) that is not said as a syllable."""
    if re.search(r"[^aeiouy]le$", word):  # table, possible, people: the -le is a syllable
        return word
    if word.endswith("es") and not re.search(r"(?:[sxzcg]|ch|sh)es$", word):
        return word[:-2]  # files, sites, cookies
    if word.endswith("ed") and not re.search(r"[td]ed$", word):
        return word[:-2]  # used, shared, stored
    if word.endswith("e") and not word.endswith("ee"):
        return word[:-1]  # make, use, cookie
    return word
