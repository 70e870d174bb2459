"""Answer-sentence literal checks: risky tokens, clean cuts, copying, verbatim fallback."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from answering.guards import (
    RiskyToken,
    copied_share,
    find_risky,
    plain_markup,
    plain_rewording,
    risky_tokens,
    strip_unsupported,
    unsupported_tokens,
)

NEVER_SELL = "123RF.com will never sell your Personal Information to any third party."
CONTACT = "If you have any question about the security on 123RF.com, you can contact us at [info@123rf.com](mailto:info@123rf.com)."
LOGIN = "This may be carried out by logging into your account at [https://www.123rf.com/login.php.](https://www.123rf.com/login.php)"
RETENTION = "We retain server logs for thirty (30) days."


# --- risky tokens -----------------------------------------------------------------------------


def test_finds_each_kind_of_risky_token():
    text = (
        "Email info@123rf.com or visit https://www.123rf.com/login.php, www.x.com or example.co.uk. "
        "Call 1-800-555-0199, (555) 123-4567 or +44 20 7946 0958. "
        "Logs are kept 30 days; a fee of $5 applies since 2018 on 2017-06-08."
    )
    assert risky_tokens(text) == [
        "info@123rf.com", "https://www.123rf.com/login.php", "www.x.com", "example.co.uk",
        "1-800-555-0199", "(555) 123-4567", "+44 20 7946 0958",
        "30 days", "$5", "2018", "2017-06-08",
    ]


def test_risky_tokens_carry_kind_and_span():
    text = "Write to info@123rf.com within 30 days."
    tokens = find_risky(text)
    assert [t.kind for t in tokens] == ["email", "number"]
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert isinstance(tokens[0], RiskyToken)


def test_bare_domain_and_numbered_names_are_risky_but_abbreviations_are_not():
    assert risky_tokens("123RF.com is run by 123RF LLC.") == ["123RF.com", "123RF"]
    assert risky_tokens("We use tools, e.g. analytics, i.e. counters, etc.") == []


def test_leading_list_number_is_not_risky():
    assert risky_tokens("1. We keep it for 2 years.") == ["2 years"]


def test_plain_text_has_no_risky_tokens():
    assert risky_tokens("They will never sell your personal information.") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_risky_tokens_are_verbatim_ordered_and_disjoint(text):
    tokens = find_risky(text)
    assert all(text[t.start:t.end] == t.text and t.text for t in tokens)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))


# --- support of risky tokens ------------------------------------------------------------------


def test_invented_phone_number_is_unsupported():
    assert unsupported_tokens("Call them at 1-800-555-0199.", [NEVER_SELL, CONTACT]) == ["1-800-555-0199"]


def test_phone_numbers_match_whatever_the_punctuation():
    evidence = ["Call us on (800) 555-0199 during office hours."]
    assert unsupported_tokens("Call them at 800.555.0199.", evidence) == []
    assert unsupported_tokens("Call them at 800 555 0199.", evidence) == []
    assert unsupported_tokens("Call them at 800-555-0198.", evidence) == ["800-555-0198"]


def test_number_in_the_evidence_is_supported():
    assert unsupported_tokens("They keep server logs for 30 days.", [RETENTION]) == []
    assert unsupported_tokens("They keep server logs for 30 days.", ["Logs are kept 30 days."]) == []


def test_number_with_another_unit_or_value_is_unsupported():
    answer = "They keep logs for 30 months, or 90 days, or 30 business days."
    assert unsupported_tokens(answer, [RETENTION]) == ["30 months", "90 days", "30 business days"]


def test_numbers_must_match_whole():
    evidence = ["A fee of $50 applies from 2018-01-01; see 15."]
    assert unsupported_tokens("It costs $5, or 5, or 1, from 2019.", evidence) == ["$5", "5", "1", "2019"]
    assert unsupported_tokens("It costs $50 from 2018.", evidence) == []
    assert unsupported_tokens("It costs $5.", ["A fee of $ 5 applies."]) == []


def test_email_in_evidence_is_supported_case_insensitively():
    assert unsupported_tokens("Write to INFO@123rf.com.", [CONTACT]) == []
    assert unsupported_tokens("Write to privacy@123rf.com.", [CONTACT]) == ["privacy@123rf.com"]


def test_urls_and_domains_in_evidence_are_supported():
    answer = "Log in at https://www.123rf.com/login.php or www.123rf.com or 123rf.com."
    assert unsupported_tokens(answer, [LOGIN]) == []
    assert unsupported_tokens("See 123rf.com/privacy or 123rf.net.", [LOGIN]) == ["123rf.com/privacy", "123rf.net"]


def test_company_name_from_a_domain_is_supported():
    assert unsupported_tokens("123RF will never sell your data.", [NEVER_SELL]) == []


def test_no_evidence_supports_nothing():
    assert unsupported_tokens("Call 555-1234 within 30 days.", []) == ["555-1234", "30 days"]


# --- cutting unsupported contact details ------------------------------------------------------


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("Contact them at 555-1234 or by e-mail.", "Contact them by e-mail."),
        ("You can reach the privacy team at privacy@fake.com.", "You can reach the privacy team."),
        ("Contact the support team (support@fake.com) for help.", "Contact the support team for help."),
        ("Email the privacy team, privacy@fake.com, to ask.", "Email the privacy team to ask."),
        ("Write to info@123rf.com or at privacy@fake.com.", "Write to info@123rf.com."),
        ("They may e-mail you about offers (see www.fake.com).", "They may e-mail you about offers."),
    ],
)
def test_strip_unsupported_cuts_clean_phrases(answer, expected):
    assert strip_unsupported(answer, [CONTACT]) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "Call them at 1-800-555-0199.",  # nothing left worth saying
        "You can contact them by phone at 555-1234.",  # still promises a phone line
        "Email them at privacy@fake.com or call 555-1234.",  # no clean cut
        "Visit www.fake.com to learn more.",
        "They keep data for 90 days.",  # numbers are never cut
        "They charge $5 for this.",
    ],
)
def test_strip_unsupported_rejects_when_in_doubt(answer):
    assert strip_unsupported(answer, [CONTACT, RETENTION]) is None


def test_strip_unsupported_keeps_supported_sentences_unchanged():
    answer = "You can contact them at info@123rf.com within 30 days."
    assert strip_unsupported(answer, [CONTACT, RETENTION]) == answer
    assert strip_unsupported("They never sell your data.", []) == "They never sell your data."


def test_cut_sentence_has_no_unsupported_tokens_left():
    result = strip_unsupported("Contact them at 555-1234 or by e-mail.", [CONTACT])
    assert result is not None and unsupported_tokens(result, [CONTACT]) == []


# --- verbatim fallback ------------------------------------------------------------------------


def test_plain_rewording_quotes_the_clause():
    assert plain_rewording(NEVER_SELL) == (
        'The policy says: "123RF.com will never sell your Personal Information to any third party."'
    )


@pytest.mark.parametrize(
    "clause, expected",
    [
        ("  * Contact information", 'The policy says: "Contact information".'),
        ("a) Process the financial transaction", 'The policy says: "Process the financial transaction".'),
        ("1. We keep **all** data.", 'The policy says: "We keep all data."'),
        ("**Cookies**", 'The policy says: "Cookies".'),
        (LOGIN, 'The policy says: "This may be carried out by logging into your account at https://www.123rf.com/login.php."'),
        ("> *See the [snapshot](https://x.org/a_(b)) here.*", 'The policy says: "See the snapshot here."'),
        ("Write to first_last@x.com\n   today.", 'The policy says: "Write to first_last@x.com today."'),
    ],
)
def test_plain_rewording_removes_markdown_only(clause, expected):
    assert plain_rewording(clause) == expected


def test_plain_rewording_keeps_every_word():
    result = plain_rewording(CONTACT)
    assert result.startswith('The policy says: "If you have any question')
    assert "info@123rf.com" in result and "mailto" not in result


def test_plain_markup_keeps_a_links_text_and_one_full_stop():
    assert plain_markup("Log in at [https://www.123rf.com/login.php.](https://www.123rf.com/login.php).") == \
        "Log in at https://www.123rf.com/login.php."
    assert plain_markup("See **our** [help page](https://x.example/help) or <https://a.example>. Wait...") == \
        "See our help page or https://a.example. Wait..."  # an ellipsis stays


def test_plain_rewording_puts_a_list_items_lead_in_first():
    assert plain_rewording("* Administer your account", lead="We may use it for the following purposes:-") == (
        'The policy says: "We may use it for the following purposes:- … Administer your account".')
    assert plain_rewording("* Administer your account", lead="**") == 'The policy says: "Administer your account".'


def test_plain_rewording_of_nothing_raises():
    with pytest.raises(ValueError):
        plain_rewording("  ** ")


def test_a_copy_and_a_rewording_differ_in_copied_share():
    clause = "SSL encryption is applied during data transmission to provide a secure and reliable safeguard."
    assert copied_share("SSL encryption is applied during data transmission to provide a", clause) == 1.0
    assert copied_share("They use SSL encryption to keep your data safe when it is sent.", clause) < 0.2
    assert copied_share("Hi.", clause) == 0.0


def test_a_number_glued_to_a_word_in_the_policy_is_still_found():
    evidence = "please contact us at toll free number85212933(only for Beijing)"
    assert unsupported_tokens("Call them at 85212933.", [evidence]) == []
    assert unsupported_tokens("Call them at 85212934.", [evidence]) == ["85212934"]

