import json
from pathlib import Path

from retrieval.evaluate import hit_within, load_squad, ranked_spans
from retrieval.types import Chunk, Hit

DATA = Path(__file__).parent / "data" / "seed_qa_dev.json"


def test_answer_offsets_point_into_the_joined_policy_text():
    for policy, questions in load_squad(DATA):
        raw = {q["id"]: q for doc in json.loads(DATA.read_text())["data"] for p in doc["paragraphs"] for q in p["qas"]}
        for q in questions:
            for (s, e), a in zip(q.answers, raw[q.id]["answers"]):
                assert policy.text[s:e] == a["text"]


def test_hit_within_counts_only_the_first_n_ranked_characters():
    spans = [(0, 100), (500, 600), (1000, 1100)]
    assert hit_within(spans, ((540, 560),), 150)
    assert not hit_within(spans, ((550, 560),), 150)
    assert not hit_within(spans, ((1050, 1060),), 200)
    assert hit_within(spans, ((1050, 1060),), 260)
    assert not hit_within(spans, ((120, 130),), 3000)


def test_ranked_spans_stop_once_enough_text_is_ranked():
    hits = [Hit(Chunk(str(i), "p", i * 100, i * 100 + 100, "x" * 100), 1.0) for i in range(50)]
    assert len(ranked_spans(hits, 3000)) == 30
    assert len(ranked_spans(hits[:5], 3000)) == 5
