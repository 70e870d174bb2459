"""The frozen records that pass between retrieval stages: Policy, Chunk and Hit.

This module holds data only. It does not read files, split text or score anything.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """One privacy policy as plain text, with what we know about where it came from."""

    id: str
    name: str
    text: str
    source_path: str = ""
    url: str = ""
    archived: str = ""


@dataclass(frozen=True)
class Chunk:
    """A verbatim span of a policy: ``policy.text[start:end] == text``."""

    id: str
    policy_id: str
    start: int
    end: int
    text: str
    section: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}:{self.end} for chunk {self.id}")
        if self.end - self.start != len(self.text):
            raise ValueError(f"chunk {self.id}: span length does not match text length")


@dataclass(frozen=True)
class Hit:
    """A chunk returned by search, with its fused score (higher is better)."""

    chunk: Chunk
    score: float
