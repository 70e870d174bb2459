from pathlib import Path

import pytest

from retrieval.loaders import PolicyFileError, load_corpus, load_policy, read_text

ROOT = Path(__file__).resolve().parent.parent


def make_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, built by hand so the test needs no PDF writer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_markdown_text_is_kept_exactly(tmp_path):
    src = ROOT / "corpus" / "123rf.md"
    policy = load_policy(src, name="123RF")
    assert policy.text == src.read_text(encoding="utf-8")
    assert policy.id == "123rf"
    assert policy.archived == "2017-06-08"
    assert policy.url.startswith("https://web.archive.org/")


def test_html_main_text_only(tmp_path):
    page = tmp_path / "acme.html"
    page.write_text(
        "<html><head><title>Acme</title><script>var tracking = 1;</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/shop'>Shop</a></nav>"
        "<article><h1>Privacy Policy</h1><p>We never sell your personal information to anyone. "
        "We keep your order history for as long as your account is open.</p>"
        "<p>You can delete your account at any time from the settings page of the site.</p></article>"
        "<footer>Copyright Acme</footer></body></html>", encoding="utf-8")
    text = read_text(page)
    assert "We never sell your personal information" in text
    assert "var tracking" not in text


def test_pdf_text(tmp_path):
    pdf = tmp_path / "acme.pdf"
    pdf.write_bytes(make_pdf("We never sell your personal information."))
    assert "We never sell your personal information." in read_text(pdf)


@pytest.mark.parametrize("name, data, message", [
    ("policy.docx", b"PK\x03\x04", "unsupported file type"),
    ("empty.txt", b"   \n", "empty"),
    ("binary.txt", b"\x00\x01\x02binary", "binary"),
    ("latin1.txt", "Datenschutzerklärung".encode("latin-1"), "not valid UTF-8"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
    ("script.html", b"<html><body><script>x()</script></body></html>", "no main text"),
])
def test_bad_files_get_a_clear_error_naming_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PolicyFileError) as err:
        read_text(path)
    assert name in str(err.value) and message in str(err.value)


def test_corpus_skips_bad_files_and_keeps_going(tmp_path):
    (tmp_path / "good.txt").write_text("We never sell your personal information to anyone.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x00")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    (tmp_path / "policies.toml").write_text('[good]\nname = "Good Co"\n', encoding="utf-8")
    policies, errors = load_corpus(tmp_path)
    assert [(p.id, p.name) for p in policies] == [("good", "Good Co")]
    assert len(errors) == 2 and any("bad.txt" in e for e in errors) and any("notes.docx" in e for e in errors)


def test_shipped_corpus_has_five_named_policies():
    policies, errors = load_corpus(ROOT / "corpus")
    assert errors == []
    assert {p.id: p.name for p in policies} == {
        "123rf": "123RF", "optokingdom": "Optokingdom", "paletten": "Paletten Camera",
        "panoramastock": "PanoramaStock", "picroma": "Picroma",
    }
