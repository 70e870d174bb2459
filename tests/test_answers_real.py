"""End to end with the real embedder, index and default model: the answers a person would get."""
import re
from pathlib import Path

import pytest
from real_helpers import require_model
from seed_questions import QUESTIONS

from plainpolicy.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, real_embedder):
    settings = Settings.load(env={}, index_dir=tmp_path_factory.mktemp("index"))
    require_model(settings.gguf_path)
    from retrieval.runtime import index_corpus, open_searcher

    index_corpus(settings, ROOT / "corpus", embedder=real_embedder)
    from answering.pipeline import Pipeline
    from generation import make_generator

    return Pipeline(open_searcher(settings, real_embedder), make_generator(settings), settings)


def test_never_sell_is_not_flipped(pipeline):
    answer = pipeline.ask("Does 123RF sell my data?").finish()
    assert answer.policy_id == "123rf" and not answer.abstained
    assert re.search(r"\b(not|never|won't)\b", answer.text), answer.text
    assert not re.match(r"\W*yes\b", answer.text, re.I)
    text = pipeline.policies["123rf"].text
    assert any("never sell your Personal Information" in c.text and text[c.start:c.end] == c.text for c in answer.citations)


def test_unanswerable_question_abstains_with_closest_clauses(pipeline):
    answer = pipeline.ask("Does PanoramaStock track my GPS location?").finish()
    assert answer.abstained and "doesn't say" in answer.text and answer.citations


def test_seed_answers_are_short_cited_and_plain(pipeline):
    from answering.readability import word_count

    for policy, questions in list(QUESTIONS.items())[:2]:
        for question, *_ in questions:
            answer = pipeline.ask(question, policy_id=policy).finish()
            assert word_count(answer.text) <= 60
            for c in answer.citations:
                assert pipeline.policies[c.policy_id].text[c.start:c.end] == c.text
            if not answer.abstained:
                assert re.search(r"\[\d\]", answer.text)


def test_the_meaning_check_accepts_a_paraphrase_and_rejects_a_flip(pipeline):
    judge = pipeline.judge
    assert judge.name.startswith("model judge")
    clause = "Acme does not sell or lease information about its customers to third parties."
    question = "Does Acme sell my data?"
    right = judge.check("They do not sell your data to other companies.", clause, question)
    flipped = judge.check("They sell your data to other companies.", clause, question)
    assert right.support >= pipeline.settings.min_support > flipped.support, (right, flipped)
    never = "123RF.com will never sell your Personal Information to any third party."
    assert judge.check("123RF sells your personal information.", never, "Does 123RF sell my data?").verdict == "contradicts"


def test_a_sentence_that_answers_passes_and_one_beside_the_point_does_not(pipeline):
    # min_answers: a true sentence must also give the answer, yes or no.
    question = "Does Khan Academy sell my personal data?"
    rated = pipeline.judge.relevance(question, ["They do not sell your personal data to other companies.",
                                                "They send you e-mails about new courses."])
    assert rated[0] >= pipeline.settings.min_answers > rated[1], rated


def test_the_judge_finds_the_clause_that_answers_and_none_for_a_topic_never_mentioned(pipeline):
    clauses = ["We use cookies to remember your settings.",
               "Pirate Party Australia will not sell or otherwise share any information collected with any third parties."]
    policy = " ".join(clauses) + " The company collects personal data such as your name and e-mail address when you join."

    def rate(question, query):  # as the pipeline does: the judge reads the question as asked
        judged = pipeline.judge.relevance(question, clauses)
        v = pipeline.searcher.embedder.encode([query, *clauses])
        return judged, pipeline.relevance.score(query, clauses, judged, v[1:] @ v[0], policy)

    sell_judged, sell = rate("Does Pirate Party Australia sell my personal data?", "Does the company sell my personal data?")
    _, health = rate("Does Pirate Party Australia collect my health information?",
                     "Does the company collect my health information?")
    assert sell_judged[1] > sell_judged[0] and sell.clauses[1] > sell.clauses[0], sell
    assert sell.answerable >= pipeline.settings.min_relevance > health.answerable, (sell, health)


def test_a_seed_policy_summary_flags_no_sale_and_cites_it(pipeline):
    from answering.summary import CATEGORIES, TOPICS, category_line, topic_flag

    text = pipeline.policies["123rf"].text
    sell = TOPICS[0]
    flag = topic_flag(pipeline, sell, pipeline.rank(sell.question, "123rf"), text)
    assert flag is not None and flag.flag == "no_sell" and not flag.red
    assert "never sell your Personal Information" in flag.citations[0].text
    assert all(text[c.start:c.end] == c.text for c in flag.citations)
    dnt = next(c for c in CATEGORIES if c.name == "Do Not Track")  # 123RF never mentions it
    line = category_line(dnt, pipeline.ask(dnt.question, "123rf", max_sentences=1).finish(), text)
    assert line.text == "Not mentioned" and not line.citations


def test_all_policies_get_a_line_per_company(pipeline):
    answer = pipeline.ask("Do they sell my personal information?").finish()
    lines = answer.text.split("\n\n")
    names = [line.split(":")[0] for line in lines]
    assert len(lines) >= 2 and len(set(names)) == len(names) and "123RF" in names
    for c in answer.citations:  # every citation belongs to the company of the line that cites it
        line = next(line for line in lines if f"[{c.number}]" in line)
        assert line.startswith(c.policy_name + ":")
