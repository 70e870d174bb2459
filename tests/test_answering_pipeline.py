"""The answer pipeline's guarantees, with a fake embedder and a scripted model."""
import pytest

from answering.pipeline import AnswerSettings, Pipeline, reframe
from generation.fake import ScriptedGenerator
from retrieval.chunking import ChunkerSettings
from retrieval.index import IndexConfig, build_index, load_index
from retrieval.search import Searcher, SearchSettings
from retrieval.types import Policy

CONFIG = IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(max_tokens=16, min_tokens=4))
TEXT = ("# Disclosure to Third Parties\n\n"
        "Acme will never sell your personal information to any third party.\n\n"
        "# Contact\n\n"
        "If you have questions about your personal information, write to privacy@acme.example.\n\n"
        "# Retention\n\n"
        "We keep your order history for 30 days after you close your account.\n")
ACME = Policy("acme", "Acme", TEXT)


@pytest.fixture
def make(tmp_path, fake_embedder):
    build_index(tmp_path, [ACME], fake_embedder, CONFIG)
    searcher = Searcher(load_index(tmp_path, CONFIG), fake_embedder, SearchSettings())

    def _make(*replies: str, **settings) -> tuple[Pipeline, ScriptedGenerator]:
        gen = ScriptedGenerator(list(replies))
        return Pipeline(searcher, gen, AnswerSettings(**settings)), gen
    return _make


def ask(pipeline: Pipeline, question: str):
    stream = pipeline.ask(question, policy_id="acme")
    pieces = list(stream)
    assert "".join(pieces) == stream.answer.text
    return stream.answer


def test_a_supported_answer_is_streamed_and_cited_verbatim(make):
    pipeline, gen = make("They will never sell your personal information to any third party. [1]")
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert not answer.abstained
    assert answer.text == "They will never sell your personal information to any third party. [1]"
    (c,) = answer.citations
    assert c.number == 1 and TEXT[c.start:c.end] == c.text and "never sell" in c.text
    assert c.answer_sentence.startswith("They will never sell")


def test_yes_no_questions_are_asked_neutrally():
    assert reframe("Does Acme sell my data?") == "What do the clauses say about this: does Acme sell my data?"
    assert reframe("Why do they collect my phone number?") == "Why do they collect my phone number?"


def test_the_prompt_numbers_the_evidence_and_comes_from_templates(make):
    pipeline, gen = make("They will never sell your personal information to any third party.")
    ask(pipeline, "Does Acme sell my personal information?")
    system, *_, user = gen.last_messages
    assert system["role"] == "system" and "privacy policies" in system["content"]
    assert "[1] Acme will never sell your personal information" in user["content"]
    assert "What do the clauses say about this: does Acme sell" in user["content"]


def test_a_flipped_negation_is_caught_and_the_clause_reworded_instead(make):
    pipeline, gen = make(
        "Yes, they sell your personal information to third parties. [1]",
        "They will never sell your personal information to anyone.",  # the rewording retry
    )
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert "never sell" in answer.text and "Yes" not in answer.text
    assert any("flipped negation" in n for n in answer.notes)
    assert "Rewrite this sentence" in gen.last_messages[-1]["content"]


def test_if_the_rewording_fails_too_the_clause_is_quoted(make):
    pipeline, _ = make("Yes, they sell your personal information. [1]", "They sell your personal information.")
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert answer.text.startswith('The policy says: "Acme will never sell your personal information')
    assert not answer.abstained and answer.citations[0].text.startswith("Acme will never sell")


def test_an_invented_phone_number_is_removed(make):
    pipeline, _ = make("If you have questions about your personal information, write to privacy@acme.example or at 1-800-555-0199.")
    answer = ask(pipeline, "Where do I write with questions about my personal information?")
    assert "555" not in answer.text
    assert "privacy@acme.example" in answer.text
    assert any("invented" in n for n in answer.notes)


def test_an_invented_number_rejects_the_sentence(make):
    pipeline, _ = make("They keep your order history for 90 days after you close your account. [1]",
                       "They keep your order history for 30 days after you close your account.")
    answer = ask(pipeline, "How long do they keep my order history?")
    assert "90" not in answer.text and "30 days" in answer.text


def test_an_out_of_range_marker_is_dropped(make):
    pipeline, _ = make("They will never sell your personal information to any third party. [7]")
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert "[7]" not in answer.text and answer.text.endswith("[1]")
    assert any("out-of-range" in n for n in answer.notes)


def test_weak_evidence_abstains_without_calling_the_model(make):
    pipeline, gen = make()
    answer = ask(pipeline, "What is the capital of France?")
    assert answer.abstained and answer.text.startswith("The Acme policy doesn't say")
    assert gen.calls == []


def test_model_saying_the_clauses_do_not_answer_abstains_with_closest_clauses(make):
    pipeline, _ = make("The clauses do not mention this.")
    answer = ask(pipeline, "Does Acme sell my personal information to advertisers?")
    assert answer.abstained and answer.citations
    assert all(TEXT[c.start:c.end] == c.text for c in answer.citations)


