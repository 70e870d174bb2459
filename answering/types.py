"""The records the answering stage produces: Evidence, Citation and Answer.

Data only: nothing here retrieves, prompts or checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Evidence:
    """One policy sentence offered to the model, with the clause (line or paragraph) it sits in."""

    policy_id: str
    start: int
    end: int
    text: str
    clause_start: int
    clause_end: int
    section: str
    score: float
    lead: str = ""  # for a list item, the line that introduces the list ("We may share it with:")
    lead_start: int = -1  # where ``lead`` starts in the policy text (-1: no lead)

    @property
    def context(self) -> str:
        """The sentence as the model and the checks read it: with its list's lead-in, if any."""
        return with_lead(self.lead, self.text)


def with_lead(lead: str, text: str) -> str:
    """A sentence as the model and the checks read it: after its list's lead-in, if it has one."""
    return f"{lead} {text}" if lead else text


@dataclass(frozen=True)
class Citation:
    """A policy sentence that supports the answer, verbatim: ``policy_text[start:end] == text``.

    ``clause_start``/``clause_end`` give the surrounding clause for display; ``answer_sentence``
    is the answer sentence it supports ("" for the closest clauses shown with an abstention).
    A list item's ``lead``, the line that introduces its list, is shown with it, since the model
    and the checks read them together: ``policy_text[lead_start:lead_start + len(lead)] == lead``.
    """

    number: int
    policy_id: str
    policy_name: str
    section: str
    start: int
    end: int
    text: str
    clause_start: int
    clause_end: int
    answer_sentence: str = ""
    lead: str = ""
    lead_start: int = -1


class Shown(Protocol):
    """A verbatim span of a policy, as a ``Citation`` or a summary's ``Cited`` has it."""

    start: int
    end: int
    lead: str
    lead_start: int


def lead_line(cite: Shown) -> str:
    """How a list item's lead-in is shown before the item: the line, then "…" ("" when it has none)."""
    return f"{cite.lead} …" if cite.lead else ""


def shown_spans(cite: Shown) -> list[tuple[int, int]]:
    """The spans of the policy text a citation (or a summary's ``Cited``) shows word for word:
    its sentence, and the line that introduces its list, if any."""
    return [(cite.start, cite.end)] + ([(cite.lead_start, cite.lead_start + len(cite.lead))] if cite.lead else [])


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    abstained: bool = False
    policy_id: str | None = None
    notes: tuple[str, ...] = ()  # what the checks changed, for logs and tests
