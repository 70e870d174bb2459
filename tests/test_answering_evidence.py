"""Evidence selection: sentences widened from hits, list items with their lead-in."""
from answering.evidence import candidates, list_lead
from retrieval.types import Chunk, Hit, Policy

TEXT = ("# Disclosure\n\n"
        "We will disclose your personal information as follows:\n\n"
        "a) to our partners with your consent;\n\n"
        "b) to courts or the police when the law requires it;\n\n"
        "We keep your data for 30 days.\n\n"
        "2. Selling\n\n"
        "a) We never sell your data.\n")
POLICY = Policy("p", "P", TEXT)


def hit(piece: str, score: float = 1.0) -> Hit:
    start = TEXT.index(piece)
    return Hit(Chunk(f"p:{start}", "p", start, start + len(piece), piece, "Disclosure"), score)


def test_a_list_item_carries_the_line_that_introduces_its_list():
    item = TEXT.index("b) to courts")
    assert list_lead(TEXT, item) == "We will disclose your personal information as follows:"
    assert list_lead(TEXT, TEXT.index("We keep")) == ""  # not a list item
    assert list_lead("a) first item\n", 0) == ""  # a list with no lead-in
    assert list_lead(TEXT, TEXT.index("a) We never")) == ""  # not across a numbered heading


def test_the_lead_in_is_not_offered_again_on_its_own():
    pool = candidates([hit("as follows:"), hit("courts or the police")], {"p": POLICY})
    assert [c.text for c in pool] == ["b) to courts or the police when the law requires it;"]
    evidence = pool[0]
    assert TEXT[evidence.start:evidence.end] == evidence.text  # the citation stays verbatim
    assert evidence.context == ("We will disclose your personal information as follows: "
                                "b) to courts or the police when the law requires it;")


def test_a_hit_on_a_heading_becomes_the_first_sentence_under_it():
    pool = candidates([hit("2. Selling")], {"p": POLICY})
    assert [c.text for c in pool] == ["a) We never sell your data."]
