"""The combination of relevance signals (answering.relevance): features, the judge-only baseline
and the shipped weights."""
import math

import pytest

from answering.relevance import (CLAUSE_FEATURES, QUESTION_FEATURES, Logistic, RelevanceModel, WordCounts,
                                 clause_features, question_features)
from retrieval.search import STAND_IN

POLICY = ("We collect your name and e-mail address when you sign up. "
          "We never sell your personal information. You can delete your account at any time.")


def test_judge_only_passes_the_ratings_through():
    rel = RelevanceModel.judge_only().score("sell personal information", ["a", "b"], [0.2, 0.7], [0.5, 0.5], POLICY)
    assert rel.clauses == pytest.approx((0.2, 0.7), abs=1e-6)
    assert rel.answerable == pytest.approx(0.7, abs=1e-6)


def test_clause_words_is_the_share_of_question_words_in_the_clause():
    f = clause_features("Does the company sell my health records?",
                        ["We never sell your personal information.", "Nothing here."], [0.5, 0.5], [0.3, 0.1])
    # stemmed content words of the query: compani, sell, health, record; the first clause uses "sell"
    assert f[0]["clause_words"] == pytest.approx(1 / 4)
    assert f[1]["clause_words"] == 0.0
    assert f[0]["judge"] == pytest.approx(0.0) and f[0]["similarity"] == 0.3


def test_policy_words_is_the_share_of_question_words_anywhere_in_the_policy():
    assert question_features([0.5], "Can I delete my account?", POLICY)["policy_words"] == 1.0
    assert question_features([0.5], "Do they collect health or medical records?", POLICY)["policy_words"] == pytest.approx(1 / 4)
    assert question_features([0.5], "", POLICY)["best_clause"] == pytest.approx(0.0)


def test_the_stand_in_for_the_company_name_is_not_counted_among_the_words_the_policy_uses():
    policy = "The company collects your name. The company never sells it."
    # collect, health, record: only "collect" is in the policy; "company" would have made it 2 of 4
    assert question_features([0.5], f"Does {STAND_IN} collect my health records?", policy)["policy_words"] == pytest.approx(1 / 3)


def test_a_word_few_policies_use_weighs_more_than_one_every_policy_uses():
    counts = WordCounts(100, {"collect": 100, "inform": 98, "health": 10})
    assert counts.weight("collect") < 0.01 < counts.weight("health") < counts.weight("fingerprint")
    assert counts.weight("fingerprint") == pytest.approx(math.log(101 / 0.5))  # in no policy counted


def test_a_counted_policy_is_left_out_of_its_own_counts():
    counts = WordCounts(100, {"collect": 100, "health": 10})
    without = counts.leaving_out(frozenset({"collect", "health", "unique"}))  # as if it had never been seen
    assert without.weight("health") == pytest.approx(math.log(100 / 9.5))
    assert without.weight("collect") == pytest.approx(math.log(100 / 99.5))
    # a word only this policy used is not in the counts (used by fewer than two): weighed as used by none
    assert without.weight("unique") == pytest.approx(math.log(100 / 0.5))
    assert counts.weight("health") == pytest.approx(math.log(101 / 10.5))  # the counts themselves unchanged


def test_features_of_a_counted_policy_weigh_its_words_as_if_unseen():
    seen = question_features([0.5], "Do they collect health or medical records?", POLICY)
    unseen = question_features([0.5], "Do they collect health or medical records?", POLICY, counted=True)
    # the policy uses "collect" and "record"; left out of the counts, they are a little rarer
    assert unseen["policy_words_weighted"] > seen["policy_words_weighted"]
    assert unseen["policy_words"] == seen["policy_words"]


def test_policy_words_weighted_lets_the_rare_missing_words_count_most():
    # "collect" is in nearly every policy, "health" and "medical" in few: missing them is what matters
    f = question_features([0.5], "Do they collect health or medical records?", POLICY)
    assert f["policy_words_weighted"] < f["policy_words"] / 2
    assert question_features([0.5], "Can I delete my account?", POLICY)["policy_words_weighted"] == 1.0


def test_the_log_of_the_weighted_share_spreads_the_policies_that_use_almost_none_of_the_words():
    none = question_features([0.5], "Do they keep fingerprints?", POLICY)
    assert none["policy_words_weighted"] == 0.0
    assert none["policy_words_weighted_log"] == pytest.approx(math.log(0.05))  # finite
    all_ = question_features([0.5], "Can I delete my account?", POLICY)
    assert all_["policy_words_weighted_log"] == pytest.approx(math.log(1.05))


def test_the_expanded_share_counts_a_word_the_policy_says_in_its_own_words():
    policy = "We may disclose your information to law enforcement authorities when required by law."
    f = question_features([0.5], "Will they give my data to the police?", policy)
    # "police" is missing, so the plain weighted share misses it; "law enforcement" stands for it
    assert f["policy_words_expanded_log"] > f["policy_words_weighted_log"]
    # a word nothing stands for is still missing: "health" has no policy words of its own
    g = question_features([0.5], "Do they collect health records?", policy)
    assert g["policy_words_expanded_log"] == pytest.approx(g["policy_words_weighted_log"])


def test_second_clause_is_the_log_odds_of_the_second_best_score():
    f = question_features([0.2, 0.5, 0.8], "Can I delete my account?", POLICY)
    assert f["best_clause"] == pytest.approx(math.log(4)) and f["second_clause"] == pytest.approx(0.0)
    assert question_features([0.5], "Can I delete my account?", POLICY)["second_clause"] < -9  # none: as if rated 0


def test_logistic_is_a_sigmoid_of_the_weighted_sum():
    f = Logistic({"a": 2.0, "b": -1.0}, 0.5)
    assert f({"a": 1.0, "b": 3.0}) == pytest.approx(1 / (1 + math.exp(0.5)))


def test_the_shipped_weights_use_the_features_chosen_by_measurement():
    # BENCHMARKS.md, sixteenth and seventeenth sessions: the log of the weighted share of the
    # question's words replaced the plain share
    model = RelevanceModel.load()
    assert set(model.clause.weights) == set(CLAUSE_FEATURES)
    assert set(model.question.weights) == {"best_clause", "policy_words_weighted_log"}
    assert model.question.weights["policy_words_weighted_log"] > 0  # more of its words used: more likely answered


def test_with_the_shipped_weights_a_question_whose_words_the_policy_never_uses_scores_lower():
    model = RelevanceModel.load()
    clause = ["We collect your name and e-mail address when you sign up."]
    named = model.score("Does the company collect my e-mail address?", clause, [0.8], [0.6], POLICY)
    absent = model.score("Does the company collect my health or medical records?", clause, [0.8], [0.6], POLICY)
    assert absent.answerable < named.answerable


def test_a_weights_file_with_an_unknown_feature_is_refused_clearly(tmp_path):
    bad = tmp_path / "relevance.json"
    bad.write_text('{"clause": {"weights": {"colour": 1.0}, "bias": 0}, "question": {"weights": {}, "bias": 0}}')
    with pytest.raises(ValueError, match="colour"):
        RelevanceModel.load(bad)
