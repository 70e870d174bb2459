"""Evidence selection: sentences widened from hits, list items with their lead-in, dated lines
for a question that asks when."""
import numpy as np
from fakes import HashEmbedder

from answering.evidence import (MAX_EVIDENCE_CHARS, asks_for_date, candidates, dated_sentences, lead_sentence, list_lead,
                                quote_part, select_evidence, sentence_parts)
from answering.readability import word_count
from answering.types import Evidence
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
    a, b = list_lead(TEXT, item)
    assert TEXT[a:b] == "We will disclose your personal information as follows:"
    assert list_lead(TEXT, TEXT.index("We keep")) is None  # not a list item
    assert list_lead("a) first item\n", 0) is None  # a list with no lead-in
    assert list_lead(TEXT, TEXT.index("a) We never")) is None  # not across a numbered heading
    dashed = "We may use your information for the following purposes:- \n\n  * Administer your account\n"
    a, b = list_lead(dashed, dashed.index("* Administer"))
    assert dashed[a:b] == "We may use your information for the following purposes:-"
    undashed = dashed.replace(":-", " -")
    assert list_lead(undashed, undashed.index("* Administer")) is None  # a dash alone is no lead


def test_the_lead_in_is_not_offered_again_on_its_own():
    pool = candidates([hit("as follows:"), hit("courts or the police")], {"p": POLICY})
    assert [c.text for c in pool] == ["b) to courts or the police when the law requires it;"]
    evidence = pool[0]
    assert TEXT[evidence.start:evidence.end] == evidence.text  # the citation stays verbatim
    assert TEXT[evidence.lead_start:evidence.lead_start + len(evidence.lead)] == evidence.lead  # and its lead
    assert evidence.context == ("We will disclose your personal information as follows: "
                                "b) to courts or the police when the law requires it;")


def test_a_list_item_is_quoted_after_the_last_sentence_of_its_lead_in():
    text = ("# Use\n\nWe collect your data to run the site. We may use it for the following purposes:-\n\n"
            "* Administer your account\n")
    (item,) = candidates([Hit(Chunk("p:0", "p", text.index("* Admin"), len(text) - 1, "* Administer your account", "Use"), 1.0)],
                         {"p": Policy("p", "P", text)})
    assert item.lead.startswith("We collect")
    assert lead_sentence(item, text, 20) == "We may use it for the following purposes:-"
    assert lead_sentence(item, text, 5) == ""  # a lead-in sentence too long to quote
    (plain,) = candidates([hit("We keep your data")], {"p": POLICY})
    assert lead_sentence(plain, TEXT, 20) == ""  # no list item


def test_a_hit_on_a_heading_becomes_the_first_sentence_under_it():
    pool = candidates([hit("2. Selling")], {"p": POLICY})
    assert [c.text for c in pool] == ["a) We never sell your data."]


DATED = ("Privacy Policy\nUpdated October 4, 2019\n"
         "We collect your e-mail address. We may update this policy from time to time.\n"
         "- September 16, 2018: Initial version\nThis policy is effective as of 1 January 2020.\n"
         "Last Revised: 2019-03-20 20:48 EDT\nWe keep logs for 30 days.\n")


def test_sentences_that_state_a_date_are_found_verbatim():
    spans = dated_sentences(DATED)
    assert [DATED[a:b] for a, b in spans] == [
        "Updated October 4, 2019", "- September 16, 2018: Initial version",
        "This policy is effective as of 1 January 2020.", "Last Revised: 2019-03-20 20:48 EDT"]
    assert len(dated_sentences(DATED, limit=2)) == 2
    assert dated_sentences("We keep logs for 30 days. Call 555-123-4567.") == []


def test_only_a_question_that_asks_when_asks_for_a_date():
    assert asks_for_date("When was the company's privacy policy last updated?")
    assert asks_for_date("What is the effective date of this policy?")
    assert not asks_for_date("Does the company sell my data when I log in?")
    assert not asks_for_date("When you conduct a survey, what do you collect from me?")
    assert not asks_for_date("When do they delete my data?")  # in what case, not on what date
    assert not asks_for_date("Can I delete my account?")


def test_a_question_that_asks_when_gets_the_dated_line_the_search_missed():
    policy = Policy("d", "D", DATED)
    piece = "We may update this policy from time to time."
    start = DATED.index(piece)
    hits = [Hit(Chunk("d:1", "d", start, start + len(piece), piece, ""), 1.0)]

    def encode(texts):  # every text equally close to the question: the search score decides
        return np.ones((len(texts), 1), dtype=np.float32)

    asked, _ = select_evidence("When was the policy last updated?", hits, {"d": policy}, 2, encode)
    assert [e.text for e in asked] == ["Updated October 4, 2019", "- September 16, 2018: Initial version"]
    assert all(DATED[e.start:e.end] == e.text for e in asked)  # only dated sentences: the hit cannot say when
    other, _ = select_evidence("How do they change the policy?", hits, {"d": policy}, 2, encode)
    assert [e.text for e in other] == [piece]  # a question that does not ask when: the hit alone
    undated = Policy("d", "D", DATED[DATED.index("We collect"):DATED.index("- September")])
    start = undated.text.index(piece)
    hits = [Hit(Chunk("d:1", "d", start, start + len(piece), piece, ""), 1.0)]
    asked, _ = select_evidence("When was the policy last updated?", hits, {"d": undated}, 2, encode)
    assert [e.text for e in asked] == [piece]  # no date anywhere: the search's sentences, as for any question


