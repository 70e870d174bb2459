"""The ``plainpolicy`` command line. It parses flags into Settings and prints results.

This module holds no retrieval or answering logic; it calls ``retrieval`` and ``answering``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from plainpolicy.settings import Settings

log = logging.getLogger("plainpolicy")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries()
    try:
        settings = Settings.load(index_dir=args.index_dir, **_overrides(args))
        return args.func(args, settings)
    except (ValueError, FileNotFoundError, KeyError, RuntimeError) as exc:
        log.debug("failed", exc_info=True)
        print(f"plainpolicy: error: {exc}", file=sys.stderr)
        return 2


def _overrides(args: argparse.Namespace) -> dict:
    return {}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="plainpolicy", description="Explain privacy policies in plain language, offline.")
    p.add_argument("-v", "--verbose", action="store_true", help="log details")
    p.add_argument("--index-dir", type=Path, default=None, help="index folder (default .plainpolicy/index; env PLAINPOLICY_INDEX_DIR)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("index", help="build or update the index for a folder of policies")
    s.add_argument("corpus", nargs="?", type=Path, default=None, help="folder of .txt/.md/.html/.pdf policies (default corpus/)")
    s.add_argument("--out", type=Path, default=None, help="index folder to write")
    s.add_argument("--rebuild", action="store_true", help="re-embed every policy")
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("list", help="list the policies in the index")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("search", help="show the clauses that best match a question")
    s.add_argument("question")
    s.add_argument("--policy", default=None, help="policy id to search (default: all)")
    s.add_argument("-k", type=int, default=None, help="how many clauses (default 5)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("fetch-model", help="download, join and verify the default model (once)")
    s.set_defaults(func=cmd_fetch_model)

    s = sub.add_parser("eval-retrieval", help="retrieval benchmark on a SQuAD-style file")
    s.add_argument("file", type=Path)
    s.add_argument("--out", type=Path, required=True, help="JSON lines output, one per question")
    s.set_defaults(func=cmd_eval_retrieval)
    return p


def _quiet_libraries() -> None:
    for name in ("sentence_transformers", "transformers", "faiss", "httpx", "bm25s"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:
        pass


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from retrieval.runtime import index_corpus

    out = args.out or settings.index_dir
    bar = tqdm(total=0, unit="chunk", desc="Embedding", disable=None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    report = index_corpus(settings, args.corpus, out, rebuild=args.rebuild, progress=progress)
    bar.close()
    print(f"Index {out}: {report.policies} policies, {report.chunks} chunks, {report.seconds:.1f} s "
          f"(embedded {report.embedded} chunks; new or changed: {', '.join(report.added) or 'none'}; "
          f"removed: {', '.join(report.removed) or 'none'}); {len(report.errors)} errors")
    for err in report.errors:
        print(f"  error: {err}", file=sys.stderr)
    return 0 if report.policies else 1


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.index import load_index
    from retrieval.runtime import index_config

    index = load_index(settings.index_dir, index_config(settings))
    for pid, p in index.policies.items():
        a, b = index.ranges[pid]
        extra = "  ".join(x for x in (p.url, f"archived {p.archived}" if p.archived else "") if x)
        print(f"{pid:20} {p.name:24} {b - a:5d} chunks  {extra}".rstrip())
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.runtime import open_searcher

    searcher = open_searcher(settings)
    hits = searcher.search(args.question, policy_id=args.policy, k=args.k or settings.top_k)
    if args.json:
        print(json.dumps([{"policy_id": h.chunk.policy_id, "policy": searcher.index.policies[h.chunk.policy_id].name,
                           "section": h.chunk.section, "score": round(h.score, 4), "start": h.chunk.start,
                           "end": h.chunk.end, "chunk_id": h.chunk.id, "text": h.chunk.text} for h in hits], indent=2))
        return 0
    for n, h in enumerate(hits, 1):
        name = searcher.index.policies[h.chunk.policy_id].name
        print(f"[{n}] {name} · {h.chunk.section or '(no section)'} · score {h.score:.3f} · chars {h.chunk.start}-{h.chunk.end}")
        print(f"    {h.chunk.text}\n")
    if not hits:
        print("No matching clauses.")
    return 0


def cmd_fetch_model(args: argparse.Namespace, settings: Settings) -> int:
    from generation.model_files import ensure_default_model

    path = ensure_default_model(settings.default_model_path, progress=True)
    print(f"Model ready: {path}")
    return 0


def cmd_eval_retrieval(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.embedding import MiniLMEmbedder
    from retrieval.evaluate import eval_retrieval
    from retrieval.runtime import index_config

    summary = eval_retrieval(args.file, args.out, MiniLMEmbedder(), index_config(settings), settings.search)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
