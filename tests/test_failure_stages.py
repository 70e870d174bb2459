"""scripts/failure_stages.py: which stage an answerable question of an eval-answers run was lost at."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("failure_stages", Path(__file__).resolve().parent.parent / "scripts" / "failure_stages.py")
failure_stages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(failure_stages)
stage = failure_stages.stage

ROW = {"abstained": False, "right": True, "gold_cited": True, "notes": ["combined [0.1, 0.6, 0.5] answerable 0.4"]}


def test_each_question_is_put_in_the_first_stage_it_failed():
    assert stage(ROW, [False, False, False], 0.7) == "gold not in evidence"
    assert stage({**ROW, "abstained": True}, [False, True, False], 0.7) == "abstained"
    # clauses 2 (0.6) and 3 (0.5 >= 0.7 * 0.6) went to the model; clause 1 did not
    assert stage(ROW, [True, False, False], 0.7) == "gold not chosen"
    assert stage({**ROW, "gold_cited": False, "right": False}, [False, False, True], 0.7) == "gold chosen, not cited"
    assert stage({**ROW, "right": False}, [False, True, False], 0.7) == "gold cited, wrong words"
    assert stage(ROW, [False, True, False], 0.7) == "right"


def test_a_run_without_combined_scores_skips_the_chosen_stage():
    row = {**ROW, "notes": [], "gold_cited": False, "right": False}
    assert stage(row, [True, False, False], 0.7) == "gold chosen, not cited"
