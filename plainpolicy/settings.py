"""The one Settings object: defaults, overridden by PLAINPOLICY_* environment variables,
overridden by explicit values (CLI flags).

This module does not parse command lines or load models; it only holds and validates values.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "PLAINPOLICY_"
BACKENDS = ("llama", "openai", "transformers")


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "plainpolicy"


@dataclass(frozen=True)
class Settings:
    # where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path(".plainpolicy/index")
    cache_dir: Path = field(default_factory=_default_cache)
    dev_data_dir: Path = Path("../shared/data")  # the dev files benchmarks read (tosdr_dev.json, policyqa_dev.json)
    # chunking and embedding (changing these invalidates an index)
    embedder: str = "all-MiniLM-L6-v2"
    chunk_max_tokens: int = 16
    chunk_min_tokens: int = 4
    # search
    top_k: int = 5
    dense_weight: float = 0.6
    context_weight: float = 0.15
    query_expansion: bool = True
    candidates: int = 50
    dense_index: str = "auto"  # auto | flat | hnsw; auto is flat up to hnsw_above chunks (retrieval.dense)
    hnsw_above: int = 20_000
    ef_search: int = 384  # recall@10 0.985 of exact search at 100k chunks (BENCHMARKS.md)
    # generation
    backend: str = "llama"
    model_path: Path | None = None
    api_base: str = ""
    api_model: str = ""
    api_key: str = ""
    n_threads: int = 2
    n_ctx: int = 2048
    max_tokens: int = 64
    # answering
    answer_hits: int = 20
    evidence_sentences: int = 4
    abstain_below: float = 0.2  # only the clearly unrelated skip the meaning check; BENCHMARKS.md, thirty-first session
    min_relevance: float = 0.20  # on the combined score (answering.relevance); from scripts/relevance_fit.py
    min_quote_relevance: float = 0.3  # below it, a reply that fails the checks ends in "doesn't say", not a quote
    co_relevance: float = 0.6  # a second clause for the model (answering.pipeline.top_clauses); BENCHMARKS.md, thirtieth session
    min_support: float = 0.5
    min_answers: float = 0.5  # the meaning check's rating that an answer sentence answers the question
    min_flag_support: float = 0.55  # the meaning check's support a summary flag needs (answering.summary)
    flag_margin: float = 0.2  # ... and by how much it must beat the support of the opposite flag

    def __post_init__(self) -> None:
        if not 1 <= self.chunk_min_tokens < self.chunk_max_tokens <= 200:
            raise ValueError("need 1 <= chunk_min_tokens < chunk_max_tokens <= 200 (the embedder reads 256)")
        if self.top_k < 1 or self.candidates < self.top_k:
            raise ValueError("top_k must be >= 1 and candidates >= top_k")
        if not 0.0 <= self.dense_weight <= 1.0 or not 0.0 <= self.context_weight <= 1.0:
            raise ValueError("dense_weight and context_weight must be between 0 and 1")
        self.dense  # validates dense_index and hnsw_above
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.backend == "openai" and not (self.api_base and self.api_model):
            raise ValueError("the openai backend needs api_base and api_model")
        if self.n_threads < 1 or self.max_tokens < 1:
            raise ValueError("n_threads and max_tokens must be positive")
        if self.answer_hits < 1 or self.evidence_sentences < 1:
            raise ValueError("answer_hits and evidence_sentences must be positive")
        shares = ("abstain_below", "min_relevance", "min_quote_relevance", "co_relevance", "min_support", "min_answers",
                  "min_flag_support", "flag_margin")
        if not all(0.0 <= getattr(self, name) <= 1.0 for name in shares):
            raise ValueError(f"{', '.join(shares[:-1])} and {shares[-1]} must be between 0 and 1")

    @property
    def chunker(self) -> "ChunkerSettings":
        from retrieval.chunking import ChunkerSettings

        return ChunkerSettings(max_tokens=self.chunk_max_tokens, min_tokens=self.chunk_min_tokens)

    @property
    def search(self) -> "SearchSettings":
        from retrieval.search import SearchSettings

        return SearchSettings(top_k=self.top_k, candidates=self.candidates,
                              dense_weight=self.dense_weight, context_weight=self.context_weight,
                              expand=self.query_expansion, ef_search=self.ef_search)

    @property
    def dense(self) -> "DenseSettings":
        from retrieval.dense import DenseSettings

        return DenseSettings(kind=self.dense_index, hnsw_above=self.hnsw_above)

    @property
    def default_model_path(self) -> Path:
        return self.cache_dir / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    @property
    def gguf_path(self) -> Path:
        return self.model_path or self.default_model_path

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then ``PLAINPOLICY_<FIELD>`` variables from ``env``, then non-None ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f, raw)
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _convert(f: dataclasses.Field, raw: str) -> Any:
    kind = str(f.type)
    try:
        if "Path" in kind:
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
