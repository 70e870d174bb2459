import json

from retrieval.evaluate import hit_within, load_squad, ranked_spans
from retrieval.types import Chunk, Hit



def test_answer_offsets_point_into_the_joined_policy_text(seed_file):
    for policy, questions in load_squad(seed_file):
        raw = {q["id"]: q for doc in json.loads(seed_file.read_text())["data"] for p in doc["paragraphs"] for q in p["qas"]}
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


def test_the_same_point_quoted_in_another_paragraph_is_gold_too(tmp_path):
    doc = {"title": "Acme", "paragraphs": [
        {"context": "We never sell your data.", "qas": [{"id": "q", "question": "Do they sell it?",
         "answers": [{"text": "never sell", "answer_start": 3}],
         "other_supporting_quotes": [{"text": "not sold", "answer_start": 13, "paragraph_index": 1}]}]},
        {"context": "Your data is not sold.", "qas": []}]}
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"data": [doc]}))
    (policy, (q,)), = load_squad(path)
    assert [policy.text[s:e] for s, e in q.answers] == ["never sell", "not sold"]


def test_answer_judging_counts_verdicts_gold_and_the_opposite():
    from answering.evaluate import judge
    from answering.types import Answer, Citation
    from retrieval.evaluate import Question

    q = Question("q", "Do they sell my data?", ((10, 20),), {"answer_must_match": ["not"], "answer_must_not_match": [r"^\W*yes\b"]})
    gold = Citation(1, "p", "P", "", 12, 30, "x", 0, 40)
    other = Citation(1, "p", "P", "", 50, 60, "x", 0, 70)
    assert judge(q, Answer("They do not sell it. [1]", (gold,)))["right"]
    wrong = judge(q, Answer("Yes, they do not mind. [1]", (other,)))
    assert not wrong["right"] and wrong["opposite"] and not wrong["gold_cited"]
    assert judge(q, Answer("The policy doesn't say.", (gold,), abstained=True))["why"] == "abstained"
    led = Citation(1, "p", "P", "", 50, 60, "x", 50, 70, "", "lead:", 14)  # a list item whose lead-in is the gold
    assert judge(q, Answer("They do not sell it. [1]", (led,)))["gold_cited"]
    unanswerable = Question("u", "Health?", (), {})
    assert judge(unanswerable, Answer("The policy doesn't say.", abstained=True))["right"]


def test_eval_answers_writes_the_contract_for_an_even_sample(tmp_path, seed_file):
    from answering.evaluate import eval_answers
    from fakes import HashEmbedder
    from generation.fake import ScriptedGenerator
    from plainpolicy.settings import Settings

    out = tmp_path / "run.jsonl"
    generator = ScriptedGenerator(lambda messages: "They keep your data safe.")
    summary = eval_answers(seed_file, out, HashEmbedder(), generator, Settings(abstain_below=0.0), sample=3)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary["questions"] == len(rows) == 3
    texts = {p.id: p.text for p, _ in load_squad(seed_file)}
    for row in rows:
        assert {"id", "answer", "abstained", "citations", "seconds", "first_token_seconds",
                "verdict", "right", "opposite", "gold_cited", "notes"} <= row.keys()
        for c in row["citations"]:
            assert any(text[c["start"]:c["end"]] == c["text"] for text in texts.values())
    assert sum(v["questions"] for v in summary["by_verdict"].values()) == 3
