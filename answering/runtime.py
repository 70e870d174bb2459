"""Build a ready Pipeline from Settings: the index, the embedder and the chosen model back end.

This module loads things; it makes no decisions about answers.
"""
from __future__ import annotations

from answering.pipeline import AnswerSettings, Pipeline
from generation import Generator, make_generator
from plainpolicy.settings import Settings
from retrieval.runtime import open_searcher


def answer_settings(settings: Settings) -> AnswerSettings:
    return AnswerSettings(evidence=settings.evidence_sentences, max_tokens=settings.max_tokens,
                          abstain_below=settings.abstain_below)


def load_pipeline(settings: Settings, generator: Generator | None = None) -> Pipeline:
    return Pipeline(open_searcher(settings), generator or make_generator(settings), answer_settings(settings))
