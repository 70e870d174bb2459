"""A policy at a glance: category lines, flags, the cache, comparison and the scoring, with a
fake embedder, a model that restates the clause it is given and a rule-based judge."""
import json
import re

import pytest

from answering.evaluate_summary import score_categories, score_flags
from answering.pipeline import Pipeline
from answering.relevance import RelevanceModel
from answering.service import Assistant
from answering.summary import CATEGORIES, NOT_MENTIONED, Cited, FlagLine, Summary, compare, summarize
from answering.summary_cache import SummaryCache
from fakes import RuleJudge
from generation.fake import ScriptedGenerator
from plainpolicy.settings import Settings
from retrieval.chunking import ChunkerSettings
from retrieval.evaluate import Question
from retrieval.index import IndexConfig, build_index, load_index
from retrieval.search import Searcher, SearchSettings
from retrieval.types import Policy

CONFIG = IndexConfig("all-MiniLM-L6-v2", 384, ChunkerSettings(max_tokens=16, min_tokens=4))
TEXT = ("# Selling\n\nAcme will never sell your personal data.\n\n"
        "# Your rights\n\nYou can delete your account and your personal information at any time.\n\n"
        "# Changes\n\nAcme may change this privacy policy and only post the new version.\n")
ACME = Policy("acme", "Acme", TEXT)


def restate(messages):
    """The model: the clause numbered [1] in the answer prompt, word for word."""
    return re.search(r"^\[1\] (.*)$", messages[-3]["content"], re.M).group(1)


@pytest.fixture
def pipeline(tmp_path, fake_embedder):
    build_index(tmp_path, [ACME], fake_embedder, CONFIG)
    searcher = Searcher(load_index(tmp_path, CONFIG), fake_embedder, SearchSettings())
    # min_relevance: the rule judge's two shared words. abstain_below: the hash embedder puts the
    # Data security question at 0.20 of Acme's closest clause, which the rule judge would take
    # (they share "personal information"); the real models gate such a question at step 3.
    settings = Settings(index_dir=tmp_path, min_relevance=0.55, abstain_below=0.25)
    return Pipeline(searcher, ScriptedGenerator(restate), settings, judge=RuleJudge(),
                    relevance=RelevanceModel.judge_only())


def test_flags_need_a_clause_that_supports_them_and_never_come_with_their_opposite(pipeline):
    summary = summarize(pipeline, "acme")
    flags = {f.flag: f for f in summary.flags}
    assert set(flags) == {"no_sell", "can_delete", "changes_without_notice"}
    assert "never sell" in flags["no_sell"].citations[0].text and not flags["no_sell"].red
    assert flags["changes_without_notice"].red and "only post the new version" in flags["changes_without_notice"].citations[0].text
    for f in summary.flags:
        for c in f.citations:
            assert TEXT[c.start:c.end] == c.text


def test_a_flag_the_clause_supports_no_better_than_its_opposite_is_not_given(pipeline):
    from answering.summary import TOPICS, topic_flag

    changes = TOPICS[-1]
    pipeline.judge.check = lambda sentence, clause, question, **kw: __import__("answering.judge").judge.Judgement(0.8, 0.2)
    assert topic_flag(pipeline, changes, pipeline.rank(changes.question, "acme"), TEXT) is None


@pytest.mark.parametrize("without, with_notice, given", [(0.75, 0.6, None), (0.75, 0.5, "changes_without_notice")])
def test_a_flag_must_beat_its_opposite_by_the_margin(pipeline, without, with_notice, given):
    from answering.judge import Judgement
    from answering.summary import FLAGS, TOPICS, topic_flag

    changes = TOPICS[-1]
    support = {FLAGS["changes_without_notice"].statement: without, FLAGS["changes_with_notice"].statement: with_notice}
    pipeline.judge.check = lambda sentence, clause, question, **kw: Judgement(support[sentence], 1 - support[sentence])
    assert pipeline.settings.flag_margin == 0.2
    flag = topic_flag(pipeline, changes, pipeline.rank(changes.question, "acme"), TEXT)
    assert (flag.flag if flag else None) == given


