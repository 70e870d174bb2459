from pathlib import Path

import pytest

from plainpolicy.settings import Settings


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"PLAINPOLICY_TOP_K": "7", "PLAINPOLICY_INDEX_DIR": "/tmp/x", "PLAINPOLICY_QUERY_EXPANSION": "0"}
    s = Settings.load(env=env)
    assert s.top_k == 7 and s.index_dir == Path("/tmp/x") and s.query_expansion is False
    assert Settings.load(env=env, top_k=3).top_k == 3
    assert Settings.load(env={}).top_k == 5


@pytest.mark.parametrize("env, message", [
    ({"PLAINPOLICY_TOP_K": "many"}, "not a valid int"),
    ({"PLAINPOLICY_DENSE_WEIGHT": "2"}, "between 0 and 1"),
    ({"PLAINPOLICY_MIN_QUOTE_RELEVANCE": "1.5"}, "min_quote_relevance, co_relevance, .* must be between 0 and 1"),
    ({"PLAINPOLICY_BACKEND": "gpt"}, "backend must be one of"),
    ({"PLAINPOLICY_BACKEND": "openai"}, "needs api_base"),
    ({"PLAINPOLICY_CHUNK_MAX_TOKENS": "300"}, "chunk_max_tokens"),
])
def test_bad_values_are_refused_with_a_clear_message(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.load(env=env)
