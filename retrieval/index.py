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
from retrieval.dense import DenseSettings, make_index, read_index, stored_vectors
from retrieval.embedding import Embedder
from retrieval.types import Chunk, Policy

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
EMBED_CALL = 1024  # chunks per embedder call while indexing
Progress = Callable[[int, int], None]


class IndexError_(RuntimeError):
    """Base for index problems whose message tells the user what to do."""


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class IndexDamagedError(IndexError_):
    """A file of the index is missing, cut short or does not agree with the others."""


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
    recovered: str = ""          # why the old index could not be used, when it was rebuilt
    index: "Index | None" = None  # the index as written (or as it was, when nothing changed)


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

    def __post_init__(self) -> None:
        self.matrix = stored_vectors(self.dense)  # every chunk's vector, row for row, not copied

    def vectors(self, policy_id: str) -> np.ndarray:
        a, b = self.ranges[policy_id]
        return self.matrix[a:b]

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
    """Load the live generation; raise with a how-to-fix message if missing, damaged or built differently."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"No index in {index_dir}. Build it with: plainpolicy index corpus --out {index_dir}")
    where = "manifest.json"
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        check_manifest(manifest, config, index_dir)
        where = "chunks.jsonl"
        chunks = [Chunk(**json.loads(line)) for line in _read(gen / "chunks.jsonl").split("\n") if line]
        where = "dense.faiss"
        dense = read_index(gen / "dense.faiss")
        where = "manifest.json"
        policies, origins, ranges = {}, {}, {}
        for pid, meta in manifest["policies"].items():
            where = f"policies/{pid}.txt"
            text = _read(gen / "policies" / f"{pid}.txt")
            policies[pid] = Policy(id=pid, name=meta["name"], text=text, source_path=meta.get("source_path", ""),
                                   url=meta.get("url", ""), archived=meta.get("archived", ""))
            origins[pid] = meta.get("origin", "corpus")
            ranges[pid] = tuple(meta["rows"])
        where = "the index's files"
        _check_agree(chunks, dense, policies, ranges)
    except IndexMismatchError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # JSON, UTF-8, FAISS and shape errors
        raise IndexDamagedError(
            f"The index in {index_dir} is damaged ({where}: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}). "
            f"Rebuild it with: plainpolicy index --rebuild --out {index_dir}"
        ) from exc
    return Index(config, policies, origins, chunks, dense, ranges, path=gen)


def _read(path: Path) -> str:
    """A file's text exactly as written: no newline translation, so "\r\n" stays and offsets hold."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _check_agree(chunks: list[Chunk], dense: faiss.Index, policies: dict[str, Policy], ranges: dict[str, tuple[int, int]]) -> None:
    """Every row has a vector, the policies' rows tile the chunks, and each chunk is its policy's text."""
    if dense.ntotal != len(chunks):
        raise ValueError(f"{dense.ntotal} vectors for {len(chunks)} chunks")
    row = 0
    for pid, (a, b) in sorted(ranges.items(), key=lambda kv: kv[1]):
        if a != row or b < a:
            raise ValueError(f"rows of {pid} do not follow on")
        text = policies[pid].text
        for c in chunks[a:b]:
            if c.policy_id != pid or text[c.start:c.end] != c.text:
                raise ValueError(f"chunk {c.id} is not the text of {pid}")
        row = b
    if row != len(chunks):
        raise ValueError(f"{len(chunks) - row} chunks belong to no policy")


def build_index(
    index_dir: Path,
    policies: Iterable[Policy],
    embedder: Callable[[], Embedder] | Embedder,
    config: IndexConfig,
    *,
    origin: str = "corpus",
    rebuild: bool = False,
    progress: Progress | None = None,
    dense: DenseSettings = DenseSettings(),
    current: Index | None = None,
) -> BuildReport:
    """Make the index hold exactly ``policies`` as its policies of ``origin``; those of other
    origins (a user's uploads, when the corpus is re-indexed) are kept.

    ``embedder`` may be a zero-argument factory so that nothing is loaded when nothing changed.
    ``current`` is the live index when the caller has it loaded already. A damaged index, or one
    built with other settings, is rebuilt from scratch; the uploads whose text can still be read
    from it are kept, and ``report.recovered`` says what happened. ``report.index`` is the result.
    """
    t0 = time.perf_counter()
    report = BuildReport()
    wanted = {p.id: p for p in policies}
    origins = dict.fromkeys(wanted, origin)
    old: Index | None = None if rebuild else current
    if old is None and not rebuild and current_generation(index_dir) is not None:
        try:
            old = load_index(index_dir, config)
        except IndexError_ as exc:
            log.warning("rebuilding from scratch: %s", exc)
            report.recovered = str(exc).split(". Rebuild it with")[0]
            for p, o in salvage_policies(index_dir):
                if o != origin and p.id not in wanted:
                    wanted[p.id], origins[p.id] = p, o
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
        report.policies, report.chunks, report.index = len(old.policies), len(old.chunks), old
        report.seconds = time.perf_counter() - t0
        return report

    model = embedder() if isinstance(embedder, type) or not hasattr(embedder, "encode") else embedder
    todo = []
    for i, (policy, chunks, _) in enumerate(plan):
        if chunks is None:
            todo.append((i, chunk_text(policy.id, policy.text, model.count_tokens, config.chunker)))
    texts = [embed_text(c) for _, chunks in todo for c in chunks]
    parts = [np.zeros((0, config.dim), np.float32)]
    # Large calls across policies: the embedder batches texts of like length together within a
    # call, so calls of 64 chunks padded more and embedded ~0.8x as fast (BENCHMARKS.md, issue 10).
    if progress and texts:
        progress(0, len(texts))  # shown at once: a call of 1,024 chunks takes a few seconds
    for a in range(0, len(texts), EMBED_CALL):
        parts.append(model.encode(texts[a:a + EMBED_CALL]))
        if progress:
            progress(min(a + EMBED_CALL, len(texts)), len(texts))
    ends = np.cumsum([len(chunks) for _, chunks in todo])
    for (i, chunks), vectors in zip(todo, np.split(np.vstack(parts), ends[:-1])):
        plan[i] = (plan[i][0], chunks, vectors)
        report.embedded += len(chunks)
    report.index = write_generation(index_dir, plan, config, origins, dense)
    report.policies = len(plan)
    report.chunks = sum(len(c) for _, c, _ in plan)
    report.seconds = time.perf_counter() - t0
    return report


