"""A policy at a glance: one plain line per data-practice category, and flags, every line cited.

* **Categories** (the ten of the OPP-115 scheme): each is a fixed question put to the answer
  pipeline, so each line is written, checked and cited exactly like a chat answer. When the
  pipeline says "the policy doesn't say", the category is "Not mentioned".
* **Flags**, from a fixed vocabulary: for each topic (selling data, ads, retention, deletion,
  policy changes) the pipeline ranks the clauses that answer the topic's question, and the
  meaning check (``answering.judge``) is asked whether the best of them (one or two) supports
  each of the topic's fixed statements ("They do not sell your personal data."). A flag is given
  only with a clause that supports its statement (``min_flag_support``) clearly better than the
  opposite one (by ``flag_margin``: ``supported_flags``), and is cited to every such clause;
  otherwise the topic has none. The wordings, the bar and the margin were compared on ToS;DR dev
  policies (``scripts/flag_statements.py``, ``scripts/flag_clauses.py``, BENCHMARKS.md).

This module does not retrieve, prompt or cache by itself (``answering.summary_cache`` stores
summaries); it draws no UI.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from answering.pipeline import Pipeline, Ranked
from answering.types import Answer, Evidence, lead_line

NOT_MENTIONED = "Not mentioned"


@dataclass(frozen=True)
class Category:
    name: str
    question: str


CATEGORIES = (
    Category("First-party collection and use", "What personal information do they collect about me, and what do they use it for?"),
    Category("Third-party sharing and collection", "Do they share my personal information with other companies?"),
    Category("Your choices and control", "What choices do I have about how they use my information, such as opting out?"),
    Category("Access, edit and deletion", "Can I see, correct or delete my personal information?"),
    Category("Data retention", "How long do they keep my personal data?"),
    Category("Data security", "How do they protect my personal information?"),
    Category("Policy changes", "Will they tell me when they change this privacy policy?"),
    Category("Do Not Track", "Do they respond to Do Not Track signals from my browser?"),
    Category("Specific audiences", "What does the policy say about children, or about people in California or Europe?"),
    Category("Other", "How can I contact them about my privacy?"),
)


@dataclass(frozen=True)
class Flag:
    name: str
    statement: str  # the plain line shown with the flag; the meaning check tests it against the clause
    red: bool


@dataclass(frozen=True)
class Topic:
    question: str
    flags: tuple[Flag, ...]  # one, or two that contradict each other


TOPICS = (
    Topic("Do they sell my personal data?", (
        Flag("sells_data", "They sell your personal data.", True),
        Flag("no_sell", "They do not sell your personal data.", False))),
    Topic("Do they use or share my data for targeted ads from other companies?", (
        Flag("ad_sharing", "They use or share your data for targeted advertising.", True),)),
    Topic("How long do they keep my personal data?", (  # the same questions as categories: asked once
        Flag("indefinite_retention", "They may keep your data for as long as they want.", True),
        Flag("limited_retention", "They keep your data only for a limited time.", False))),
    Topic("Can I see, correct or delete my personal information?", (
        Flag("can_delete", "You can have your data deleted.", False),
        Flag("no_delete", "You cannot have your data deleted.", True))),
    Topic("Will they tell me when they change this privacy policy?", (
        # Posting the new version on their site is not telling you: the volunteers' reading, and
        # the earlier wording ("They will let you know ...") was true of such clauses to the
        # model (BENCHMARKS.md, thirty-first session).
        Flag("changes_with_notice", "They will notify you of changes to the privacy policy, for example by e-mail.", False),
        Flag("changes_without_notice", "They may change the privacy policy at any time, and only post the new version on their website.", True))),
)
FLAGS = {f.name: f for t in TOPICS for f in t.flags}


@dataclass(frozen=True)
class Cited:
    """A verbatim span of the policy: ``policy_text[start:end] == text``; for a list item, the
    line that introduces its list too (``lead``, at ``lead_start``), shown with it."""

    start: int
    end: int
    text: str
    lead: str = ""
    lead_start: int = -1


@dataclass(frozen=True)
class CategoryLine:
    category: str
    text: str
    mentioned: bool
    citations: tuple[Cited, ...]


@dataclass(frozen=True)
class FlagLine:
    flag: str
    text: str
    red: bool
    support: float
    citations: tuple[Cited, ...]


@dataclass(frozen=True)
class Summary:
    policy_id: str
    title: str
    categories: tuple[CategoryLine, ...]
    flags: tuple[FlagLine, ...]
    seconds: float

    def to_json(self) -> dict:
        """The ``eval-summary`` line: title, categories, flags, seconds."""
        cites = lambda cs: [{"start": c.start, "end": c.end, "text": c.text,  # noqa: E731
                             **({"lead": c.lead, "lead_start": c.lead_start} if c.lead else {})} for c in cs]
        return {
            "title": self.title,
            "categories": [{"category": c.category, "text": c.text, "mentioned": c.mentioned,
                            "citations": cites(c.citations)} for c in self.categories],
            "flags": [{"flag": f.flag, "text": f.text, "red": f.red, "support": f.support,
                       "citations": cites(f.citations)} for f in self.flags],
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, policy_id: str, raw: dict) -> "Summary":
        cites = lambda cs: tuple(Cited(c["start"], c["end"], c["text"], c.get("lead", ""), c.get("lead_start", -1)) for c in cs)  # noqa: E731
        return cls(policy_id, raw["title"],
                   tuple(CategoryLine(c["category"], c["text"], c["mentioned"], cites(c["citations"])) for c in raw["categories"]),
                   tuple(FlagLine(f["flag"], f["text"], FLAGS[f["flag"]].red, f.get("support", 1.0), cites(f["citations"])) for f in raw["flags"]),
                   raw["seconds"])


Progress = Callable[[int, int, str], None]  # done, total, what is being done
LineReady = Callable[[CategoryLine | FlagLine], None]  # a line, as soon as it is made


def summarize(pipeline: Pipeline, policy_id: str, progress: Progress | None = None,
              on_line: LineReady | None = None) -> Summary:
    """The summary of one policy of the pipeline's index: about one chat answer per category,
    a ranking for each flag topic that is not a category question too, and a few checks per
    flag, so it takes a while: ``progress`` is told each step, and ``on_line`` is given each line
    (categories in order, then each flag found) as soon as it is made, so that a person can read
    them meanwhile. Neither changes what is made."""
    t0 = time.perf_counter()
    policy = pipeline.policies[policy_id]
    steps = len(CATEGORIES) + len(TOPICS)
    ranked: dict[str, Ranked] = {}  # question -> ranking, so a question asked twice is ranked once

    def rank(question: str) -> Ranked:
        if question not in ranked:
            ranked[question] = pipeline.rank(question, policy_id)
        return ranked[question]

    lines = []
    for n, cat in enumerate(CATEGORIES):
        if progress:
            progress(n, steps, cat.name)
        answer = pipeline.ask(cat.question, policy_id, ranked=rank(cat.question), max_sentences=1).finish()
        lines.append(category_line(cat, answer, policy.text))
        if on_line:
            on_line(lines[-1])
    flags = []
    for n, topic in enumerate(TOPICS, len(CATEGORIES)):
        if progress:
            progress(n, steps, f"flags: {topic.question}")
        flag = topic_flag(pipeline, topic, rank(topic.question), policy.text)
        if flag:
            flags.append(flag)
            if on_line:
                on_line(flag)
    if progress:
        progress(steps, steps, "done")
    return Summary(policy_id, policy.name, tuple(lines), tuple(flags), round(time.perf_counter() - t0, 2))


def category_line(category: Category, answer: Answer, policy_text: str) -> CategoryLine:
    """A chat answer as a category line: its text without citation marks and its cited spans;
    "Not mentioned" when it abstained."""
    if answer.abstained:
        return CategoryLine(category.name, NOT_MENTIONED, False, ())
    text = re.sub(r"\s*\[\d+\]", "", answer.text).strip()
    cites = tuple(_cited(c.start, c.end, policy_text, c.lead_start, c.lead) for c in answer.citations)
    return CategoryLine(category.name, text, True, cites)


def topic_flag(pipeline: Pipeline, topic: Topic, ranked: Ranked, policy_text: str) -> FlagLine | None:
    """The topic's flag that the clauses answering its question support best, or None, cited to
    every one of those clauses that supports it. Only the clauses the pipeline would answer from
    are asked (at most two), and only when it would answer."""
    s = pipeline.settings
    if ranked.relevance is None or ranked.relevance.answerable < s.min_relevance:
        return None
    found: list[tuple[float, Flag, Evidence]] = []  # (support, flag, clause) that pass
    for i in ranked.chosen(s.co_relevance):
        e = ranked.evidence[i]
        support = {f.name: pipeline.judge.check(f.statement, e.context, topic.question).support for f in topic.flags}
        found += [(v, FLAGS[name], e) for name, v in supported_flags(support, s.min_flag_support, s.flag_margin)]
    if not found:
        return None
    found.sort(key=lambda x: -x[0])
    support, flag, _ = found[0]
    cites = tuple(_cited(e.start, e.end, policy_text, e.lead_start, e.lead) for _, f, e in found if f is flag)
    return FlagLine(flag.name, flag.statement, flag.red, round(support, 3), cites)


def supported_flags(support: dict[str, float], bar: float, margin: float) -> list[tuple[str, float]]:
    """Of one topic's flags, with the meaning check's support of each statement by one clause,
    those supported at least ``bar`` and by more than ``margin`` above every other flag of the
    topic (its opposite), in the order given. The small model says "yes" to both of two opposite
    statements about a clause on their topic; when it cannot tell them apart, neither is given
    (BENCHMARKS.md, twenty-sixth session)."""
    return [(name, v) for name, v in support.items()
            if v >= bar and all(v > w + margin for k, w in support.items() if k != name)]


def compare(summaries: Sequence[Summary]) -> list[dict]:
    """Rows for a side-by-side table: one per category and one per flag topic, a column per
    policy (its title), each cell the line and its first citation."""
    rows = []
    for cat in CATEGORIES:
        row = {"row": cat.name}
        for s in summaries:
            line = next(c for c in s.categories if c.category == cat.name)
            row[s.title] = _cell(line.text, line.citations)
        rows.append(row)
    for topic in TOPICS:
        names = {f.name for f in topic.flags}
        row = {"row": " / ".join(f.name for f in topic.flags)}
        for s in summaries:
            flag = next((f for f in s.flags if f.flag in names), None)
            row[s.title] = _cell(("🚩 " if flag.red else "✅ ") + flag.text, flag.citations) if flag else "—"
        rows.append(row)
    return rows


def _cell(text: str, citations: Sequence[Cited]) -> str:
    """A table cell: the line, then its first citation in quotes, after its list's lead-in if it
    is a list item (as the chat card shows it)."""
    if not citations:
        return text
    first = citations[0]
    quote = f"{lead_line(first)} {first.text}" if first.lead else first.text
    return f'{text} ("{quote}")'


def _cited(start: int, end: int, text: str, lead_start: int = -1, lead: str = "") -> Cited:
    lead = text[lead_start:lead_start + len(lead)] if lead else ""  # verbatim, like the span
    return Cited(start, end, text[start:end], lead, lead_start if lead else -1)