def test_every_category_has_a_line_cited_verbatim_or_not_mentioned(pipeline):
    steps = []
    summary = summarize(pipeline, "acme", progress=lambda done, total, what: steps.append((done, total)))
    assert [c.category for c in summary.categories] == [c.name for c in CATEGORIES]
    lines = {c.category: c for c in summary.categories}
    assert lines["Data security"].text == NOT_MENTIONED and not lines["Data security"].mentioned
    assert not lines["Data security"].citations
    deletion = lines["Access, edit and deletion"]
    assert deletion.mentioned and "[" not in deletion.text and "delete" in deletion.text
    assert all(TEXT[c.start:c.end] == c.text for line in summary.categories for c in line.citations)
    assert steps[0] == (0, 15) and steps[-1] == (15, 15)


def test_each_line_is_handed_over_as_soon_as_it_is_made_and_the_summary_is_the_same(pipeline):
    seen = []
    summary = summarize(pipeline, "acme", progress=lambda done, total, what: seen.append(("step", done)),
                        on_line=seen.append)
    lines = [x for x in seen if not isinstance(x, tuple)]
    assert lines == [*summary.categories, *summary.flags] and summary.flags
    # each category line comes before the next category's step starts, not all at the end
    assert seen.index(summary.categories[0]) < seen.index(("step", 1))
    assert summary.categories == summarize(pipeline, "acme").categories


def test_the_json_line_follows_the_eval_summary_contract(pipeline):
    raw = json.loads(json.dumps(summarize(pipeline, "acme").to_json()))
    assert set(raw) == {"title", "categories", "flags", "seconds"} and raw["title"] == "Acme"
    assert set(raw["categories"][0]) == {"category", "text", "mentioned", "citations"}
    assert {"flag", "text", "citations"} <= set(raw["flags"][0])
    assert set(raw["flags"][0]["citations"][0]) == {"start", "end", "text"}
    assert Summary.from_json("acme", raw).to_json() == raw


def test_the_cache_keeps_a_summary_until_the_text_changes(pipeline, tmp_path):
    cache = SummaryCache(tmp_path / "summaries", "model A")
    summary = summarize(pipeline, "acme")
    assert cache.get(ACME) is None
    cache.put(ACME, summary)
    assert cache.get(ACME) == summary
    assert SummaryCache(tmp_path / "summaries", "model B").get(ACME) is None
    changed = Policy("acme", "Acme", TEXT + "\nWe now sell everything.\n")
    assert cache.get(changed) is None
    cache.put(changed, summary)
    assert [p.name for p in (tmp_path / "summaries").glob("acme.*.json")] == [cache.path(changed).name]
    cache.path(changed).write_text("{not json")
    assert cache.get(changed) is None  # damaged: made again, not fatal


def test_summaries_made_ahead_of_time_are_used_when_their_key_matches(pipeline, tmp_path):
    summary = summarize(pipeline, "acme")
    SummaryCache(tmp_path / "shipped", "model A").put(ACME, summary)
    cache = SummaryCache(tmp_path / "made", "model A", shipped=tmp_path / "shipped")
    assert cache.get(ACME) == summary
    assert SummaryCache(tmp_path / "made", "model B", shipped=tmp_path / "shipped").get(ACME) is None


def test_the_assistant_makes_a_summary_once_and_then_reads_it(pipeline):
    assistant = Assistant(pipeline, pipeline.settings)
    assert assistant.cached_summary("acme") is None
    first = assistant.summary("acme")
    calls = len(pipeline.generator.calls)
    assert assistant.summary("acme") == first and assistant.cached_summary("acme") == first
    assert len(pipeline.generator.calls) == calls


