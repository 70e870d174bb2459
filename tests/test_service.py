"""answering.service.Assistant over a small real index, with the fake embedder and scripted model.

``fake_assistant`` is also used by the app tests (tests/test_app.py).
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from answering.pipeline import Pipeline
from answering.relevance import RelevanceModel
from answering.service import Assistant, OneAtATime
from fakes import HashEmbedder, RuleJudge
from generation.base import GenerationError, Message
from generation.fake import ScriptedGenerator
from plainpolicy.settings import Settings
from retrieval.index import build_index, load_index
from retrieval.loaders import PolicyFileError
from retrieval.runtime import index_config
from retrieval.search import Searcher
from retrieval.types import Policy

POLICIES = [
    Policy("acme", "Acme Photos",
           "**Sharing**\n\nAcme will never sell your personal information to any third party. "
           "We share it with payment processors to take your payments.\n\n"
           "**Deletion**\n\nYou can delete your account at any time on the settings page.\n"),
    Policy("bolt", "Bolt",
           "**Sharing**\n\nWe sell aggregated statistics to advertisers every month.\n\n"
           "**Retention**\n\nWe keep your data for two years after you leave.\n"),
]
SELL_REPLY = "Acme will never sell your personal information to any third party. [1]"
NOT_STATED = "The policy doesn't say."


def scripted_reply(messages: list[Message]) -> str:
    """A model that answers "sell" questions from Acme's clause and knows nothing else."""
    question = next((m["content"] for m in reversed(messages) if "Question:" in m["content"]), "")
    return SELL_REPLY if "sell" in question.split("Question:")[-1].lower() else NOT_STATED


class SellJudge(RuleJudge):
    """The rule judge of a model that knows only about selling: no clause answers anything else."""

    def relevance(self, question, clauses):
        scores = super().relevance(question, clauses)
        return scores if "sell" in question.lower() else [0.0 for _ in scores]


def fake_assistant(index_dir: Path, policies: list[Policy] = POLICIES) -> Assistant:
    """An Assistant on the fake embedder, ``scripted_reply`` and the rule judge. Its bar for "weak
    evidence" is low, because bag-of-words similarity is low: these tests need the judge to decide."""
    settings = Settings(index_dir=index_dir, abstain_below=0.1)
    embedder = HashEmbedder()
    build_index(index_dir, policies, embedder, index_config(settings))
    searcher = Searcher(load_index(index_dir, index_config(settings)), embedder, settings.search)
    generator = OneAtATime(ScriptedGenerator(scripted_reply))
    return Assistant(Pipeline(searcher, generator, settings, judge=SellJudge(), relevance=RelevanceModel.judge_only()), settings)


@pytest.fixture
def assistant(tmp_path):
    return fake_assistant(tmp_path / "index")


def test_lists_policies_by_display_name(assistant):
    assert assistant.policies() == [("acme", "Acme Photos"), ("bolt", "Bolt")]
    assert assistant.policy_text("bolt").startswith("**Sharing**")
    assert assistant.backend_name == "scripted (test double)"


def test_asks_the_policy_the_question_names(assistant):
    assert assistant.scope("Does Acme Photos sell my data?", None) == "acme"
    assert assistant.scope("Does Acme Photos sell my data?", "bolt") == "acme"  # the named company wins
    assert assistant.scope("Do they sell my data?", None) is None
    stream = assistant.ask("Does Acme Photos sell my personal information?")
    assert "".join(stream) == SELL_REPLY
    answer = stream.answer
    assert not answer.abstained and answer.policy_id == "acme"
    cite = answer.citations[0]
    assert cite.policy_name == "Acme Photos" and "never sell" in cite.text
    assert assistant.policy_text("acme")[cite.start:cite.end] == cite.text


def test_abstains_when_no_clause_answers(assistant):
    answer = assistant.ask("Can I delete my account?", "acme").finish()
    assert answer.abstained and answer.citations
    assert "doesn't say" in answer.text


def test_pasted_policy_is_indexed_kept_and_searchable(assistant, tmp_path):
    seen = []
    policy = assistant.add_policy("  Cloud   Notes ", text="**Sharing**\n\nCloud Notes never sells your notes to anyone.\n",
                                  progress=lambda done, total: seen.append((done, total)))
    assert (policy.id, policy.name) == ("cloud-notes", "Cloud Notes")
    assert ("cloud-notes", "Cloud Notes") in assistant.policies()
    assert seen and seen[-1][0] == seen[-1][1] > 0
    stream = assistant.ask("Does Cloud Notes sell my notes?")
    stream.finish()
    assert {c.policy_id for c in stream.answer.citations} == {"cloud-notes"}
    on_disk = load_index(tmp_path / "index", index_config(assistant.settings))
    assert on_disk.origins["cloud-notes"] == "upload" and set(on_disk.policies) == {"acme", "bolt", "cloud-notes"}


@pytest.mark.parametrize("filename, data", [
    ("dir/Zeta App.md", b"# Cookies\n\nWe use cookies to keep you signed in.\n"),
    ("Zeta App.html", b"<html><body><nav>Home</nav><main><h1>Cookies</h1>"
                      b"<p>We use cookies to keep you signed in.</p></main></body></html>"),
])
def test_uploaded_file_is_named_from_its_file_by_default(assistant, filename, data):
    policy = assistant.add_policy(filename=filename, data=data)
    assert (policy.id, policy.name) == ("zeta-app", "Zeta App")
    assert assistant.policies()[-1] == ("zeta-app", "Zeta App")
    assert "We use cookies to keep you signed in." in assistant.policy_text("zeta-app")
    assert "<p>" not in assistant.policy_text("zeta-app")


