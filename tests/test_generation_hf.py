"""TransformersGenerator on a tiny random Qwen2 model built in tmp_path (offline, ~seconds).

The tiny model talks nonsense; these tests check the plumbing: loading with
local_files_only, greedy determinism, max_tokens, stop strings, closing a stream early and
errors from the worker thread. The real model under transformers is exercised by
``python -m generation.bench``.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from generation import GenerationError, Generator, TransformersGenerator, collect

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# "Ġ" is a space in byte-level BPE: transformers loads this as a Qwen2 (byte-level) tokenizer.
WORDS = ["[UNK]", "user", "assistant", "system", "?"] + [f"Ġw{i}" for i in range(60)]
TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m.role }} {{ m.content }} <|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}"
)
CHAT = [{"role": "user", "content": "w1 w2 w3 ?"}]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    folder = tmp_path_factory.mktemp("tiny-qwen2")
    vocab = {w: i for i, w in enumerate(SPECIALS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        unk_token="[UNK]", additional_special_tokens=["<|im_start|>"], chat_template=TEMPLATE,
    )
    tokenizer.save_pretrained(folder)
    config = Qwen2Config(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|endoftext|>"],
        bos_token_id=vocab["<|endoftext|>"], tie_word_embeddings=False,
    )
    torch.manual_seed(0)  # the tiny model is random, but always the same
    model = Qwen2ForCausalLM(config)
    # never predict special tokens, so replies are never empty and always max_tokens long
    model.generation_config.suppress_tokens = [vocab[t] for t in SPECIALS + ["[UNK]"]]
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def gen(tiny_model_dir: Path) -> TransformersGenerator:
    return TransformersGenerator(tiny_model_dir)


def test_streams_text_deterministically(gen: TransformersGenerator):
    assert isinstance(gen, Generator)
    assert gen.name.endswith("via transformers")
    pieces = list(gen.stream(CHAT, max_tokens=8))
    text = "".join(pieces)
    assert pieces and text.strip()
    assert "<|im_end|>" not in text
    assert collect(gen, CHAT, max_tokens=8) == text


def test_max_tokens_bounds_the_reply(gen: TransformersGenerator):
    assert len(collect(gen, CHAT, max_tokens=3).split()) == 3  # specials are suppressed


def test_stop_string_is_cut_off(gen: TransformersGenerator):
    text = collect(gen, CHAT, max_tokens=8)
    stop = " " + text.split()[2]
    cut = collect(gen, CHAT, max_tokens=8, stop=[stop])
    assert cut == text[: text.index(stop)]


def test_closing_the_stream_early_stops_the_worker(gen: TransformersGenerator):
    stream = gen.stream(CHAT, max_tokens=200)
    next(stream)
    started = time.perf_counter()
    stream.close()  # must not wait for 200 tokens
    assert time.perf_counter() - started < 5


def test_worker_failure_is_raised_in_the_reader(gen: TransformersGenerator, monkeypatch):
    def broken_generate(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(gen._model, "generate", broken_generate)
    with pytest.raises(GenerationError, match="boom"):
        collect(gen, CHAT, max_tokens=5)


def test_missing_local_model(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        TransformersGenerator(tmp_path / "absent")
