"""retrieval.expansion (the keyword query's extra words) and scripts/expansion_fit.py (the learned table)."""
import importlib.util
import json
from pathlib import Path

from retrieval import expansion
from retrieval.keywords import tokenize
from retrieval.search import STAND_IN

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("expansion_fit", ROOT / "scripts" / "expansion_fit.py")
expansion_fit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(expansion_fit)


def test_both_tables_add_policy_words_to_the_question():
    learned = {"copi": ["access"]}
    assert expansion.expand("Can I get a copy?", learned).split()[-1] == "access"
    both = expansion.expand("Will they give a copy to the police?", learned)
    assert "access" in both and "enforcement" in both
    assert "enforcement" not in expansion.expand("Will they give a copy to the police?", learned, hand=False)
    assert expansion.expand("Hello there", learned) == "Hello there"


def test_the_shipped_table_is_keyed_by_stems_and_never_by_the_stand_in():
    table = expansion.learned_words()
    assert table and not set(table) & set(tokenize(STAND_IN))
    for words in table.values():
        assert words and all(len(tokenize(w)) == 1 for w in words)  # each word survives the index's tokenizer
    # the words a question asked in everyday words gets: "If the company is sold, ..." finds the merger clause
    assert {"merger", "bankruptcy"} <= set(expansion.expand("If the company is sold, is my data handed over?").split())


def _squad(tmp_path: Path, policies: list[list[tuple[str, str]]]) -> Path:
    """A policy per list of (question, gold sentence): the gold sentences, then filler sentences
    that use other words."""
    filler = " ".join(f"We use cookies for item {n}." for n in range(30))
    data = []
    for p, questions in enumerate(policies):
        context, qas = "", []
        for n, (question, gold) in enumerate(questions):
            qas.append({"id": f"{p}-{n}", "question": question, "answers": [{"text": gold, "answer_start": len(context)}]})
            context += gold + " "
        data.append({"title": f"Acme {p}", "paragraphs": [{"context": context + filler, "qas": qas}]})
    path = tmp_path / "dev.json"
    path.write_text(json.dumps({"data": data}))
    return path


def test_a_question_word_is_learned_from_the_gold_spans_it_is_asked_with(tmp_path):
    asked = [(f"Can the company give me a copy of my data {n}?", f"You may request access to record {n}.") for n in range(3)]
    zebra = [(f"Can I get a copy of my data {n}?", f"Send a zebra request for access {n}.") for n in range(3)]
    path = _squad(tmp_path, [asked, asked, zebra])
    fit = dict(top=4, min_lift=3.0, min_questions=5, min_pairs=3)
    table = expansion_fit.learn([path], min_policies=3, **fit)
    assert "access" in table["copi"] and "request" in table["copi"]
    assert "cooki" not in table  # never asked
    assert not {"acm", "compani"} & set(table)  # neither the company's name nor the stand-in is a key
    assert "zebra" not in table["copi"]  # three times, but in one policy's spans only
    assert expansion_fit.learn([path], min_policies=4, **fit) == {}  # no pair in four policies
    left_out = frozenset({(path.resolve(), "000-acme-0")})  # a fold's policy: then only two pair the words
    assert "access" not in expansion_fit.learn([path], min_policies=3, leave_out=left_out, **fit).get("copi", [])
    assert expansion_fit.learn([path], min_policies=3, **(fit | {"min_questions": 10})) == {}  # "copy" is asked 9 times
