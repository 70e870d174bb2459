"""fk_grade, word_count and the offline syllable counter (offline, no dictionaries)."""
from __future__ import annotations

import pytest

from answering.readability import fk_grade, syllable_count, word_count

# Syllables as a pronouncing dictionary gives them (CMUdict), for words common in policies.
DICTIONARY_SYLLABLES = {
    "the": 1, "cat": 1, "we": 1, "you": 1, "your": 1, "data": 2, "any": 2, "via": 2,
    "privacy": 3, "policy": 3, "information": 4, "personal": 3, "never": 2, "sell": 1,
    "third": 1, "party": 2, "parties": 2, "cookie": 2, "cookies": 2, "table": 2,
    "possible": 3, "people": 2, "while": 1, "value": 2, "continue": 3, "service": 2,
    "services": 3, "purposes": 3, "uses": 2, "used": 1, "shared": 1, "stored": 1,
    "collected": 3, "provided": 3, "required": 2, "period": 3, "media": 3, "social": 2,
    "actual": 3, "individual": 5, "guard": 1, "doing": 2, "registration": 4,
    "jurisdiction": 4, "unsolicited": 5, "security": 4, "guarantee": 3, "necessary": 4,
    "reasonably": 4, "employees": 3, "customers": 3, "property": 3, "safety": 2,
    "safely": 2, "address": 2, "e-mail": 2, "delete": 2, "company": 3, "time": 1,
    "disclose": 2, "affiliates": 4, "subsidiaries": 5, "verification": 5, "indefinitely": 5,
}


def test_syllables_match_a_dictionary_on_common_words():
    wrong = {w: (syllable_count(w), n) for w, n in DICTIONARY_SYLLABLES.items() if syllable_count(w) != n}
    assert len(wrong) <= 2, wrong  # a heuristic: allow a couple of misses


def test_syllables_of_tokens_with_punctuation_and_digits():
    assert syllable_count("Privacy,") == 3
    assert syllable_count("“likebox”") == 2
    assert syllable_count("30") == 2
    assert syllable_count("2018") == 4
    assert syllable_count("...") == 0
    assert syllable_count("") == 0


def test_word_count():
    assert word_count("") == 0
    assert word_count("  — ... ") == 0
    assert word_count("The cat sat on the mat.") == 6
    assert word_count("Contact info@123rf.com within 30 days — or not.") == 7


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "... — !!", "**"])
def test_empty_text_is_grade_zero(text):
    assert fk_grade(text) == 0.0


def test_very_simple_sentence():
    # 6 words, 6 syllables, 1 sentence: 0.39*6 + 11.8*1 - 15.59 = -1.45 (what FK calculators report).
    grade = fk_grade("The cat sat on the mat.")
    assert grade == pytest.approx(-1.45, abs=0.01)
    assert -2 < grade < 1


def test_plain_answer_is_within_a_grade_of_the_dictionary_value():
    text = "You can ask the company to delete your personal information at any time."
    # 13 words, 22 dictionary syllables, 1 sentence.
    reference = 0.39 * 13 / 1 + 11.8 * 22 / 13 - 15.59
    assert fk_grade(text) == pytest.approx(reference, abs=1.0)


def test_two_sentences_are_within_a_grade_of_the_dictionary_value():
    text = "We never sell your data. We share it with partners who help us run the site."
    # 5 + 11 words, 6 + 13 dictionary syllables, 2 sentences.
    reference = 0.39 * 16 / 2 + 11.8 * 19 / 16 - 15.59
    assert fk_grade(text) == pytest.approx(reference, abs=1.0)


LEGAL = (
    "123RF.com reserves the right to disclose your Personal Information if required to do so by law, "
    "or in the good faith belief that such action is reasonably necessary to comply with legal process, "
    "respond to claims, or protect the rights, property or safety of our company, employees, customers, "
    "or the public."
)


def test_long_legal_sentence_is_hard():
    assert fk_grade(LEGAL) > 12


def test_splitting_a_sentence_lowers_the_grade():
    long = "We collect your name and we keep it for as long as the law requires and we delete it after that."
    short = "We collect your name. We keep it for as long as the law requires. We delete it after that."
    assert fk_grade(short) < fk_grade(long)


def test_headings_and_list_items_count_as_sentences():
    text = "**Cookies**\n* Contact information\n* Billing information"
    # 5 words over 3 pieces, not one 5-word sentence.
    assert fk_grade(text) < fk_grade("Cookies contact information billing information.")


def test_is_deterministic():
    assert fk_grade(LEGAL) == fk_grade(LEGAL)