def salvage_policies(index_dir: Path) -> list[tuple[Policy, str]]:
    """The policies, with their origin, whose text can still be read from a damaged index."""
    gen = current_generation(index_dir)
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8")) if gen else {}
        entries = list(manifest.get("policies", {}).items())
    except (OSError, ValueError, AttributeError):
        return []
    out = []
    for pid, meta in entries:
        try:
            text = _read(gen / "policies" / f"{pid}.txt")
            if isinstance(meta, dict) and text_sha256(text) == meta.get("sha256"):
                out.append((Policy(id=pid, name=meta["name"], text=text, source_path=meta.get("source_path", ""),
                                   url=meta.get("url", ""), archived=meta.get("archived", "")), meta.get("origin", "corpus")))
        except (OSError, ValueError, KeyError):
            continue
    return out


def embed_text(chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its section heading (if not already at its start) and its text."""
    if chunk.section and not chunk.text.lstrip("#* >").startswith(chunk.section[:20]):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def write_generation(index_dir: Path, plan: list[tuple[Policy, list[Chunk], np.ndarray]], config: IndexConfig,
                     origins: dict[str, str], settings: DenseSettings) -> Index:
    """Write a new generation holding ``plan`` (policies with their chunks and vectors) and make
    it the live one; the index as written is returned, so nothing needs to be read back."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"g-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    tmp = index_dir / (name + ".tmp")
    (tmp / "policies").mkdir(parents=True)
    manifest = config.as_manifest() | {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "policies": {}}
    policies, ranges, all_chunks = {}, {}, []
    row = 0
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as out:
        for policy, chunks, vectors in plan:
            (tmp / "policies" / f"{policy.id}.txt").write_text(policy.text, encoding="utf-8", newline="")
            for c in chunks:
                out.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            all_chunks.extend(chunks)
            policies[policy.id], ranges[policy.id] = policy, (row, row + len(chunks))
            manifest["policies"][policy.id] = {
                "name": policy.name, "sha256": text_sha256(policy.text), "url": policy.url,
                "archived": policy.archived, "source_path": policy.source_path,
                "origin": origins.get(policy.id, "corpus"), "rows": [row, row + len(chunks)],
            }
            row += len(chunks)
    vectors = [v for _, c, v in plan if len(c)]
    dense = make_index(np.vstack(vectors) if vectors else np.zeros((0, config.dim), np.float32), config.dim, settings)
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    os.replace(tmp, index_dir / name)
    pointer_tmp = index_dir / "CURRENT.tmp"
    pointer_tmp.write_text(name)
    os.replace(pointer_tmp, index_dir / "CURRENT")
    for old in index_dir.iterdir():
        if old.is_dir() and old.name.startswith("g-") and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return Index(config, policies, {pid: origins.get(pid, "corpus") for pid in policies}, all_chunks, dense, ranges,
                 path=index_dir / name)


def add_policy(
    index_dir: Path, policy: Policy, embedder: Callable[[], Embedder] | Embedder, config: IndexConfig,
    *, progress: Progress | None = None, dense: DenseSettings = DenseSettings(), current: Index | None = None,
) -> BuildReport:
    """Add (or replace) one user-supplied policy, keeping every other policy in the index.

    Pass the loaded index as ``current`` so that it is not read again; ``report.index`` is the new one.
    """
    live = current_generation(index_dir)
    if current is not None and (current.path is None or current.path.resolve() != (live.resolve() if live else None)):
        current = None  # another process has written the index since
    if current is None and live is not None:
        current = load_index(index_dir, config)
    uploads = [p for pid, p in current.policies.items() if current.origins[pid] == "upload" and pid != policy.id] if current else []
    return build_index(index_dir, uploads + [policy], embedder, config, origin="upload", progress=progress,
                       dense=dense, current=current)
