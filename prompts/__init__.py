"""Prompt templates, kept as text files beside this module. ``render`` fills ``{placeholders}``.

This module does not choose evidence or call a model.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def template(name: str) -> str:
    path = HERE / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"no prompt template {path}")
    return path.read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return template(name).format(**values)
