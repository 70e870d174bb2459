"""The meaning check (answering.judge) with a fake scorer: what it asks the model, how it reads the answer."""
from answering.judge import Judgement, ModelJudge, SimilarityJudge, make_judge
from answering.pipeline import preamble
from fakes import HashEmbedder
from generation.fake import ScriptedGenerator


class FakeScorer:
    """Gives fixed probabilities to the options it is asked about, and records the prompts."""

    name = "fake scorer"

    def __init__(self, probs: dict[str, float]) -> None:
        self.probs = probs
        self.asked: list[tuple[list, list]] = []

    def choice_probs(self, messages, options):
        self.asked.append((messages, list(options)))
        return [self.probs.get(o, 0.0) for o in options]


CLAUSE = "Acme does not sell or lease information about its customers to third parties."


def test_support_is_read_from_the_yes_and_no_probabilities():
    scorer = FakeScorer({"yes": 0.6, "no": 0.2})
    judgement = ModelJudge(scorer, preamble).check("They do not sell your data.", CLAUSE, "Do they sell my data?")
    assert abs(judgement.support - 0.75) < 1e-9 and judgement.verdict == "supports"
    messages, options = scorer.asked[0]
    assert options == ["yes", "no"]
    assert messages[:1] == preamble()[:1] and len(messages) == 2  # the cached instructions, not the example
    assert CLAUSE in messages[-1]["content"] and "They do not sell your data." in messages[-1]["content"]


def test_a_no_is_a_contradiction():
    judgement = ModelJudge(FakeScorer({"yes": 0.05, "no": 0.9}), preamble).check("They sell your data.", CLAUSE, "")
    assert judgement.verdict == "contradicts" and judgement.support < 0.1


def test_relevance_asks_about_each_clause_on_its_own():
    scorer = FakeScorer({"0": 0.2, "1": 0.6})
    judge = ModelJudge(scorer, preamble)
    relevance = judge.relevance("Do they sell my data?", ["We use cookies.", CLAUSE])
    assert [round(r, 3) for r in relevance] == [0.75, 0.75]
    (first, options), (second, _) = scorer.asked
    assert options == ["0", "1"]
    assert first[:-1] == preamble() and first[-1]["content"].endswith("[1] We use cookies.")
    assert second[-1]["content"].endswith(f"[1] {CLAUSE}")
    # The question and the instruction come first, so the two prompts differ only in the clause.
    head = first[-1]["content"][:-len("We use cookies.")]
    assert head.startswith("Question: Do they sell my data?") and second[-1]["content"].startswith(head)
    assert "yes or no" in head  # a clause that answers "no" answers the question too


def test_the_numbered_check_refers_to_the_clause_in_the_conversation():
    scorer = FakeScorer({"yes": 1.0})
    chat = preamble() + [{"role": "user", "content": "..."}]
    ModelJudge(scorer, preamble).check("They do not sell it.", CLAUSE, "", context=chat, number=2)
    assert "clause [2]" in scorer.asked[0][0][-1]["content"] and CLAUSE not in scorer.asked[0][0][-1]["content"]


def test_verdicts():
    assert Judgement(0.7, 0.2).verdict == "supports"
    assert Judgement(0.2, 0.7).verdict == "contradicts"
    assert Judgement(0.1, 0.1).verdict == "neither"


def test_a_back_end_that_cannot_score_gets_the_similarity_judge():
    embedder = HashEmbedder()
    assert isinstance(make_judge(ScriptedGenerator([]), preamble, embedder.encode), SimilarityJudge)
    assert isinstance(make_judge(FakeScorer({}), preamble, embedder.encode), ModelJudge)
    judge = SimilarityJudge(embedder.encode)
    assert judge.check("Acme does not sell information.", CLAUSE, "").support > judge.check("We use cookies.", CLAUSE, "").support
    assert judge.check("x", CLAUSE, "").contradict == 0.0  # blind to "not"
