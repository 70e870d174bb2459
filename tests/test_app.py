"""The page's flows with Streamlit's AppTest, on a fake Assistant (fake embedder, scripted model).

app.py gets its Assistant from ``answering.service.load_assistant``; each test replaces that
function and clears Streamlit's resource cache, so every test starts a fresh "process".
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from answering import service
from answering import summary as summary_module
from answering.pipeline import AnswerStream
from answering.types import Answer, Citation
from retrieval.index import IndexMissingError
from retrieval.types import Policy
from test_service import POLICIES, fake_assistant

APP = str(Path(__file__).resolve().parent.parent / "app.py")
STARTERS = ["Do they sell my data?", "Can I delete my account?", "Who do they share my data with?",
            "How long do they keep my data?", "Do they use cookies?"]
ASK_ACME = "Does Acme Photos sell my personal information?"


def use(monkeypatch, load) -> None:
    monkeypatch.setattr(service, "load_assistant", load)
    st.cache_resource.clear()


@pytest.fixture
def assistant(tmp_path, monkeypatch):
    fake = fake_assistant(tmp_path / "index")
    use(monkeypatch, lambda: fake)
    yield fake
    st.cache_resource.clear()


@pytest.fixture
def at(assistant) -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input[0].set_value(question).run()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def assert_no_error_shown(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)


def test_first_visit_explains_what_to_do(at):
    assert_no_error_shown(at)
    assert [b.label for b in at.button if b.key and b.key.startswith("starter-")] == STARTERS
    assert "Acme Photos and Bolt" in texts(at.markdown)
    picker = at.sidebar.selectbox[0]
    assert picker.label == "Which policy?" and picker.options == ["All policies", "Acme Photos", "Bolt"]
    assert r"**scripted \(test double\)**" in texts(at.sidebar.caption)
    assert at.chat_input[0].placeholder.startswith("Ask about a privacy policy")


def test_an_answer_shows_its_source_clause_word_for_word(at):
    ask(at, ASK_ACME)
    assert_no_error_shown(at)
    user, reply = at.chat_message
    assert user.markdown[0].value == ASK_ACME
    assert "From the **Acme Photos** policy (named in your question)" in texts(reply.caption)
    assert "Acme will never sell your personal information to any third party. :blue-badge[1]" in texts(reply.markdown)
    assert "Where this comes from** (the Acme Photos policy)" in texts(reply.markdown)
    card = reply.get("html")[0].value
    assert "Acme Photos" in card and "Sharing" in card
    highlighted = card[card.index("<mark>"):card.index("</mark>")]
    assert "Acme will never sell your personal information to any third party." in highlighted
    assert [b.label for b in reply.button] == ["See it in the full policy"]


def test_see_it_in_the_full_policy(at):
    ask(at, ASK_ACME)
    at.button(key="see-0-1").click().run()
    assert_no_error_shown(at)
    full = [h.value for h in at.html if 'class="pp-full"' in h.value]
    assert len(full) == 1
    assert "<mark>" in full[0] and "<strong>Deletion</strong>" in full[0]  # whole policy, headings in bold


def test_starter_question_is_answered_like_a_typed_one(at, assistant):
    at.button(key="starter-0").click().run()
    assert_no_error_shown(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.chat_message[0].markdown[0].value == "Do they sell my data?"
    assert at.session_state.messages[0]["question"] == "Do they sell my data?"
    assert not [b for b in at.button if b.key and b.key.startswith("starter-")]  # welcome is gone


def test_policy_filter_searches_only_that_policy(at, assistant):
    at.sidebar.selectbox[0].select("bolt").run()
    ask(at, "Do they sell my data?")
    assert_no_error_shown(at)
    assert "From the **Bolt** policy" in texts(at.chat_message[1].caption)
    answer = at.session_state.messages[0]["answer"]
    assert answer.citations and {c.policy_id for c in answer.citations} == {"bolt"}
    assert "Acme" not in texts(at.chat_message[1].get("html"))


def test_abstention_says_so_and_shows_the_closest_clauses(at):
    at.sidebar.selectbox[0].select("acme").run()
    ask(at, "Can I delete my account?")
    assert_no_error_shown(at)
    reply = at.chat_message[1]
    assert "doesn't say" in texts(reply.markdown)
    assert "The closest parts of the Acme Photos policy.** They do not answer the question directly" in texts(reply.markdown)
    assert "delete your account" in texts(reply.get("html"))


def canned(answer: Answer, pieces: tuple[str, ...] = ()):
    """An Assistant.ask that streams ``answer`` (in ``pieces``, if given) without searching: for
    exact citations."""
    def ask(question, policy_id=None):
        def run():
            yield from pieces or (answer.text,)
            return answer
        return AnswerStream(run())
    return ask


def test_the_clause_is_shown_whole_and_each_cited_sentence_highlighted(at, assistant, monkeypatch):
    text = assistant.policy_text("acme")
    first = (text.index("Acme will never"), text.index("third party.") + len("third party."))
    second = (text.index("We share"), text.index("payments.") + len("payments."))
    one = Citation(1, "acme", "Acme Photos", "Sharing", *first, text[slice(*first)], first[0], second[1])
    monkeypatch.setattr(assistant, "ask", canned(Answer("They never sell it. [1]", (one,), False, "acme")))
    ask(at, "Do they sell my data?")
    card = at.chat_message[1].get("html")[0].value
    assert "<mark>Acme will never sell your personal information to any third party.</mark> We share it" in card
    assert "payments." in card  # the rest of the clause, not highlighted

    two = dataclasses.replace(one, number=2, start=second[0], end=second[1], text=text[slice(*second)])
    monkeypatch.setattr(assistant, "ask", canned(Answer("It doesn't say.", (one, two), True, "acme")))
    ask(at, "Anything about payments?")
    cards = [h.value for h in at.chat_message[3].get("html")]
    assert len(cards) == 1 and cards[0].count("<mark>") == 2  # one clause, one card
    assert cards[0].count('class="pp-num"') == 2


def test_a_list_item_is_shown_with_the_line_that_introduces_its_list(at, assistant, monkeypatch):
    text = assistant.policy_text("acme")
    lead = (text.index("Acme will never"), text.index("third party.") + len("third party."))
    item = (text.index("We share"), text.index("payments.") + len("payments."))
    cite = Citation(1, "acme", "Acme Photos", "Sharing", *item, text[slice(*item)], *item,
                    lead=text[slice(*lead)], lead_start=lead[0])
    monkeypatch.setattr(assistant, "ask", canned(Answer("They never sell it. [1]", (cite,), False, "acme")))
    ask(at, "Do they sell my data?")
    card = at.chat_message[1].get("html")[0].value
    assert '<div class="pp-lead">Acme will never sell your personal information to any third party. …</div>' in card
    assert card.index("pp-lead") < card.index("<mark>We share")


def test_a_sentence_cited_to_two_clauses_shows_two_badges(at, assistant, monkeypatch):
    text = assistant.policy_text("acme")
    first = (text.index("Acme will never"), text.index("third party.") + len("third party."))
    second = (text.index("We share"), text.index("payments.") + len("payments."))
    one = Citation(1, "acme", "Acme Photos", "Sharing", *first, text[slice(*first)], first[0], second[1])
    two = dataclasses.replace(one, number=2, start=second[0], end=second[1], text=text[slice(*second)])
    # The second citation arrives after the sentence, once its clause is checked (answering.pipeline).
    monkeypatch.setattr(assistant, "ask", canned(Answer("They never sell it. [1][2]", (one, two), False, "acme"),
                                                 ("They never sell it. [1]", "[2]")))
    ask(at, "Do they sell my data?")
    assert "They never sell it. :blue-badge[1] :blue-badge[2]" in texts(at.chat_message[1].markdown)


def test_history_survives_reruns_and_new_chat_clears_it(at):
    ask(at, ASK_ACME)
    ask(at, "Can I delete my account?")
    at.run()
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert "never sell" in texts(at.chat_message[1].markdown)  # the first answer is still shown in full
    assert at.chat_message[1].get("html")
    next(b for b in at.sidebar.button if b.label == "New chat").click().run()
    assert_no_error_shown(at)
    assert at.session_state.messages == []
    assert [m.name for m in at.chat_message] == ["assistant"]  # the welcome again
    assert at.button(key="starter-0")


def test_uploading_a_file_adds_and_selects_the_policy(at, assistant):
    at.file_uploader(key="upload-file-0").set_value(("zeta.md", b"**Sharing**\n\nZeta never sells your photos.\n", "text/markdown"))
    at.text_input(key="upload-name-0").input("Zeta App")
    at.button(key="upload-add-0").click().run()
    assert_no_error_shown(at)
    picker = at.sidebar.selectbox[0]
    assert picker.value == "zeta-app" and "Zeta App" in picker.options
    assert "Added “Zeta App”" in texts(at.sidebar.success)
    assert ("zeta-app", "Zeta App") in assistant.policies()
    ask(at, "Does it sell my photos?")
    assert "From the **Zeta App** policy" in texts(at.chat_message[1].caption)


def test_pasted_text_needs_a_name_and_then_is_added(at, assistant):
    at.text_area(key="paste-text-0").input("We keep your notes for one year.")
    at.button(key="paste-add-0").click().run()
    assert "give the pasted policy a name" in texts(at.error)
    assert not at.exception
    at.text_input(key="paste-name-0").input("Notes Inc")
    at.button(key="paste-add-0").click().run()
    assert_no_error_shown(at)
    assert at.sidebar.selectbox[0].value == "notes-inc"


@pytest.mark.parametrize("filename, data, message", [
    ("broken.pdf", b"%PDF-1.4 this is not really a PDF", "not a readable PDF"),
    ("empty.txt", b"   ", "the file is empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
])
def test_a_bad_file_gets_a_clear_message_and_the_app_keeps_working(at, assistant, filename, data, message):
    at.file_uploader(key="upload-file-0").set_value((filename, data, "application/octet-stream"))
    at.button(key="upload-add-0").click().run()
    assert not at.exception
    assert message in texts(at.error) and filename in texts(at.error)
    assert [pid for pid, _ in assistant.policies()] == ["acme", "bolt"]
    ask(at, ASK_ACME)
    assert "never sell" in texts(at.chat_message[1].markdown)


def test_a_failing_answer_is_logged_not_shown(at, assistant, monkeypatch, caplog):
    def broken(question, policy_id=None):
        raise RuntimeError("llama.cpp exploded")

    monkeypatch.setattr(assistant, "ask", broken)
    with caplog.at_level(logging.ERROR, logger="plainpolicy.app"):
        ask(at, ASK_ACME)
    assert not at.exception
    assert "something went wrong" in texts(at.error)
    assert "exploded" not in texts(at.error) and "Traceback" not in texts(at.markdown)
    assert any(r.exc_info and "exploded" in str(r.exc_info[1]) for r in caplog.records)
    at.run()  # kept in the history as a failed answer
    assert "something went wrong" in texts(at.error)


def test_a_missing_index_says_how_to_build_it(monkeypatch):
    def missing():
        raise IndexMissingError("No index in .plainpolicy/index. Build it with: plainpolicy index corpus")

    use(monkeypatch, missing)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "Build it with\\: plainpolicy index corpus" in texts(at.error)
    assert not at.chat_input


def test_policy_text_and_questions_are_never_markup(tmp_path, monkeypatch):
    nasty = Policy("nasty", "Nasty <b>Corp</b>",
                   "Nasty will never sell your personal information <script>alert(1)</script> to anyone. "
                   "<img src=x onerror=alert(2)> **bold** [link](http://x)\n")
    fake = fake_assistant(tmp_path / "index", [*POLICIES, nasty])
    use(monkeypatch, lambda: fake)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.sidebar.selectbox[0].select("nasty").run()
    ask(at, "Does **Nasty** sell my personal information? <i>$x$</i>")
    assert not at.exception
    html = texts(at.chat_message[1].get("html"))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Nasty &lt;b&gt;Corp&lt;/b&gt;" in html
    assert at.chat_message[0].markdown[0].value == r"Does \*\*Nasty\*\* sell my personal information? \<i\>\$x\$\</i\>"
    st.cache_resource.clear()



def test_a_policy_at_a_glance_shows_flags_and_categories_each_with_its_clause(at, assistant):
    at.sidebar.selectbox[0].select("acme").run()
    at.sidebar.button(key="glance").click().run()
    assert_no_error_shown(at)
    shown = texts(at.markdown)
    assert "Acme Photos at a glance" in texts(at.subheader)
    assert ":material/check_circle: They do not sell your personal data. `no_sell`" in shown
    assert shown.count(r"**Data security:** Not mentioned") == 1  # the lines shown while it was made are gone
    quotes = [h.value for h in at.html if 'class="pp-clause"' in h.value]
    assert "Acme will never sell your personal information to any third party." in quotes[0]
    assert assistant.cached_summary("acme") is not None  # made once, kept with the index
    at.button(key="back").click().run()
    assert "view" not in at.session_state and not at.subheader


def test_the_lines_of_a_summary_shown_while_it_was_made_stay_when_it_fails(at, assistant, monkeypatch):
    def no_flags(*args, **kwargs):
        raise RuntimeError("the model went away")

    monkeypatch.setattr(summary_module, "topic_flag", no_flags)  # after the category lines
    at.sidebar.selectbox[0].select("acme").run()
    at.sidebar.button(key="glance").click().run()
    assert not at.exception
    assert "this summary could not be made" in texts(at.error)
    shown = texts(at.markdown)
    assert r"**Data security:** Not mentioned" in shown and r"**Third\-party sharing and collection:**" in shown
    assert "at a glance" not in texts(at.subheader) and assistant.cached_summary("acme") is None


def test_compare_puts_the_chosen_policies_side_by_side(at, assistant):
    at.sidebar.multiselect(key="compare_pick").select("acme").select("bolt").run()
    at.sidebar.button(key="compare_go").click().run()
    assert_no_error_shown(at)
    (table,) = at.dataframe
    frame = table.value
    assert list(frame.columns) == ["", "Acme Photos", "Bolt"]
    sell = frame[frame[""] == "sells_data / no_sell"].iloc[0]
    assert sell["Acme Photos"].startswith("✅ They do not sell your personal data.") and sell["Bolt"] == "—"
    assert ask(at, "Do they sell my data?").chat_message  # a question goes back to the chat


def test_a_summary_card_never_renders_policy_text_as_markup(tmp_path, monkeypatch):
    nasty = Policy("nasty", "Nasty <b>Corp</b>",
                   "Nasty will never sell your personal information <script>alert(1)</script> to anyone.\n")
    fake = fake_assistant(tmp_path / "index", [*POLICIES, nasty])
    use(monkeypatch, lambda: fake)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.sidebar.selectbox[0].select("nasty").run()
    at.sidebar.button(key="glance").click().run()
    assert not at.exception
    assert texts(at.subheader) == r"Nasty \<b\>Corp\</b\> at a glance"
    quotes = texts(at.html)
    assert "<script>" not in quotes and "&lt;script&gt;alert(1)&lt;/script&gt;" in quotes
    st.cache_resource.clear()


def test_an_over_long_question_is_cut_by_the_box_and_answered(at):
    ask(at, "Does Acme Photos sell my data? " * 700)  # 20,000 characters
    assert not at.exception and not at.error
    assert len(at.chat_message[0].markdown[0].value) <= 2 * 500  # the box keeps 500 (escaping may add some)
    ask(at, ASK_ACME)  # and the chat goes on
    assert "never sell" in texts(at.chat_message[-1].markdown)

