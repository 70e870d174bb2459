"""Benchmark the default model under llama.cpp and under transformers, in one process.

    python -m generation.bench [--model PATH] [--tokens 64] [--hf-tokens 64] [--skip-hf]

For each back end it reports load seconds, first-token latency and decode tokens/s for the
same greedy prompt, then the speed ratio and peak resident memory (``ru_maxrss``; llama.cpp is
measured first, so its figure is the peak before transformers was loaded). It also times
llama.cpp's first token for a ~400-token prompt, the size of a question plus retrieved clauses.

This is a command-line script: it prints its results. It does not download the model (run
``plainpolicy fetch-model`` first), and it is not a test: nothing here asserts anything.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from generation.base import Generator, Message

PROMPT: list[Message] = [
    {"role": "system", "content": "You explain privacy policies in plain language."},
    {"role": "user", "content": "Explain, in about a hundred words, what a privacy policy "
                                "is and why people should read one before signing up."},
]
CLAUSE = ("We may share your personal information, including your name, email address, "
          "device identifiers and approximate location, with service providers who process "
          "it on our behalf, with advertising partners for measurement, and with authorities "
          "when the law requires it. ")


@dataclass
class Run:
    load_s: float
    first_token_s: float
    total_s: float
    tokens: int
    text: str

    @property
    def decode_tok_s(self) -> float:
        """Tokens per second after the first one (prompt processing excluded)."""
        return (self.tokens - 1) / max(self.total_s - self.first_token_s, 1e-9)


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # KiB on Linux


def timed_stream(gen: Generator, messages: list[Message], max_tokens: int) -> tuple[float, float, str]:
    """(first-token seconds, total seconds, text) for one greedy reply."""
    start = time.perf_counter()
    first = None
    pieces = []
    for piece in gen.stream(messages, max_tokens=max_tokens):
        if first is None:
            first = time.perf_counter() - start
        pieces.append(piece)
    total = time.perf_counter() - start
    return (first if first is not None else total), total, "".join(pieces)


def bench_llama(path: Path, threads: int, tokens: int) -> tuple[Run, dict]:
    from generation.llama import LlamaCppGenerator

    start = time.perf_counter()
    gen = LlamaCppGenerator(path, n_threads=threads, n_ctx=2048)
    load = time.perf_counter() - start
    llm = gen._llm  # only to count tokens exactly

    def count(text: str) -> int:
        return len(llm.tokenize(text.encode(), add_bos=False, special=True))

    # A ~400-token prompt first, on a fresh context: the first question of a session.
    clauses = CLAUSE * max(1, round(380 / count(CLAUSE)))
    long_prompt = [PROMPT[0], {"role": "user", "content": "Clauses:\n" + clauses +
                               "\nQuestion: who gets my location? Answer briefly."}]
    first_long, _, _ = timed_stream(gen, long_prompt, 8)
    long = {"prompt_tokens": count(long_prompt[0]["content"]) + count(long_prompt[1]["content"]),
            "first_token_s": first_long, "name": gen.name}

    llm.reset()  # no prompt cache carried over into the measured run
    first, total, text = timed_stream(gen, PROMPT, tokens)
    return Run(load, first, total, count(text), text), long


def bench_transformers(path: Path, tokens: int) -> tuple[Run, str]:
    from generation.hf import TransformersGenerator

    start = time.perf_counter()
    gen = TransformersGenerator(path)
    load = time.perf_counter() - start
    first, total, text = timed_stream(gen, PROMPT, tokens)
    n = len(gen._tokenizer(text, add_special_tokens=False)["input_ids"])
    return Run(load, first, total, n, text), gen.name


def line(label: str, run: Run) -> str:
    return (f"{label:<13} load {run.load_s:6.1f} s | first token {run.first_token_s:5.2f} s | "
            f"{run.tokens} tokens in {run.total_s:6.1f} s | decode {run.decode_tok_s:5.2f} tok/s")


def main(argv: list[str] | None = None) -> None:
    from plainpolicy.settings import Settings

    settings = Settings.load()
    parser = argparse.ArgumentParser(prog="python -m generation.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=settings.gguf_path, help="GGUF file")
    parser.add_argument("--threads", type=int, default=settings.n_threads)
    parser.add_argument("--tokens", type=int, default=64, help="tokens to generate with llama.cpp")
    parser.add_argument("--hf-tokens", type=int, default=64, help="tokens with transformers")
    parser.add_argument("--skip-hf", action="store_true", help="llama.cpp only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    print(f"model: {args.model} ({args.model.stat().st_size / 1e6:.0f} MB)")
    llama, long = bench_llama(args.model, args.threads, args.tokens)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; llama.cpp threads "
          f"{args.threads}; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    llama_peak = peak_rss_gb()
    print(f"backend: {long['name']}")
    print(line("llama.cpp", llama) + f" | peak RSS {llama_peak:.2f} GB")
    print(f"llama.cpp     ~400-token prompt ({long['prompt_tokens']} tokens of messages): "
          f"first token {long['first_token_s']:.2f} s after a {llama.load_s:.1f} s load")
    print(f"llama.cpp text: {llama.text!r}")
    if args.skip_hf:
        return
    gc.collect()

    hf, hf_name = bench_transformers(args.model, args.hf_tokens)
    print(f"backend: {hf_name}")
    print(line("transformers", hf) + f" | peak RSS {peak_rss_gb():.2f} GB (whole process)")
    print(f"transformers text: {hf.text!r}")
    print(f"ratio: llama.cpp decodes {llama.decode_tok_s / hf.decode_tok_s:.1f}x faster; "
          f"loads {hf.load_s / llama.load_s:.1f}x faster")
    same = os.path.commonprefix([llama.text, hf.text])
    print(f"same greedy text for the first {len(same)} characters")


if __name__ == "__main__":
    main()
