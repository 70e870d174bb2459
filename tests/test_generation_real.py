"""The real default model, through llama.cpp directly and through llama.cpp's own
OpenAI-compatible server. Slow-ish (a few seconds each) but offline.

A missing model file skips these tests, unless PLAINPOLICY_REQUIRE_MODEL=1 (as in CI), which
turns the skip into a failure.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from real_helpers import require_model

from generation import Generator, LlamaCppGenerator, OpenAICompatGenerator, collect
from plainpolicy.settings import Settings

pytestmark = pytest.mark.real

CHAT = [
    {"role": "system", "content": "You explain privacy policies in plain language."},
    {"role": "user", "content": "In one short sentence: what is a privacy policy?"},
]
MAX_TOKENS = 20


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.load()


@pytest.fixture(scope="module")
def gguf(settings: Settings) -> Path:
    return require_model(settings.gguf_path)


@pytest.fixture(scope="module")
def llama(gguf: Path, settings: Settings) -> LlamaCppGenerator:
    return LlamaCppGenerator(gguf, n_threads=settings.n_threads, n_ctx=settings.n_ctx)


def test_llama_streams_a_short_answer(llama: LlamaCppGenerator):
    assert isinstance(llama, Generator)
    assert "via llama.cpp" in llama.name
    pieces = list(llama.stream(CHAT, max_tokens=MAX_TOKENS))
    text = "".join(pieces)
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert text.strip(), "the model produced only whitespace"
    assert "<|im_end|>" not in text and "<|im_start|>" not in text


def test_llama_is_deterministic_and_honours_stop(llama: LlamaCppGenerator):
    first = collect(llama, CHAT, max_tokens=MAX_TOKENS)
    assert collect(llama, CHAT, max_tokens=MAX_TOKENS) == first
    words = first.split()
    if len(words) >= 3:  # stopping at the third word keeps the first two
        cut = collect(llama, CHAT, max_tokens=MAX_TOKENS, stop=[" " + words[2]])
        assert first.startswith(cut) and len(cut) < len(first)


def test_a_saved_prompt_start_gives_the_same_reading_as_a_fresh_one(llama: LlamaCppGenerator):
    system = {"role": "system", "content": "You answer questions about privacy policies. " * 20}
    family = [system, {"role": "user", "content": "Clause: We never sell your data to anyone. " * 4}]
    ask = lambda text: family + [{"role": "assistant", "content": "OK"}, {"role": "user", "content": text}]  # noqa: E731
    llama.choice_probs(ask("Do they sell data? Reply yes or no."), ["yes", "no"])
    llama.choice_probs([system, {"role": "user", "content": "Something else. Reply yes or no."}], ["yes", "no"])
    kept = llama._states  # the first prompt's start was saved when the second parted ways with it
    assert len(kept) >= 1
    restored = llama.choice_probs(ask("Is it sold? Reply yes or no."), ["yes", "no"])
    llama._llm.n_tokens = 0  # forget everything: read from scratch
    llama._states = type(kept)(llama._llm)
    fresh = llama.choice_probs(ask("Is it sold? Reply yes or no."), ["yes", "no"])
    assert restored == pytest.approx(fresh, abs=0.05)
    assert "".join(llama.stream(ask("Say OK."), max_tokens=4))  # and generation still works after it


def test_a_reply_paused_while_other_prompts_are_scored_goes_on_as_if_it_had_not_been(llama: LlamaCppGenerator):
    # What the answer pipeline does: it checks a reply's first sentence before the rest is written.
    system = {"role": "system", "content": "You explain privacy policies to people who are not lawyers. " * 8}
    chat = [system, {"role": "user", "content": "In three short sentences: what is a privacy policy, and why read one?"}]
    whole = collect(llama, chat, max_tokens=40)
    same_start = [system, {"role": "user", "content": "Is the sky blue? Reply yes or no."}]
    other_start = [{"role": "system", "content": "You judge sentences."}, {"role": "user", "content": "Is grass green? Reply yes or no."}]
    pieces = []
    for n, piece in enumerate(llama.stream(chat, max_tokens=40)):
        pieces.append(piece)
        if n in (2, 6):
            llama.choice_probs(same_start if n == 2 else other_start, ["yes", "no"])
    assert "".join(pieces) == whole


def test_the_warm_up_reading_is_kept_for_the_next_process(gguf: Path, settings: Settings, tmp_path):
    from answering.pipeline import preamble

    warm_up = preamble() + [{"role": "user", "content": "Hello"}]
    question = preamble() + [{"role": "user", "content": "Clause [1]: We never sell your data. Question: Do they sell it?"}]
    first = LlamaCppGenerator(gguf, n_threads=settings.n_threads, n_ctx=settings.n_ctx, state_dir=tmp_path)
    collect(first, warm_up, max_tokens=1)
    first.keep_prompt_states()
    assert list(tmp_path.glob("prompt-states-*.npz"))
    fresh = first.choice_probs(question, ["yes", "no"])
    read_fresh = first.usage.read_tokens
    del first
    second = LlamaCppGenerator(gguf, n_threads=settings.n_threads, n_ctx=settings.n_ctx, state_dir=tmp_path)  # "the next run"
    kept = second.choice_probs(question, ["yes", "no"])
    assert second.usage.read_tokens < 0.3 * read_fresh, (second.usage, read_fresh)  # the instructions were not read again
    assert kept == pytest.approx(fresh, abs=0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(gguf: Path, settings: Settings, tmp_path_factory) -> Iterator[str]:
    """llama-cpp-python's own server on a free localhost port; yields its /v1 base URL.

    Needs the extra ``llama-cpp-python[server]``; without it the server exits and this fails.
    """
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
           "--host", "127.0.0.1", "--port", str(port),
           "--n_threads", str(settings.n_threads), "--n_ctx", str(settings.n_ctx)]
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(base + "/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer within 120 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def test_openai_compatible_server_streams_text(llama_server: str):
    model = httpx.get(llama_server + "/models", timeout=5).json()["data"][0]["id"]
    gen = OpenAICompatGenerator(llama_server, model, timeout=120)
    pieces = list(gen.stream(CHAT, max_tokens=MAX_TOKENS))
    assert len(pieces) > 1, "expected the reply to arrive in several streamed pieces"
    assert "".join(pieces).strip()


def test_openai_compatible_server_scores_choices_as_the_model_in_process_does(llama_server: str, llama: LlamaCppGenerator):
    model = httpx.get(llama_server + "/models", timeout=5).json()["data"][0]["id"]
    gen = OpenAICompatGenerator(llama_server, model, timeout=120)
    for clause in ("We never sell your data.", "We sell your data to advertisers."):
        ask_ = [{"role": "user", "content": f"Clause: \"{clause}\" Does the clause allow them to sell your data? Answer yes or no."}]
        remote, local = gen.choice_probs(ask_, ["yes", "no"]), llama.choice_probs(ask_, ["yes", "no"])
        assert all(abs(r - l) < 0.05 for r, l in zip(remote, local)), (clause, remote, local)
        assert sum(remote) > 0.5  # the two answers are among the top log-probabilities
