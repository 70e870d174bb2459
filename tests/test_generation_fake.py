"""The Generator protocol, ScriptedGenerator, stop-string trimming and make_generator (offline)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generation import (
    Generator,
    LlamaCppGenerator,
    OpenAICompatGenerator,
    ScriptedGenerator,
    TransformersGenerator,
    collect,
    make_generator,
)
from generation.stops import stop_at
from plainpolicy.settings import Settings

CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]


def test_scripted_generator_is_a_generator():
    assert isinstance(ScriptedGenerator(["x"]), Generator)
    assert ScriptedGenerator(["x"]).name


def test_streams_reply_in_small_pieces_and_records_messages():
    gen = ScriptedGenerator(["Hello there, friend."], piece_chars=3)
    pieces = list(gen.stream(CHAT, max_tokens=100))
    assert len(pieces) > 1 and all(len(p) <= 3 for p in pieces)
    assert "".join(pieces) == "Hello there, friend."
    assert gen.last_messages == CHAT


def test_records_a_copy_even_if_the_stream_is_not_read():
    gen = ScriptedGenerator(["a"])
    chat = [dict(m) for m in CHAT]
    gen.stream(chat, max_tokens=5)
    chat[1]["content"] = "changed"
    assert gen.calls == [CHAT]


def test_replies_in_order_then_complains():
    gen = ScriptedGenerator(["one", "two"])
    assert collect(gen, CHAT, max_tokens=10) == "one"
    assert collect(gen, CHAT, max_tokens=10) == "two"
    assert len(gen.calls) == 2
    with pytest.raises(AssertionError, match="ran out"):
        collect(gen, CHAT, max_tokens=10)


def test_callable_script_sees_the_messages():
    gen = ScriptedGenerator(lambda messages: messages[-1]["content"].upper())
    assert collect(gen, CHAT, max_tokens=10) == "HI?"


def test_max_tokens_and_stop():
    gen = ScriptedGenerator(["abcdefghij"] * 2, piece_chars=2)
    assert collect(gen, CHAT, max_tokens=2) == "abcd"
    assert collect(gen, CHAT, max_tokens=99, stop=["ef"]) == "abcd"


def first_completed_cut(text: str, stops: list[str]) -> str:
    """Reference: cut before the stop occurrence that ends first (longest on a tie)."""
    found = [(text.find(s) + len(s), text.find(s)) for s in stops if s and s in text]
    return text[: min(found)[1]] if found else text


splits = st.lists(st.text(alphabet="ab<>|", max_size=6), max_size=8)
stop_lists = st.lists(st.text(alphabet="ab<>|", max_size=4), max_size=3)


@given(pieces=splits, stops=stop_lists)
def test_stop_at_matches_reference_however_the_text_is_split(pieces, stops):
    text = "".join(pieces)
    assert "".join(stop_at(pieces, stops)) == first_completed_cut(text, stops)
    assert "".join(stop_at([text], stops)) == first_completed_cut(text, stops)


def test_stop_at_streams_early_and_closes_its_source():
    closed = []

    def source():
        try:
            yield "Hello there, "
            yield "world<|im_end|>ignored"
            yield "never reached"
        finally:
            closed.append(True)

    out = stop_at(source(), ["<|im_end|>"])
    assert next(out) == "Hell"  # all but len(stop) - 1 = 9 chars are passed on at once
    assert "".join(out) == "o there, world"
    assert closed == [True]


def test_make_generator_openai():
    settings = Settings.load(env={}, backend="openai", api_base="http://127.0.0.1:9/v1",
                             api_model="m", api_key="k")
    gen = make_generator(settings)
    assert isinstance(gen, OpenAICompatGenerator)
    assert gen.url == "http://127.0.0.1:9/v1/chat/completions"


def test_make_generator_llama_missing_model_says_what_to_do(tmp_path: Path):
    settings = Settings.load(env={}, model_path=tmp_path / "absent.gguf")
    with pytest.raises(FileNotFoundError) as err:
        make_generator(settings)
    message = str(err.value)
    assert "absent.gguf" in message and "fetch-model" in message and "--model" in message


def test_llama_generator_missing_file(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="make run"):
        LlamaCppGenerator(tmp_path / "nope.gguf")


def test_make_generator_transformers_missing_model(tmp_path: Path):
    settings = Settings.load(env={}, backend="transformers", model_path=tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="nope"):
        make_generator(settings)
    with pytest.raises(FileNotFoundError):
        TransformersGenerator(tmp_path / "nope.gguf")