def test_a_new_policy_never_replaces_another(assistant):
    policy = assistant.add_policy("Acme", text="We keep nothing.")
    assert policy.id == "acme-2"
    assert assistant.policy_text("acme").startswith("**Sharing**")


@pytest.mark.parametrize("kwargs, message", [
    (dict(text="We keep nothing."), "give the pasted policy a name"),
    (dict(name="Empty", text="  \n"), "paste the text"),
    (dict(name="Bolt", text="We keep nothing."), 'already a policy called "Bolt"'),
    (dict(name="x" * 61, text="We keep nothing."), "shorter name"),
    (dict(name="Nothing"), "choose a policy file"),
])
def test_bad_input_is_refused_with_a_readable_message(assistant, kwargs, message):
    with pytest.raises(ValueError, match=message):
        assistant.add_policy(**kwargs)
    assert [pid for pid, _ in assistant.policies()] == ["acme", "bolt"]


@pytest.mark.parametrize("filename, data, message", [
    ("notes.docx", b"PK\x03\x04", "unsupported file type .docx"),
    ("policy.txt", b"\x00\x01binary\x00", "binary file"),
    ("policy.txt", b"", "empty"),
    ("policy.pdf", b"%PDF-1.4 not really a pdf", "not a readable PDF"),
])
def test_bad_files_are_refused_and_the_index_is_unchanged(assistant, tmp_path, filename, data, message):
    with pytest.raises(PolicyFileError, match=message):
        assistant.add_policy("Broken", filename=filename, data=data)
    assert set(load_index(tmp_path / "index", index_config(assistant.settings)).policies) == {"acme", "bolt"}
    assert assistant.ask("Does Acme Photos sell my personal information?").finish().citations


def test_one_reply_at_a_time_and_an_abandoned_reply_frees_the_model():
    gen = OneAtATime(ScriptedGenerator(["first reply", "second reply"]))
    first = gen.stream([], max_tokens=10)
    next(first)
    assert gen._lock.locked()
    first.close()  # what happens when the app's run is interrupted mid-answer
    assert not gen._lock.locked()
    assert "".join(gen.stream([], max_tokens=10)) == "second reply"


class ScoringScripted(ScriptedGenerator):
    def choice_probs(self, messages, options):
        return [0.5] * len(options)


def test_the_thread_whose_reply_is_paused_may_score_and_others_wait_for_the_reply_to_end():
    gen = OneAtATime(ScoringScripted(["a reply in pieces"]))
    paused, done, seen = threading.Event(), threading.Event(), []

    def session():  # its reply is paused while it checks the first sentence, as the pipeline does
        reply = gen.stream([], max_tokens=10)
        next(reply)
        seen.append(gen.choice_probs([], ["yes", "no"]))
        try:
            next(gen.stream([], max_tokens=10))
        except GenerationError as exc:  # not a wait for itself for ever
            seen.append(str(exc))
        paused.set()
        done.wait(5)
        reply.close()

    threading.Thread(target=session, daemon=True).start()
    assert paused.wait(5), "the session waited for its own reply"
    assert seen[0] == [0.5, 0.5] and "second reply" in seen[1]
    other = threading.Thread(target=gen.choice_probs, args=([], ["yes", "no"]), daemon=True)
    other.start()
    other.join(timeout=0.2)
    assert other.is_alive()  # another session waits for the model
    done.set()
    other.join(timeout=5)
    assert not other.is_alive() and not gen._lock.locked()


def test_warm_up_reads_the_prompt_once_and_never_raises(assistant):
    generator = assistant.pipeline.generator.generator
    assistant.warm_up()
    assert len(generator.calls) == 1 and generator.calls[0][0]["role"] == "system"
    assert None in assistant.pipeline.searcher._keywords  # "All policies" keyword index made ahead
    assistant.pipeline.generator = OneAtATime(ScriptedGenerator([]))  # runs out of replies: raises
    assistant.start_warm_up().join(timeout=10)


def test_a_damaged_index_is_rebuilt_at_start_up_and_the_person_is_told(tmp_path, monkeypatch):
    import functools

    import answering.service as service
    from retrieval.index import current_generation
    from retrieval.runtime import index_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in POLICIES:
        (corpus / f"{p.id}.md").write_text(p.text)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    embedder = HashEmbedder()
    index_corpus(settings, embedder=embedder)
    chunks = current_generation(settings.index_dir) / "chunks.jsonl"
    chunks.write_text(chunks.read_text()[:100])

    def fake_pipeline(settings, wrap):
        searcher = Searcher(load_index(settings.index_dir, index_config(settings)), embedder, settings.search)
        return Pipeline(searcher, wrap(ScriptedGenerator(scripted_reply)), settings, judge=SellJudge())

    monkeypatch.setattr(service, "load_pipeline", fake_pipeline)
    monkeypatch.setattr(service, "index_corpus", functools.partial(index_corpus, embedder=embedder))
    assistant = service.Assistant.load(settings)
    assert "damaged (chunks.jsonl" in assistant.notice and "rebuilt from" in assistant.notice
    assert {pid for pid, _ in assistant.policies()} == {"acme", "bolt"}
    assert service.Assistant.load(settings).notice == ""  # and the next start is quiet
