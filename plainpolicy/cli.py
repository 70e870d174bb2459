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
    """Model flags, when given, override the environment; --api-base switches to the HTTP back end."""
    out = {}
    if getattr(args, "model", None):
        out["model_path"] = args.model
        out.setdefault("backend", "transformers" if args.model.is_dir() else "llama")
    if getattr(args, "api_base", None):
        out |= {"backend": "openai", "api_base": args.api_base, "api_model": args.api_model, "api_key": args.api_key}
    if getattr(args, "backend", None):
        out["backend"] = args.backend
    return out


def _model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None, help="a GGUF file (llama.cpp) or a Hugging Face model folder (transformers)")
    p.add_argument("--backend", choices=["llama", "openai", "transformers"], default=None)
    p.add_argument("--api-base", default=None, help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--api-model", default=None, help="model name on that server")
    p.add_argument("--api-key", default=None, help="API key for that server, if it needs one")


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

    s = sub.add_parser("ask", help="answer a question in plain language, with citations")
    s.add_argument("question")
    s.add_argument("--policy", default=None, help="policy id to answer from (default: the one the question names, else all)")
    s.add_argument("--json", action="store_true", help="print the answer as JSON")
    _model_flags(s)
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("eval-answers", help="answer benchmark on a SQuAD-style file")
    s.add_argument("file", type=Path)
    s.add_argument("--out", type=Path, required=True, help="JSON lines output, one per question")
    s.add_argument("--sample", type=int, default=None, help="answer only N questions, evenly spread over the file (the same N every run)")
    _model_flags(s)
    s.set_defaults(func=cmd_eval_answers)

    s = sub.add_parser("summary", help="a policy at a glance: a line per category and flags, all cited")
    s.add_argument("--policy", required=True, help="policy id (see `plainpolicy list`)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--save", type=Path, default=None, help="also keep it in this folder (make summaries: corpus/summaries)")
    _model_flags(s)
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser("compare", help="2 to 5 policies side by side, on the summary's categories and flags")
    s.add_argument("policies", nargs="+", help="policy ids")
    s.add_argument("--json", action="store_true", help="print JSON")
    _model_flags(s)
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("eval-summary", help="summary benchmark on a SQuAD-style file: one JSON line per policy")
    s.add_argument("file", type=Path)
    s.add_argument("--out", type=Path, required=True, help="JSON lines output, one per policy, in input order")
    s.add_argument("--policies", type=int, default=None, help="summarise only the first N policies")
    _model_flags(s)
    s.set_defaults(func=cmd_eval_summary)

    s = sub.add_parser("bench", help="benchmarks; `bench search` times search at a chosen index size")
    bench = s.add_subparsers(dest="bench", required=True)
    b = bench.add_parser("search", help="index N chunks of real policy text and time real questions through the app's search")
    b.add_argument("--chunks", type=int, required=True, help="index size in chunks (real text, repeated beyond its size)")
    b.add_argument("--questions", type=int, default=200, help="how many real questions to time (default 200)")
    b.add_argument("--data", type=Path, default=None,
                   help="folder with tosdr_dev.json and policyqa_dev.json (default: settings' dev_data_dir, "
                        "../shared/data; without them corpus/ is used)")
    b.add_argument("--json", action="store_true", help="print one JSON line (the default prints a sentence too)")
    b.set_defaults(func=cmd_bench_search)

    s = sub.add_parser("fetch-model", help="download, join and verify the default model; export the question embedder and keep the model's reading of its instructions (once)")
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
    if report.recovered:
        kept = sum(o == "upload" for o in report.index.origins.values()) if report.index else 0
        print(f"The old index could not be used ({report.recovered}); it was rebuilt from scratch"
              f"{f', keeping {kept} uploaded policies' if kept else ''}.", file=sys.stderr)
    print(f"Index {out}: {report.policies} policies, {report.chunks} chunks, {report.seconds:.1f} s "
          f"(embedded {report.embedded} chunks; new or changed: {', '.join(report.added) or 'none'}; "
          f"removed: {', '.join(report.removed) or 'none'}); {len(report.errors)} errors")
    for err in report.errors:
        print(f"  error: {err}", file=sys.stderr)
    return 0 if report.policies else 1


def cmd_bench_search(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.bench import bench_search
    from retrieval.runtime import index_config, make_embedder

    from tqdm import tqdm

    bar = tqdm(total=0, unit="chunk", desc="Embedding the real chunks (once; cached after)", disable=None, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()

    result = bench_search(args.chunks, make_embedder(settings), index_config(settings), settings.search, settings.dense,
                          args.data or settings.dev_data_dir, settings.corpus_dir, settings.cache_dir,
                          questions=args.questions, progress=progress)
    bar.close()
    print(json.dumps(result))
    if not args.json:
        print(f"{result['chunks']} chunks ({result['index']}): median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
              f"recall@10 {result['recall_at_10']} against exact search", file=sys.stderr)
    return 0


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


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from answering.runtime import load_pipeline
    from answering.types import lead_line

    pipeline = load_pipeline(settings)
    stream = pipeline.ask(args.question, policy_id=args.policy)
    if args.json:
        answer = stream.finish()
        print(json.dumps({"answer": answer.text, "abstained": answer.abstained, "policy_id": answer.policy_id,
                          "citations": [c.__dict__ for c in answer.citations]}, indent=2, ensure_ascii=False))
        return 0
    for piece in stream:
        print(piece, end="", flush=True)
    answer = stream.answer
    print("\n")
    label = "Closest clauses" if answer.abstained else "Sources"
    if answer.citations:
        print(f"{label}:")
    for c in answer.citations:
        print(f"[{c.number}] {c.policy_name} · {c.section or 'Policy'} · chars {c.start}-{c.end}")
        if c.lead:  # a list item: the line that introduces its list first
            print(f"    {lead_line(c)}")
        print(f"    {c.text}")
    return 0


def cmd_eval_answers(args: argparse.Namespace, settings: Settings) -> int:
    from answering.evaluate import eval_answers
    from generation import make_generator
    from retrieval.runtime import make_embedder

    summary = eval_answers(args.file, args.out, make_embedder(settings), make_generator(settings), settings, sample=args.sample)
    print(json.dumps(summary, indent=2))
    return 0


def _summaries(settings: Settings, ids: list[str], save: Path | None = None) -> list:
    from tqdm import tqdm

    from answering.service import Assistant
    from answering.summary_cache import SummaryCache

    assistant = Assistant.load(settings)
    for pid in ids:
        if pid not in assistant.pipeline.policies:
            raise ValueError(f"no policy {pid!r} in the index; `plainpolicy list` shows the ids")
    out = []
    for pid in ids:
        bar = tqdm(total=0, unit="step", desc=f"Summarising {pid}", disable=None, leave=False)

        def progress(done: int, total: int, what: str) -> None:
            bar.total, bar.n = total, done
            bar.set_postfix_str(what[:40])

        out.append(assistant.summary(pid, progress))
        bar.close()
        if save is not None:
            SummaryCache(save, assistant.backend_name).put(assistant.policy(pid), out[-1])
    return out


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    (summary,) = _summaries(settings, [args.policy], args.save)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(f"{summary.title} at a glance\n")
    for kind, red in (("Red flags", True), ("Good signs", False)):
        flags = [f for f in summary.flags if f.red == red]
        if flags:
            print(f"{kind}:")
            for f in flags:
                print(f"  {'!' if red else '+'} {f.text} [{f.flag}]\n      \"{f.citations[0].text}\"")
    print()
    for line in summary.categories:
        print(f"{line.category}: {line.text}")
        for c in line.citations:
            print(f"      \"{c.text}\" (chars {c.start}-{c.end})")
    return 0


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from answering.summary import compare

    if not 2 <= len(args.policies) <= 5:
        raise ValueError("compare takes 2 to 5 policy ids")
    summaries = _summaries(settings, args.policies)
    rows = compare(summaries)
    if args.json:
        print(json.dumps({"policies": [s.to_json() for s in summaries], "rows": rows}, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(row["row"])
        for s in summaries:
            print(f"  {s.title}: {row[s.title]}")
    return 0


def cmd_eval_summary(args: argparse.Namespace, settings: Settings) -> int:
    from answering.evaluate_summary import eval_summary
    from generation import make_generator
    from retrieval.runtime import make_embedder

    scores = eval_summary(args.file, args.out, make_embedder(settings), make_generator(settings), settings, policies=args.policies)
    print(json.dumps(scores, indent=2))
    return 0


def cmd_fetch_model(args: argparse.Namespace, settings: Settings) -> int:
    from generation.model_files import ensure_default_model

    from retrieval.runtime import make_embedder, onnx_path

    path = ensure_default_model(settings.default_model_path, progress=True)
    print(f"Model ready: {path}")
    if not onnx_path(settings).exists():  # the question embedder's one-time export, so the app need not wait for it
        make_embedder(settings)
        print(f"Question embedder ready: {onnx_path(settings)}")
    if settings.backend == "llama" and settings.gguf_path == path:
        from answering.pipeline import warm_up
        from generation import make_generator, prompt_state_dir
        from generation.llama import state_file

        kept = state_file(path, settings.n_ctx, prompt_state_dir(settings))
        if not kept.exists():  # the model's reading of the fixed instructions, so the first answer need not wait for it
            generator = make_generator(settings)
            warm_up(generator)
            generator.keep_prompt_states()
            print(f"Instructions read once and kept: {kept}")
    return 0


def cmd_eval_retrieval(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.evaluate import eval_retrieval
    from retrieval.runtime import index_config, make_embedder

    summary = eval_retrieval(args.file, args.out, make_embedder(settings), index_config(settings), settings.search)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