LONG = ("We collect your name, your e-mail address and your postal address when you order, "
        "together with the items you buy, the price you pay, the time of the order, the device you "
        "use and the pages you visit before you buy; we use it to ship the goods to you and to "
        "answer your questions about the order, and we never sell any of it to anyone.")


def _evidence(text: str, start: int, end: int) -> Evidence:
    return Evidence("p", start, end, text[start:end], start, end, "", 1.0)


def _no_encoder(texts):
    raise AssertionError("one sentence needs no choice")


def test_a_short_sentence_is_quoted_whole():
    e = _evidence(TEXT, TEXT.index("We keep"), TEXT.index("We keep") + len("We keep your data for 30 days."))
    assert quote_part(e, TEXT, 10, "How long?", _no_encoder) == (e, False)


def test_a_long_sentence_is_cut_at_its_last_pause_within_the_limit_verbatim():
    part, cut = quote_part(_evidence(LONG, 0, len(LONG)), LONG, 45, "What do they collect?", _no_encoder)
    assert cut and LONG[part.start:part.end] == part.text
    assert part.text == LONG[:LONG.index("; we use it")]  # the semicolon, not a later word
    assert word_count(part.text) <= 45 and (part.clause_start, part.clause_end) == (0, len(LONG))
    # With no pause in the first half of the limit, it is cut at the last word that fits.
    part, cut = quote_part(_evidence(LONG, 0, len(LONG)), LONG, 12, "What do they collect?", _no_encoder)
    assert cut and word_count(part.text) == 12 and part.text == LONG[:len(part.text)] and part.text.endswith("address when")


def test_of_two_sentences_the_one_most_like_the_question_is_quoted():
    text = "We keep your data for 30 days. " + LONG
    part, cut = quote_part(_evidence(text, 0, len(text)), text, 70, "Do they sell my data to anyone?", HashEmbedder().encode)
    assert not cut and part.text == LONG and text[part.start:part.end] == LONG
    part, cut = quote_part(_evidence(text, 0, len(text)), text, 70, "How long do they keep my data for?", HashEmbedder().encode)
    assert not cut and part.text == "We keep your data for 30 days."
    # The sentences around it come too, while they fit: the next one first.
    text = "Orders ship fast. We keep your data for 30 days. After that we delete it. " + LONG
    part, cut = quote_part(_evidence(text, 0, len(text)), text, 13, "How long do they keep my data for?", HashEmbedder().encode)
    assert not cut and part.text == "We keep your data for 30 days. After that we delete it." and text[part.start:part.end] == part.text
    part, cut = quote_part(_evidence(text, 0, len(text)), text, 16, "How long do they keep my data for?", HashEmbedder().encode)
    assert part.text == "Orders ship fast. We keep your data for 30 days. After that we delete it."


# One sentence of 520 characters, as crawled policies have them: a hit inside it becomes the part
# of the sentence it sits in, cut at a comma, never the bare chunk.
RUN_ON = ("We will never sell student records unless the sale is part of a corporate transaction, "
          "such as a merger, acquisition, bankruptcy, or other sale of assets, in which case we will "
          "require the new owner to continue to honor the terms provided in this privacy policy or we "
          "will give the school notice and a chance to opt out of the transfer of student records by "
          "deleting the student records before the transfer occurs, and we will tell every parent "
          "about it in writing at least thirty days before the records move to the new owner.\n")


def test_a_hit_in_an_over_long_sentence_becomes_its_part_of_the_sentence():
    policy = Policy("r", "R", RUN_ON)
    start = RUN_ON.index("such as a merger")
    chunk = Hit(Chunk("r:1", "r", start, start + len("such as a merger, acquisition,"), "such as a merger, acquisition,", ""), 1.0)
    e, rest = candidates([chunk], {"r": policy})  # the rest of the sentence follows, as its own candidate
    assert len(RUN_ON.strip()) > MAX_EVIDENCE_CHARS >= len(e.text)
    assert e.text.startswith("We will never sell student records") and e.text.endswith(",")
    assert RUN_ON[e.start:e.end] == e.text and rest.text.startswith("and we will tell every parent")
    parts = sentence_parts(RUN_ON, 0, len(RUN_ON.strip()))
    assert all(b - a <= MAX_EVIDENCE_CHARS for a, b in parts) and len(parts) == 2
    assert " ".join(RUN_ON[a:b] for a, b in parts) == RUN_ON.strip()  # every word, in order
    # Quoted, such a part says that the sentence goes on.
    assert quote_part(e, RUN_ON, 100, "Do they sell my data?", _no_encoder) == (e, True)


def test_a_sentence_part_without_a_pause_ends_at_a_whole_word():
    text = ("word " * 120).strip() + "."
    parts = sentence_parts(text, 0, len(text))
    assert len(parts) > 1 and all(set(text[a:b].rstrip(".").split()) == {"word"} for a, b in parts)
    assert all(b - a <= MAX_EVIDENCE_CHARS for a, b in parts)