def test_an_unsupported_reply_abstains(make):
    pipeline, _ = make("They track your GPS location every five minutes.")
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert answer.abstained


def test_answers_are_capped_at_three_sentences(make):
    s = "They will never sell your personal information to any third party."
    pipeline, _ = make(" ".join([s] * 5))
    answer = ask(pipeline, "Does Acme sell my personal information?")
    assert answer.text.count("[1]") == 3


class OneReplyAtATime(ScriptedGenerator):
    """Fails like a shared llama.cpp model would if a second reply started before the first ended."""

    def __init__(self, replies):
        super().__init__(replies)
        self.busy = False

    def stream(self, messages, *, max_tokens, stop=None):
        assert not self.busy, "a second reply was started while the first was still streaming"
        pieces = super().stream(messages, max_tokens=max_tokens, stop=stop)

        def run():
            self.busy = True
            try:
                yield from pieces
            finally:
                self.busy = False
        return run()


SHOP = Policy("shop", "Shop", "# Sharing\n\nWe may share the personal information that you give us with carefully "
              "selected partners who help us run the shop, deliver your orders and answer your questions.\n")


class Counted(OneReplyAtATime):
    """Also counts how many pieces of each reply were read."""

    def __init__(self, replies):
        super().__init__(replies)
        self.read: list[int] = []

    def stream(self, messages, *, max_tokens, stop=None):
        pieces = super().stream(messages, max_tokens=max_tokens, stop=stop)
        self.read.append(0)

        def counting():
            try:
                for piece in pieces:
                    self.read[-1] += 1
                    yield piece
            finally:
                pieces.close()
        return counting()


def shop_pipeline(tmp_path, fake_embedder, *replies):
    build_index(tmp_path, [SHOP], fake_embedder, CONFIG)
    searcher = Searcher(load_index(tmp_path, CONFIG), fake_embedder, SearchSettings())
    gen = Counted(list(replies))
    return Pipeline(searcher, gen, AnswerSettings(abstain_below=0.1)), gen


COPY = ("We may share the personal information that you give us with carefully selected partners who "
        "help us run the shop, deliver your orders and answer your questions.")
QUESTION = "Who do they share my personal information with?"


def test_a_copied_long_clause_is_cut_short_and_reworded(tmp_path, fake_embedder):
    pipeline, gen = shop_pipeline(tmp_path, fake_embedder, COPY + " [1] They may share it with partners. [1]",
                                  "They may share your information with partners who deliver your orders.")
    answer = pipeline.ask(QUESTION, "shop").finish()
    assert answer.text == "They may share your information with partners who deliver your orders. [1]"
    assert len(gen.calls) == 2
    assert gen.read[0] < len(COPY) // 4  # the copy was stopped part-way, not read to the end
    # The rewording starts with the same preamble as a question, so llama.cpp's cache keeps it.
    assert gen.calls[1][:3] == gen.calls[0][:3]
    assert any("rewording copied clause" in note for note in answer.notes)


def test_a_long_sentence_in_the_models_own_words_is_kept(tmp_path, fake_embedder):
    own = ("They can pass what you tell them to a few chosen companies that help them run the shop, "
           "send your orders and answer your questions. [1]")
    pipeline, gen = shop_pipeline(tmp_path, fake_embedder, own)
    answer = pipeline.ask(QUESTION, "shop").finish()
    assert answer.text == own
    assert len(gen.calls) == 1


def test_a_failed_rewording_quotes_the_clause(tmp_path, fake_embedder):
    pipeline, gen = shop_pipeline(tmp_path, fake_embedder, COPY, "Call 555-0100 to ask about it.")
    answer = pipeline.ask(QUESTION, "shop").finish()
    assert answer.text.startswith("The policy says")
    assert answer.citations[0].text == COPY


def test_a_sentence_about_something_the_policy_never_mentions_abstains(make):
    pipeline, _ = make("They never sell your personal information to children. [1]", abstain_below=0.0)
    answer = ask(pipeline, "Does Acme sell personal information to children?")
    assert answer.abstained
    assert any("never mentions" in note for note in answer.notes)


def test_a_sentence_flipped_against_one_clause_is_cited_to_the_clause_that_agrees(fake_embedder):
    from answering.pipeline import _Checker
    from answering.types import Evidence
    clauses = ["We will not provide, sell, rent or trade your personal information to any third party.",
               "Partners who collect, edit or sell your personal information by any means lose their account."]
    evidence = [Evidence("two", 0, len(c), c, 0, len(c), "", 1.0) for c in clauses]
    checker = _Checker(evidence, fake_embedder.encode(clauses), fake_embedder, 0.3)
    sentence = "They do not collect, edit or sell your personal information by any means. [2]"
    assert checker.check(sentence) == "They do not collect, edit or sell your personal information by any means. [1]"
    assert [c.text for c in checker.citations({"two": Policy("two", "Two", clauses[0])})] == [clauses[0]]
    assert any("says the same" in note for note in checker.notes)
    # Only a denial is matched to another clause: "they sell" stays wrong against clause 1.
    assert checker.check("They sell your personal information to any third party. [1]") is None
