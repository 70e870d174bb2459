import re

from hypothesis import given, settings, strategies as st

from retrieval.chunking import ChunkerSettings, chunk_text, heading_name


def words(text: str) -> int:
    return len(text.split())


_piece = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(["\n", "\n\n", ". ", "; ", ", ", "# Heading\n", "**Bold**\n", "a) item\n", "  * list\n",
                     "e.g. ", "Mr. Smith. ", "We never sell your data. ", "x" * 300, "\t", "\r\n"]),
)
documents = st.lists(_piece, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(documents, st.integers(2, 40), st.integers(1, 30))
def test_chunks_are_verbatim_ordered_and_cover_the_text(text, max_tokens, min_tokens):
    min_tokens = min(min_tokens, max_tokens - 1)
    chunks = chunk_text("p", text, words, ChunkerSettings(max_tokens=max_tokens, min_tokens=min_tokens))
    covered = [False] * len(text)
    last_end = 0
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.start >= last_end, "chunks overlap or are out of order"
        assert c.text == c.text.strip() and c.text
        last_end = c.end
        for i in range(c.start, c.end):
            covered[i] = True
    for i, ch in enumerate(text):
        assert covered[i] or ch.isspace(), f"character {i} ({ch!r}) is in no chunk"


@settings(max_examples=200, deadline=None)
@given(documents)
def test_every_chunk_fits_the_token_budget_unless_it_is_one_word(text):
    for c in chunk_text("p", text, words, ChunkerSettings(max_tokens=12, min_tokens=3)):
        assert words(c.text) <= 12 or len(c.text.split()) == 1


def test_ids_are_stable_and_depend_on_content():
    text = "# Data\n\nWe collect your name. We never sell it.\n\n# Cookies\n\nWe use cookies."
    a = chunk_text("p", text, words)
    b = chunk_text("p", text, words)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    changed = chunk_text("p", text.replace("cookies.", "cookies daily."), words)
    assert a[0].id == changed[0].id and a[-1].id != changed[-1].id


def test_sections_follow_headings_of_every_kind():
    text = ("# Privacy Policy\n\nIntro text that is long enough to be a body line here.\n\n"
            "**Disclosure to Third Parties**\n\nWe will never sell your data to anyone at all.\n\n"
            "3. Information disclosure\n\nWe may share data with partners who help us run the site.\n")
    sections = {c.section for c in chunk_text("p", text, words, ChunkerSettings(max_tokens=30, min_tokens=4))}
    assert sections == {"Privacy Policy", "Disclosure to Third Parties", "3. Information disclosure"}


def test_address_lines_are_not_headings():
    assert heading_name("123RF LLC", "33 N. Dearborn St") is None
    assert heading_name("Data Security", "Our websites are protected against damage, deletion and access.") == "Data Security"
    assert heading_name("The following are information that we may collect from you:", "* Name") is None


def test_long_sentence_splits_at_commas_then_words():
    sentence = "We collect your name, your address, your phone number, your e-mail address, " * 6
    chunks = chunk_text("p", sentence, words, ChunkerSettings(max_tokens=10, min_tokens=2))
    assert len(chunks) > 3
    assert all(words(c.text) <= 10 for c in chunks)
    assert re.sub(r"\s+", " ", " ".join(c.text for c in chunks)) == re.sub(r"\s+", " ", sentence.strip())


def test_short_heading_is_packed_with_the_clause_after_it():
    text = "**Cookies**\n\nWe place a small text file called a cookie on your disk."
    chunks = chunk_text("p", text, words, ChunkerSettings(max_tokens=40, min_tokens=4))
    assert len(chunks) == 1 and chunks[0].section == "Cookies"
