"""scripts/eval_table.py: replaying eval-answers runs at another min_relevance."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("eval_table", Path(__file__).resolve().parent.parent / "scripts" / "eval_table.py")
eval_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(eval_table)

ROW = {"verdict": "yes", "abstained": False, "right": True, "opposite": False, "gold_cited": True,
       "notes": ["relevance [0.4, 0.9]", "combined [0.1, 0.6] answerable 0.420"]}


def test_the_combined_score_is_what_min_relevance_is_compared_with():
    assert eval_table.best_relevance(ROW) == 0.42
    assert eval_table.best_relevance({"notes": ["relevance [0.4, 0.9]"]}) == 0.9  # runs made before it
    assert eval_table.best_relevance({"notes": []}) is None


def test_a_higher_threshold_turns_the_answer_into_an_abstention():
    assert eval_table.at_threshold(ROW, 0.3) == ROW
    replayed = eval_table.at_threshold(ROW, 0.5)
    assert replayed["abstained"] and not replayed["right"] and not replayed["gold_cited"]
    unanswerable = eval_table.at_threshold({**ROW, "verdict": "not_stated", "right": False}, 0.5)
    assert unanswerable["right"]
