"""scripts/relevance_fit.py: one dump at six evidence sentences read as four, five or six."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("relevance_fit", ROOT / "scripts" / "relevance_fit.py")
relevance_fit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(relevance_fit)


def _row(**extra) -> dict:
    return {"id": "q1", "policy": "001-123rf", "answerable": True, "question": "Do they sell my data?",
            "query": "Do they sell my data?", "clauses": ["We never sell data.", "We use cookies.", "Contact us."],
            "starts": [0, 10, 20], "ends": [5, 15, 25], "gold": [True, False, False],
            "similarity": [0.6, 0.3, 0.1], "rank": [0, 1, 2], "relevance": [0.9, 0.2, 0.1], **extra}


def test_evidence_keeps_the_first_k_clauses_by_selection_score(tmp_path, seed_file):
    dump = tmp_path / "d.jsonl"
    dump.write_text(json.dumps(_row(within=[3, 1, 2])) + "\n", encoding="utf-8")
    [row] = relevance_fit.load([f"{dump}={seed_file}"], evidence=2)
    assert row["clauses"] == ["We use cookies.", "Contact us."]
    assert row["gold"] == [False, False] and row["relevance"] == [0.2, 0.1] and row["starts"] == [10, 20]
    assert len(row["cf"]) == 2
    [whole] = relevance_fit.load([f"{dump}={seed_file}"])
    assert len(whole["clauses"]) == 3


def test_a_dump_without_counts_is_refused_when_k_is_asked(tmp_path, seed_file):
    dump = tmp_path / "d.jsonl"
    dump.write_text(json.dumps(_row()) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="within"):
        relevance_fit.load([f"{dump}={seed_file}"], evidence=2)


def test_the_question_model_is_fitted_on_the_features_asked_for(tmp_path, seed_file):
    dump = tmp_path / "d.jsonl"
    rows = [_row(id="q1"), _row(id="q2", answerable=False, gold=[False, False, False], relevance=[0.1, 0.1, 0.1],
                                query="Do they collect my fingerprints?")]
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = relevance_fit.load([f"{dump}={seed_file}"])
    clause = relevance_fit.fit_clause(loaded)
    model = relevance_fit.fit_question(loaded, clause, ("best_clause", "policy_words_weighted"))
    assert set(model.weights) == {"best_clause", "policy_words_weighted"}
