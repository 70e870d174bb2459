"""`make bench`: indexing, search and answer speed, with quality beside it, as BENCHMARKS.md tables.

Runs everything one after another in this process or in child processes it waits for (never two
model jobs at once), then replaces the part of BENCHMARKS.md between the two "make bench" marker
lines with the new tables, each carrying its command and this machine's description.

    .venv/bin/python scripts/bench.py                 # the full run (about 25 minutes on 2 cores)
    .venv/bin/python scripts/bench.py --quick --out /tmp/bench.md   # a check that it still runs

--quick uses small sizes, skips the model and writes only to --out.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plainpolicy.settings import Settings  # noqa: E402
from retrieval.bench import bench_search, real_text, scaled_plan  # noqa: E402
from retrieval.chunking import chunk_text  # noqa: E402
from retrieval.dense import DenseSettings  # noqa: E402
from retrieval.index import build_index, embed_text  # noqa: E402
from retrieval.loaders import load_corpus  # noqa: E402
from retrieval.runtime import index_config, make_embedder  # noqa: E402

START, END = "<!-- make bench: start -->", "<!-- make bench: end -->"
PLAINPOLICY = [sys.executable, "-m", "plainpolicy.cli"]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores of {cpu}, {mem:.0f} GiB RAM, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"


def indexing(settings: Settings, data: Path, chunks: int) -> list[str]:
    """The app's index build against the embedder alone, on the same chunks, in one run."""
    embedder = make_embedder(settings)
    config = index_config(settings)
    seeds, _ = load_corpus(settings.corpus_dir)
    policies, _, _ = real_text(data, settings.corpus_dir)
    rows = ["| corpus | chunks | characters | index build s | chunks/s | characters/s | embedder alone chunks/s | ratio |",
            "|---|---|---|---|---|---|---|---|"]
    # Warm-up, not timed: ONNX Runtime's first calls set up its memory for each new batch shape.
    embedder.encode([embed_text(c) for p in seeds for c in chunk_text(p.id, p.text, embedder.count_tokens, config.chunker)])
    for name, corpus in (("corpus/ (the seeds)", seeds), (f"dev policies repeated to ~{chunks:,} chunks", None)):
        if corpus is None:  # whole real policies, repeated under new ids, until there are enough chunks
            pieces = [chunk_text(p.id, p.text, embedder.count_tokens, config.chunker) for p in policies]
            plan = scaled_plan(policies, pieces, np.zeros((sum(map(len, pieces)), config.dim), np.float32), chunks)
            corpus = [p for p, _, _ in plan]
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            report = build_index(Path(tmp), corpus, embedder, config, dense=settings.dense)
            build = time.perf_counter() - t
            texts = [embed_text(c) for c in report.index.chunks]
        t = time.perf_counter()
        embedder.encode(texts)
        alone = time.perf_counter() - t
        chars = sum(len(p.text) for p in corpus)
        rows.append(f"| {name} | {len(texts):,} | {chars:,} | {build:.1f} | {len(texts) / build:.0f} | {chars / build:,.0f} "
                    f"| {len(texts) / alone:.0f} | {alone / build:.2f} |")
        print(rows[-1], flush=True)
    return rows


def search(settings: Settings, data: Path, sizes: list[int], questions: int) -> list[str]:
    embedder = make_embedder(settings)
    rows = ["| chunks | index | median ms | p95 ms | recall@10 vs flat | one policy, median ms | question embedding ms "
            "| index build s | keyword index over all, s | vectors |", "|---|---|---|---|---|---|---|---|---|---|"]
    for n in sizes:
        for kind in ("flat", "hnsw"):
            r = bench_search(n, embedder, index_config(settings), settings.search, DenseSettings(kind=kind),
                             data, settings.corpus_dir, settings.cache_dir, questions=questions)
            auto = " (auto)" if settings.dense.kind_for(r["chunks"]) == kind else ""
            rows.append(f"| {r['chunks']:,} | {kind}{auto} | {r['median_ms']} | {r['p95_ms']} | {r['recall_at_10']} "
                        f"| {r['policy_median_ms']} | {r['embed_question_median_ms']} | {r['build_s']} | {r['keyword_index_s']} | {r['vectors']} |")
            print(rows[-1], flush=True)
    return rows


