"""The persisted index: policies, their chunks and their vectors, with a manifest.

Layout of an index directory::

    CURRENT             name of the live generation (replaced atomically)
    g-<stamp>/manifest.json
    g-<stamp>/chunks.jsonl
    g-<stamp>/dense.faiss
    g-<stamp>/policies/<policy id>.txt

A build writes a new generation beside the old one and only then points CURRENT at it, so a
crash mid-write leaves the old index usable. Unchanged policies (same text sha256) reuse their
chunks and vectors. This module does not rank anything; see ``retrieval.search``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import faiss
import numpy as np

from retrieval.chunking import ChunkerSettings, chunk_text
from retrieval.embedding import Embedder
from retrieval.types import Chunk, Policy

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
Progress = Callable[[int, int], None]


class IndexError_(RuntimeError):
    """Base for index problems whose message tells the user what to do."""


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


@dataclass(frozen=True)
class IndexConfig:
    """What an index must have been built with to be usable by the current settings."""

    embedder: str
    dim: int
    chunker: ChunkerSettings

    def as_manifest(self) -> dict:
        return {"format_version": FORMAT_VERSION, "embedder": self.embedder, "dim": self.dim, "chunker": asdict(self.chunker)}


@dataclass
class BuildReport:
    policies: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Index:
    """A loaded index. Chunks are stored grouped by policy; ``ranges[pid]`` is its row range."""

    config: IndexConfig
    policies: dict[str, Policy]
    origins: dict[str, str]
    chunks: list[Chunk]
    dense: faiss.Index
    ranges: dict[str, tuple[int, int]]
    path: Path | None = None

    def vectors(self, policy_id: str) -> np.ndarray:
        a, b = self.ranges[policy_id]
        return self.dense.reconstruct_n(a, b - a) if b > a else np.zeros((0, self.config.dim), np.float32)

    def policy_chunks(self, policy_id: str) -> list[Chunk]:
        a, b = self.ranges[policy_id]
        return self.chunks[a:b]


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    gen = index_dir / pointer.read_text().strip()
    return gen if (gen / "manifest.json").exists() else None


def read_manifest(index_dir: Path) -> dict | None:
    gen = current_generation(index_dir)
    return json.loads((gen / "manifest.json").read_text()) if gen else None


def check_manifest(manifest: dict, config: IndexConfig, index_dir: Path) -> None:
    want = config.as_manifest()
    diffs = [f"{k}: index has {manifest.get(k)!r}, settings want {v!r}" for k, v in want.items() if manifest.get(k) != v]
    if diffs:
        raise IndexMismatchError(
            f"The index in {index_dir} was built with other settings ({'; '.join(diffs)}). "
            f"Rebuild it with: plainpolicy index --rebuild --out {index_dir}"
        )


def load_index(index_dir: Path, config: IndexConfig) -> Index:
    """Load the live generation; raise with a how-to-fix message if missing or built differently."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"No index in {index_dir}. Build it with: plainpolicy index corpus --out {index_dir}")
    manifest = json.loads((gen / "manifest.json").read_text())
    check_manifest(manifest, config, index_dir)
    chunks = [Chunk(**json.loads(line)) for line in (gen / "chunks.jsonl").read_text().splitlines() if line]
    dense = faiss.read_index(str(gen / "dense.faiss"))
    policies, origins, ranges = {}, {}, {}
    for pid, meta in manifest["policies"].items():
        text = (gen / "policies" / f"{pid}.txt").read_text(encoding="utf-8")
        policies[pid] = Policy(id=pid, name=meta["name"], text=text, source_path=meta.get("source_path", ""),
                               url=meta.get("url", ""), archived=meta.get("archived", ""))
        origins[pid] = meta.get("origin", "corpus")
        ranges[pid] = tuple(meta["rows"])
    if dense.ntotal != len(chunks):
        raise IndexMismatchError(f"The index in {index_dir} is damaged. Rebuild it with: plainpolicy index --rebuild --out {index_dir}")
    return Index(config, policies, origins, chunks, dense, ranges, path=gen)


