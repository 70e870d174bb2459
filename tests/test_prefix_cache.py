"""generation.prefix_cache on a stand-in for llama-cpp-python's Llama: which state is saved,
which is brought back, and how many are kept. (The real model's side is in test_generation_real.)"""
import numpy as np
import pytest

from generation.prefix_cache import MIN_SAVE, PrefixStates, shared


class FakeContext:
    def __init__(self, llm):
        self.llm = llm

    def kv_cache_seq_rm(self, seq, start, end):
        self.llm.cache = self.llm.cache[:start]
        return True

    def kv_cache_clear(self):
        self.llm.cache = []


class FakeLlama:
    """Holds "the cache" as the list of tokens read, like llama.cpp's KV cache would."""

    def __init__(self):
        self.input_ids = np.zeros(4096, dtype=np.intc)
        self.n_tokens = 0
        self.cache: list[int] = []
        self._ctx = FakeContext(self)
        self._requires_eval = False

    def read(self, tokens, cached):
        self.cache = self.cache[:cached] + list(tokens[cached:])
        self.input_ids[:len(tokens)] = tokens
        self.n_tokens = len(tokens)


class Recording(PrefixStates):
    def _get_data(self):
        return bytes(np.array(self.llm.cache, dtype=np.int32))

    def _set_data(self, data):
        self.llm.cache = list(np.frombuffer(data, dtype=np.int32))
        return True


SYSTEM = list(range(100))
EXAMPLE = list(range(1000, 1150))


def prompt(states, llm, tokens):
    cached = states.prepare(tokens)
    assert llm.cache[:cached] == tokens[:cached]  # what is said to be cached really is
    llm.read(tokens, cached)
    return cached


def test_a_prompt_family_comes_back_after_another_family_was_read():
    llm = FakeLlama()
    states = Recording(llm)
    first = SYSTEM + EXAMPLE + [7, 8, 9]
    assert prompt(states, llm, first) == 0
    assert prompt(states, llm, SYSTEM + [5, 5, 5]) == len(SYSTEM)  # parts ways after the system message
    assert len(states) == 2  # what was cut off (long), and the system message they share
    assert prompt(states, llm, SYSTEM + EXAMPLE + [1]) == len(SYSTEM) + len(EXAMPLE)  # brought back
    assert prompt(states, llm, SYSTEM + [6]) == len(SYSTEM)
    assert prompt(states, llm, SYSTEM + EXAMPLE + [2]) == len(SYSTEM) + len(EXAMPLE)
    assert prompt(states, llm, SYSTEM + EXAMPLE + [3]) == len(SYSTEM) + len(EXAMPLE)  # from the cache itself


def test_short_shared_starts_are_not_saved_and_states_are_capped():
    llm = FakeLlama()
    states = Recording(llm, max_states=2)
    prompt(states, llm, list(range(MIN_SAVE - 1)) + [1])
    prompt(states, llm, list(range(MIN_SAVE - 1)) + [2])
    prompt(states, llm, list(range(MIN_SAVE - 1)) + [3] * (MIN_SAVE - 1))
    prompt(states, llm, list(range(MIN_SAVE - 1)) + [4])
    assert len(states) == 0
    for n in range(4):
        prompt(states, llm, SYSTEM + [n] * 80 + [1])
        prompt(states, llm, SYSTEM + [n] * 80 + [2])
    assert len(states) == 2


def test_a_paused_reply_is_brought_back_after_other_prompts_were_read():
    llm = FakeLlama()
    states = Recording(llm)
    prompt(states, llm, SYSTEM + EXAMPLE + [1])  # a family with a long shared start, saved
    prompt(states, llm, SYSTEM + [9])
    reply = SYSTEM + list(range(5000, 5080))  # a prompt of another family and the reply so far
    prompt(states, llm, reply)
    # Scored while the reply is paused: a saved state serves this prompt better than the cache,
    # so the reply is saved before that state replaces it. (FakeLlama cannot read it again.)
    prompt(states, llm, SYSTEM + EXAMPLE + [4])
    prompt(states, llm, SYSTEM + [3])
    states.bring_back(reply)
    assert llm.cache == reply and llm.n_tokens == len(reply)
    assert tuple(reply) not in states._states  # the reply goes on from here: no stale copy kept
    states.bring_back(reply)  # nothing read meanwhile: nothing to do
    assert llm.cache == reply


@pytest.mark.parametrize("paused", [False, True])
def test_a_paused_reply_is_kept_however_many_states_are_saved(paused):
    llm = FakeLlama()
    read = []
    llm.eval = lambda tokens: (read.extend(tokens), llm.read(list(llm.input_ids[:llm.n_tokens]) + list(tokens), llm.n_tokens))
    states = Recording(llm, max_states=2)
    reply = SYSTEM + [2] * 80
    prompt(states, llm, reply)
    states.paused = tuple(reply) if paused else None
    for n in range(3):  # other long prompts, each saved when the next one parts ways with it
        prompt(states, llm, SYSTEM + [10 + n] * 80)
    states.bring_back(reply)
    assert llm.cache == reply
    assert read == ([] if paused else reply[len(SYSTEM):])  # not kept: read again


def test_shared():
    assert shared([1, 2, 3], [1, 2, 4]) == 2 and shared([], [1]) == 0 and shared([1, 2], [1, 2]) == 2


def test_states_kept_in_a_file_come_back_in_a_new_process(tmp_path):
    path = tmp_path / "states.npz"
    valid = {"model": "m.gguf", "n_ctx": 2048}
    llm = FakeLlama()
    states = Recording(llm)
    prompt(states, llm, SYSTEM + EXAMPLE + [1, 2])  # the warm-up's reading
    assert states.dump(path, valid) and path.exists()
    assert not states.dump(path, valid)  # nothing new since: the file is not written again

    fresh_llm = FakeLlama()
    fresh = Recording(fresh_llm)
    assert fresh.load(path, valid) == 1
    assert prompt(fresh, fresh_llm, SYSTEM + EXAMPLE + [5, 6, 7]) == len(SYSTEM + EXAMPLE)  # not read again

    other = Recording(FakeLlama())
    assert other.load(path, valid | {"n_ctx": 4096}) == 0  # kept for another set-up: not used
    path.write_bytes(path.read_bytes()[:50])
    assert Recording(FakeLlama()).load(path, valid) == 0  # a damaged file only costs reading time
    assert Recording(FakeLlama()).load(tmp_path / "none.npz", valid) == 0


def test_a_llama_cpp_built_for_other_instruction_sets_does_not_reuse_kept_states(tmp_path, monkeypatch):
    """Other kernels (AVX2 against AVX-512) sum in another order: a kept reading is not theirs."""
    import llama_cpp

    from generation.llama import state_file

    model = tmp_path / "model.gguf"
    model.write_bytes(b"gguf")
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: b"CPU : AVX2 = 1 |")
    avx2 = state_file(model, 2048, tmp_path)
    assert state_file(model, 2048, tmp_path) == avx2
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: b"CPU : AVX2 = 1 | AVX512 = 1 |")
    assert state_file(model, 2048, tmp_path) != avx2