def answers(data: Path, sample: int, out_dir: Path) -> list[str]:
    """eval-answers on the seed questions and a ToS;DR sample, each in a child process, one at a time."""
    rows = ["| questions | answered | right | abstained | median first shown text s | median full answer s "
            "| prompt tokens read per question (median) | reading tokens/s | writing tokens/s | peak memory GB |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    runs = [("seed dev (all)", data / "seed_qa_dev.json", None)] if (data / "seed_qa_dev.json").exists() else []
    if (data / "tosdr_dev.json").exists():
        runs.append((f"ToS;DR dev, {sample} spread evenly", data / "tosdr_dev.json", sample))
    for name, path, n in runs:
        out = out_dir / f"{path.stem}.jsonl"
        cmd = PLAINPOLICY + ["eval-answers", str(path), "--out", str(out)] + (["--sample", str(n)] if n else [])
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        abstained = sum(x["abstained"] for x in lines)
        rows.append(f"| {name} | {len(lines)} | {result['right']} | {abstained} | {result['median_first_token_seconds']} "
                    f"| {result['median_seconds']} | {result.get('median_prompt_tokens')} | {result.get('read_tokens_per_second')} "
                    f"| {result.get('written_tokens_per_second')} | {peak / 2**20:.2f}{'' if peak > before else ' (max so far)'} |")
        print(rows[-1], flush=True)
    return rows


def retrieval_quality(data: Path, out_dir: Path) -> list[str]:
    path = data / "policyqa_dev.json"
    if not path.exists():
        return ["(PolicyQA dev file not found: retrieval recall not measured)"]
    result = json.loads(subprocess.run(PLAINPOLICY + ["eval-retrieval", str(path), "--out", str(out_dir / "retrieval.jsonl")],
                                       check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    return [f"Retrieval on PolicyQA dev ({result['questions']} questions): recall@1500 {result['recall@1500']}, "
            f"median query {result['median_latency_ms']} ms."]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, no model; only checks that it runs")
    p.add_argument("--data", type=Path, default=None, help="the dev files' folder (default: settings' dev_data_dir)")
    p.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="file whose marked section is replaced")
    p.add_argument("--index-chunks", type=int, default=100_000)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--questions", type=int, default=200, help="questions timed per search size")
    p.add_argument("--answers", type=int, default=20, help="ToS;DR questions answered (spread evenly)")
    args = p.parse_args()
    if args.quick:
        args.index_chunks, args.sizes, args.questions = 1500, "1000,3000", 20
    settings = Settings.load()
    args.data = args.data or settings.dev_data_dir
    sizes = [int(x) for x in args.sizes.split(",")]
    command = "make bench" + (" (quick)" if args.quick else "")
    parts = [START, f"### Measured by `{command}`", "", f"Machine: {machine()}. Each table below is one run of "
             f"`.venv/bin/python scripts/bench.py{' --quick' if args.quick else ''}`; nothing else ran meanwhile.", ""]
    parts += ["**Indexing** (the app's `build_index`: chunking, embedding, writing; against `encode` of the same chunk "
              "texts alone, in the same run; one run of each, since the 100k row takes about 13 minutes):", ""] + indexing(settings, args.data, args.index_chunks) + [""]
    parts += [f"**Search** (`plainpolicy bench search --chunks N --json` for each row: {args.questions} real questions "
              "through `Searcher.search` over every policy, question embedding included; recall@10 is the index's dense "
              "top 10 against exact search over the same vectors):", ""] + search(settings, args.data, sizes, args.questions) + [""]
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            parts += ["**Answers** (`plainpolicy eval-answers`, default model and settings; peak memory is the largest "
                      "resident size of the eval process):", ""] + answers(args.data, args.answers, Path(tmp)) + [""]
            parts += ["**Quality beside speed:**", ""] + retrieval_quality(args.data, Path(tmp)) + [""]
    parts.append(END)
    section = "\n".join(parts)
    old = args.out.read_text() if args.out.exists() else ""
    if START in old and END in old:
        new = old[:old.index(START)] + section + old[old.index(END) + len(END):]
    else:
        new = old.rstrip() + "\n\n" + section + "\n"
    args.out.write_text(new)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
