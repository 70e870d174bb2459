"""Does a clause answer the question, and does any? Weak signals combined by two small logistic
models fitted on the dev files (``scripts/relevance_fit.py`` writes ``relevance.json``).

Which clause (per clause): the meaning check's rating (``Judge.relevance``, as a log-odds), the
embedder's similarity of the clause to the question, and the share of the question's words
(stemmed, stop words out, the company's name already left out of the query) that the clause
uses. Whether any clause does (per question): the best clause's score and the share of the
question's words that occur anywhere in the policy, each word weighed by how few privacy
policies use it (its inverse document frequency in ``policy_terms.json``, counted over the dev
policies by ``scripts/policy_terms.py``). A policy that never uses a question's words ("health",
"biometric") seldom answers it, and the model judge alone rates a clause about collection in
general highly for "Does X collect my health data?" (BENCHMARKS.md); unweighted, "collect" and
"information", which every policy uses, made that question look half covered. For that share,
"company", the stand-in for the company's name (``retrieval.search.STAND_IN``), is not one of the
question's words: nearly every policy uses it, so every question that named its company looked
partly covered by any policy. The shipped weights take the log of that share
(``policy_words_weighted_log``). Still computed, to compare with (``scripts/relevance_fit.py
--features``; BENCHMARKS.md): the share itself, the plain one (``policy_words``), the second-best
clause's score, and the share with a word counted as used when the policy uses one of the words
policies say it with (``policy_words_expanded_log``: "police" used where the policy says
"law enforcement"; ``retrieval.expansion``).

This module does not call the model, search or judge sentences; it only combines numbers it is
given. The weights and word counts are data, not tuned by hand.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from retrieval.expansion import policy_words
from retrieval.keywords import tokenize
from retrieval.search import STAND_IN

WEIGHTS = Path(__file__).with_name("relevance.json")
TERMS = Path(__file__).with_name("policy_terms.json")
CLAUSE_FEATURES = ("judge", "similarity", "clause_words")
QUESTION_FEATURES = ("best_clause", "second_clause", "policy_words", "policy_words_weighted",
                     "policy_words_weighted_log", "policy_words_expanded_log")
LOG_FLOOR = 0.05  # added to the weighted share before its log, so a policy that uses none of the words is finite
_STAND_IN_WORDS = frozenset(tokenize(STAND_IN))  # not counted by policy_words


@dataclass(frozen=True)
class Logistic:
    """``sigmoid(bias + sum(weight * feature))``, features by name."""

    weights: dict[str, float]
    bias: float

    def __call__(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Relevance:
    """For each clause, how likely it is the one that answers (``clauses``), and how likely it is
    that one of them answers at all (``answerable``)."""

    clauses: tuple[float, ...]
    answerable: float


@dataclass(frozen=True)
class RelevanceModel:
    clause: Logistic
    question: Logistic

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> "RelevanceModel":
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        for part, known in (("clause", CLAUSE_FEATURES), ("question", QUESTION_FEATURES)):
            unknown = set(raw.get(part, {}).get("weights", {"?": 0})) - set(known)
            if unknown or "bias" not in raw[part]:
                raise ValueError(f"{path}: the {part!r} model needs a bias and weights for some of {known}, "
                                 f"not {sorted(unknown)}; rewrite it with scripts/relevance_fit.py --write")
        return cls(Logistic(raw["clause"]["weights"], raw["clause"]["bias"]),
                   Logistic(raw["question"]["weights"], raw["question"]["bias"]))

    @classmethod
    def judge_only(cls) -> "RelevanceModel":
        """The meaning check's ratings unchanged: each clause's score is its rating, and "one of
        them answers" is the best rating (for tests, and as the baseline in BENCHMARKS.md)."""
        return cls(Logistic({"judge": 1.0}, 0.0), Logistic({"best_clause": 1.0}, 0.0))

    def score(self, query: str, clauses: Sequence[str], judged: Sequence[float], similarity: Sequence[float],
              policy_text: str) -> Relevance:
        """``query`` is the question as searched (the company's name left out); ``judged`` the
        meaning check's ratings of ``clauses``; ``similarity`` the embedder's."""
        per_clause = tuple(self.clause(f) for f in clause_features(query, clauses, judged, similarity))
        return Relevance(per_clause, self.question(question_features(per_clause, query, policy_text)))


