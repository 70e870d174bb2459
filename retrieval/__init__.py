"""Retrieval: policy files to chunks to a persisted hybrid index, and questions to ranked clauses."""
from retrieval.types import Chunk, Hit, Policy

__all__ = ["Chunk", "Hit", "Policy"]