def test_compare_puts_policies_side_by_side_with_red_flags_marked(pipeline):
    acme = summarize(pipeline, "acme")
    other = Summary("b", "Beta", tuple(), (FlagLine("sells_data", "They sell your personal data.", True, 0.9,
                                                    (Cited(0, 4, "Beta"),)),), 1.0)
    other = Summary("b", "Beta", acme.categories, other.flags, 1.0)
    rows = {r["row"]: r for r in compare([acme, other])}
    sell = rows["sells_data / no_sell"]
    assert sell["Acme"].startswith("✅ They do not sell") and sell["Beta"].startswith("🚩 They sell")
    assert rows["ad_sharing"]["Acme"] == "—" and rows["sells_data / no_sell"]["Beta"].endswith('("Beta")')
    assert rows["Data security"]["Acme"] == NOT_MENTIONED


def test_a_compare_cell_quotes_a_list_item_after_its_lead(pipeline):
    lines = summarize(pipeline, "acme").categories
    item = Summary("b", "Beta", lines, (FlagLine("sells_data", "They sell your personal data.", True, 0.9,
                                              (Cited(20, 30, "your email", "We sell:", 0),)),), 1.0)
    plain = Summary("c", "Gamma", lines, (FlagLine("sells_data", "They sell your personal data.", True, 0.9,
                                                (Cited(0, 4, "Gamma"),)),), 1.0)
    row = {r["row"]: r for r in compare([item, plain])}["sells_data / no_sell"]
    assert row["Beta"].endswith('("We sell: … your email")') and row["Gamma"].endswith('("Gamma")')


def test_flags_are_scored_on_the_gold_span_and_opposites_counted():
    summary = Summary("p", "P", (), (FlagLine("no_sell", "They do not sell your personal data.", False, 0.9,
                                              (Cited(10, 20, "x" * 10),)),), 1.0)
    q = lambda flag, spans: Question("q", "?", spans, {"flag": flag})  # noqa: E731
    assert score_flags(summary, [q("no_sell", ((15, 30),))]) == {"flags": 1, "found": 1, "opposite": 0}
    assert score_flags(summary, [q("no_sell", ((40, 50),))]) == {"flags": 1, "found": 0, "opposite": 0}
    assert score_flags(summary, [q("sells_data", ((15, 30),))]) == {"flags": 1, "found": 0, "opposite": 1}
    assert score_flags(summary, [q("other", ((15, 30),))])["flags"] == 0


def test_category_citations_are_scored_against_spans_of_the_same_category(pipeline):
    summary = summarize(pipeline, "acme")
    deletion = next(c for c in summary.categories if c.category == "Access, edit and deletion")
    span = (deletion.citations[0].start, deletion.citations[0].end)
    right = Question("q", "?", (span,), {"type": "User Access, Edit and Deletion|||Access Scope|||Full"})
    wrong = Question("q", "?", (span,), {"type": "Data Security|||Security Measure|||Generic"})
    assert score_categories(summary, [right])["on_gold"] >= 1
    assert score_categories(summary, [wrong])["on_gold"] == 0


def test_a_list_item_keeps_the_line_that_introduces_its_list_through_the_cache_and_the_scoring():
    from answering.summary import category_line
    from answering.types import Answer, Citation

    text = "We share your data as follows:\n\na) with couriers;\n"
    item, lead = text.index("a) with"), text.index("We share")
    cite = Citation(1, "p", "P", "", item, len(text) - 1, text[item:-1], item, len(text) - 1, "", text[lead:item - 2], lead)
    line = category_line(CATEGORIES[1], Answer("They share it with couriers. [1]", (cite,)), text)
    (cited,) = line.citations
    assert text[cited.lead_start:cited.lead_start + len(cited.lead)] == cited.lead == "We share your data as follows:"
    summary = Summary("p", "P", (line,), (FlagLine("ad_sharing", "x", True, 0.9, (cited,)),), 1.0)
    raw = json.loads(json.dumps(summary.to_json()))
    assert Summary.from_json("p", raw) == summary
    gold_in_lead = Question("q", "?", ((0, 8),), {"flag": "ad_sharing"})
    assert score_flags(summary, [gold_in_lead])["found"] == 1