def clause_features(query: str, clauses: Sequence[str], judged: Sequence[float],
                    similarity: Sequence[float]) -> list[dict[str, float]]:
    words = _terms(query)
    return [{"judge": _log_odds(j), "similarity": float(s), "clause_words": _share(words, set(tokenize(c)))}
            for c, j, s in zip(clauses, judged, similarity)]


def question_features(clause_scores: Sequence[float], query: str, policy_text: str,
                      counted: bool = False) -> dict[str, float]:
    """``counted``: the policy is one of those ``policy_terms.json`` was counted on (when fitting
    on the dev files); it is then left out of the counts, so that it is weighed as a policy never
    seen would be."""
    words = [w for w in _terms(query) if w not in _STAND_IN_WORDS]
    vocabulary = _policy_terms(policy_text)
    counts = WordCounts.load()
    if counted:
        counts = counts.leaving_out(vocabulary)
    weights = [counts.weight(w) for w in words]
    total = sum(weights)
    weighted = sum(x for w, x in zip(words, weights) if w in vocabulary) / total if total else 1.0
    # A word counts as used when the policy uses one of the words policies say it with
    # ("police": "law enforcement", "authorities"; retrieval.expansion), weighed as the word itself.
    others = _other_words(query)
    expanded = sum(x for w, x in zip(words, weights) if w in vocabulary or others.get(w, set()) & vocabulary)
    ranked = sorted(clause_scores, reverse=True)
    return {"best_clause": _log_odds(ranked[0] if ranked else 0.0),
            "second_clause": _log_odds(ranked[1] if len(ranked) > 1 else 0.0),
            "policy_words": _share(words, vocabulary),
            "policy_words_weighted": weighted,
            # Its log: in a logistic model the odds then go with a power of the share, so a policy
            # that uses almost none of the question's rarer words is nearly decisive, however
            # well the best clause is rated; a linear share let a highly rated clause about
            # collection in general outweigh "health" and "medical" missing from the policy.
            "policy_words_weighted_log": math.log(weighted + LOG_FLOOR),
            "policy_words_expanded_log": math.log((expanded / total if total else 1.0) + LOG_FLOOR)}


@dataclass(frozen=True)
class WordCounts:
    """How many of ``policies`` privacy policies use each word (``policy_terms.json``)."""

    policies: int
    using: dict[str, int]

    @staticmethod
    @lru_cache(maxsize=1)
    def load(path: Path = TERMS) -> "WordCounts":
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return WordCounts(int(raw["policies"]), {str(w): int(n) for w, n in raw["policies_using"].items()})

    def leaving_out(self, vocabulary: set[str] | frozenset[str]) -> "WordCounts":
        """The counts without one of the counted policies, whose words are ``vocabulary``."""
        return WordCounts(self.policies - 1, {w: n - (w in vocabulary) for w, n in self.using.items()})

    def weight(self, word: str) -> float:
        """The word's inverse document frequency: near 0 for a word every policy uses, about
        ``log(2 * policies)`` for one none uses."""
        return math.log((self.policies + 1) / (self.using.get(word, 0) + 0.5))


def _other_words(query: str) -> dict[str, set[str]]:
    """For each of the query's words that ``retrieval.expansion`` knows, the words policies use for it."""
    others: dict[str, set[str]] = {}
    for everyday, policy in policy_words(query).items():
        for word in tokenize(everyday):
            others.setdefault(word, set()).update(tokenize(policy))
    return others


def _terms(query: str) -> list[str]:
    return list(dict.fromkeys(tokenize(query)))


def _share(words: Sequence[str], vocabulary: set[str] | frozenset[str]) -> float:
    return sum(w in vocabulary for w in words) / len(words) if words else 1.0


@lru_cache(maxsize=64)
def _policy_terms(policy_text: str) -> frozenset[str]:
    return frozenset(tokenize(policy_text))


def _log_odds(p: float) -> float:
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))