def build_index(
    index_dir: Path,
    policies: Iterable[Policy],
    embedder: Callable[[], Embedder] | Embedder,
    config: IndexConfig,
    *,
    origin: str = "corpus",
    rebuild: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Make the index hold exactly ``policies`` as its policies of ``origin``; those of other
    origins (a user's uploads, when the corpus is re-indexed) are kept.

    ``embedder`` may be a zero-argument factory so that nothing is loaded when nothing changed.
    """
    t0 = time.perf_counter()
    report = BuildReport()
    wanted = {p.id: p for p in policies}
    origins = dict.fromkeys(wanted, origin)
    old: Index | None = None
    if not rebuild and current_generation(index_dir) is not None:
        try:
            old = load_index(index_dir, config)
        except IndexMismatchError as exc:
            log.warning("rebuilding from scratch: %s", exc)
    if old is not None:
        for pid, o in old.origins.items():
            if o != origin and pid not in wanted:
                wanted[pid], origins[pid] = old.policies[pid], o

    plan: list[tuple[Policy, list[Chunk] | None, np.ndarray | None]] = []
    for pid in sorted(wanted):
        policy = wanted[pid]
        if old is not None and pid in old.policies and old.policies[pid].text == policy.text and old.policies[pid].name == policy.name:
            plan.append((policy, old.policy_chunks(pid), old.vectors(pid)))
            report.reused.append(pid)
        else:
            plan.append((policy, None, None))
            report.added.append(pid)
    if old is not None:
        report.removed = sorted(set(old.policies) - set(wanted))
    if old is not None and not report.added and not report.removed:
        report.policies, report.chunks = len(old.policies), len(old.chunks)
        report.seconds = time.perf_counter() - t0
        return report

    model = embedder() if isinstance(embedder, type) or not hasattr(embedder, "encode") else embedder
    todo = []
    for i, (policy, chunks, _) in enumerate(plan):
        if chunks is None:
            todo.append((i, chunk_text(policy.id, policy.text, model.count_tokens, config.chunker)))
    total = sum(len(c) for _, c in todo)
    done = 0
    for i, chunks in todo:
        parts = [np.zeros((0, config.dim), np.float32)]
        for a in range(0, len(chunks), 64):
            batch = chunks[a:a + 64]
            parts.append(model.encode([embed_text(c) for c in batch]))
            done += len(batch)
            if progress:
                progress(done, total)
        plan[i] = (plan[i][0], chunks, np.vstack(parts))
        report.embedded += len(chunks)
    _write_generation(index_dir, plan, config, origins)
    report.policies = len(plan)
    report.chunks = sum(len(c) for _, c, _ in plan)
    report.seconds = time.perf_counter() - t0
    return report


def embed_text(chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its section heading (if not already at its start) and its text."""
    if chunk.section and not chunk.text.lstrip("#* >").startswith(chunk.section[:20]):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def _write_generation(index_dir: Path, plan, config: IndexConfig, origins: dict[str, str]) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"g-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    tmp = index_dir / (name + ".tmp")
    (tmp / "policies").mkdir(parents=True)
    manifest = config.as_manifest() | {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "policies": {}}
    dense = faiss.IndexFlatIP(config.dim)
    row = 0
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as out:
        for policy, chunks, vectors in plan:
            (tmp / "policies" / f"{policy.id}.txt").write_text(policy.text, encoding="utf-8")
            for c in chunks:
                out.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            if len(chunks):
                dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
            manifest["policies"][policy.id] = {
                "name": policy.name, "sha256": text_sha256(policy.text), "url": policy.url,
                "archived": policy.archived, "source_path": policy.source_path,
                "origin": origins.get(policy.id, "corpus"), "rows": [row, row + len(chunks)],
            }
            row += len(chunks)
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    os.replace(tmp, index_dir / name)
    pointer_tmp = index_dir / "CURRENT.tmp"
    pointer_tmp.write_text(name)
    os.replace(pointer_tmp, index_dir / "CURRENT")
    for old in index_dir.iterdir():
        if old.is_dir() and old.name.startswith("g-") and old.name != name:
            shutil.rmtree(old, ignore_errors=True)


def add_policy(
    index_dir: Path, policy: Policy, embedder: Callable[[], Embedder] | Embedder, config: IndexConfig,
    *, progress: Progress | None = None,
) -> BuildReport:
    """Add (or replace) one user-supplied policy, keeping every other policy in the index."""
    uploads: list[Policy] = []
    if current_generation(index_dir) is not None:
        old = load_index(index_dir, config)
        uploads = [p for pid, p in old.policies.items() if old.origins[pid] == "upload" and pid != policy.id]
    return build_index(index_dir, uploads + [policy], embedder, config, origin="upload", progress=progress)
