"""split_sentences: verbatim spans, abbreviations, list items, bold headings, line breaks (offline)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.sentences import split_sentences


def pieces(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, start, end)]


def test_plain_sentences():
    assert pieces("We collect data. We never sell it! Why? Because.") == [
        "We collect data.", "We never sell it!", "Why?", "Because.",
    ]


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences("  \n\t \n") == []


def test_spans_are_stripped_and_verbatim():
    text = "  First one.   Second one.\n\n  Third  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one.", "Third"]
    assert spans[0] == (2, 12)


@pytest.mark.parametrize(
    "text",
    [
        "We use tools, e.g. Google Analytics, to measure visits.",
        "We may share it, i.e. With our partners.",
        "We keep logs, cookies, etc. for a while.",
        "The controller is Example Inc. Privacy Team.",
        "Example Ltd. Registered office is in London.",
        "Data may be stored in the U.S. Servers there are secure.",
        "See clause No. 5 for details.",
        "Write to Dr. Smith at the office.",
        "Contact J. Smith for details.",
    ],
)
def test_abbreviations_do_not_end_sentences(text):
    assert pieces(text) == [text]


def test_abbreviation_before_a_sentence_opener_ends_the_sentence():
    assert pieces("The controller is Example Inc. We are based in Chicago.") == [
        "The controller is Example Inc.", "We are based in Chicago.",
    ]
    assert pieces("We collect names, e-mails, etc. You can opt out.") == [
        "We collect names, e-mails, etc.", "You can opt out.",
    ]


def test_domains_and_decimals_do_not_end_sentences():
    text = "123RF.com will never sell your data. It is 99.9% secure. Visit www.123rf.com today."
    assert pieces(text) == ["123RF.com will never sell your data.", "It is 99.9% secure.", "Visit www.123rf.com today."]


def test_list_items_are_their_own_pieces():
    text = "We may collect:\n  * Contact information\n  * Billing information\na) your name\nb) your e-mail\n1. First. Second item text.\n2) Last"
    assert pieces(text) == [
        "We may collect:",
        "* Contact information",
        "* Billing information",
        "a) your name",
        "b) your e-mail",
        "1. First.",
        "Second item text.",
        "2) Last",
    ]


def test_bold_headings_are_their_own_pieces():
    text = "**Cookies**\nWe use cookies. **Cookies.** We use them.\n**Retention:** We keep data. We **never** sell it."
    assert pieces(text) == [
        "**Cookies**",
        "We use cookies.",
        "**Cookies.**",
        "We use them.",
        "**Retention:**",
        "We keep data.",
        "We **never** sell it.",
    ]


def test_markdown_heading_is_its_own_piece():
    assert pieces("# Privacy Policy\nWe respect your privacy.") == ["# Privacy Policy", "We respect your privacy."]


def test_line_breaks_end_clauses_but_hard_wraps_are_joined():
    text = "We collect your name and\nyour e-mail address.\n123RF LLC\n33 N. Dearborn St\nChicago, IL 60602"
    assert pieces(text) == [
        "We collect your name and\nyour e-mail address.",
        "123RF LLC",
        "33 N. Dearborn St",
        "Chicago, IL 60602",
    ]


def test_line_ending_in_punctuation_breaks_even_before_lower_case():
    assert pieces("Most browsers allow you to reject cookies;\nbut some pages may break.") == [
        "Most browsers allow you to reject cookies;", "but some pages may break.",
    ]


def test_range_is_respected():
    text = "Ignore this. We never sell data. Ignore that."
    start = text.index("We")
    end = text.index(" Ignore that")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["We never sell data."]
    assert all(start <= s < e <= end for s, e in spans)


def test_bad_range_raises():
    with pytest.raises(ValueError):
        split_sentences("abc", 2, 1)
    with pytest.raises(ValueError):
        split_sentences("abc", 0, 4)


SEED = """**Disclosure to Third Parties**

We will share your Personal Information to third parties only in the ways that are described in this Privacy Policy. 

123RF.com will never sell your Personal Information to any third party. 123RF.com reserves the right to disclose your Personal Information if required to do so by law.
Most browsers allow you to reject cookies; but if you do so, certain webpages may not display properly.   
123RF.com will not send you unsolicited emails. You can contact us at [info@123rf.com](mailto:info@123rf.com). 
"""


def test_seed_policy_excerpt():
    assert pieces(SEED) == [
        "**Disclosure to Third Parties**",
        "We will share your Personal Information to third parties only in the ways that are described in this Privacy Policy.",
        "123RF.com will never sell your Personal Information to any third party.",
        "123RF.com reserves the right to disclose your Personal Information if required to do so by law.",
        "Most browsers allow you to reject cookies; but if you do so, certain webpages may not display properly.",
        "123RF.com will not send you unsolicited emails.",
        "You can contact us at [info@123rf.com](mailto:info@123rf.com).",
    ]


FRAGMENTS = st.sampled_from(
    [
        "We sell data.", " ", "  ", "\n", "\n\n", "\t", "e.g. ", "i.e. ", "etc. ", "Inc. ", "U.S. ", "No. 5 ",
        "**Cookies**", "**Bold.** ", "# Heading", "a) ", "* ", "1. ", "- ", "The ", "you ", "?", "!", ".", "...",
        "“Quoted.” ", "(see below). ", "123RF.com ", "**", ":", ";", "\r\n", "\u00a0", "A", "z",
    ]
)
TEXTS = st.one_of(st.lists(FRAGMENTS, max_size=40).map("".join), st.text(max_size=200))


def check_spans(text: str, start: int, end: int) -> None:
    spans = split_sentences(text, start, end)
    for s, e in spans:
        assert start <= s < e <= end
        assert text[s:e] == text[s:e].strip()
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 <= s2
    covered = {i for s, e in spans for i in range(s, e)}
    assert all(i in covered for i in range(start, end) if not text[i].isspace())


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_spans_are_ordered_verbatim_and_cover_everything(text):
    check_spans(text, 0, len(text))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spans_inside_a_range_cover_the_range(data):
    text = data.draw(TEXTS)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    check_spans(text, start, end)
