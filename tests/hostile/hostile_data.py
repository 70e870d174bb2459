"""Hostile files made on the fly (nothing large is stored in the repository)."""
from __future__ import annotations

import io
import zipfile

GOOD = "We never sell your personal information. You can delete your account at any time.\n"


def pdf_bytes(text: str | None, password: str | None = None) -> bytes:
    """A one-page PDF; with ``text`` None the page has no text layer (a blank scan)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=300)
    if text is not None:
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 10 Tf 20 250 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("policy.txt", GOOD)
    return out.getvalue()


def write_fifty_megabytes(path):
    line = b"We collect your name and e-mail address when you sign up for an account.\n"
    with open(path, "wb") as f:
        for _ in range(50 * 2**20 // len(line) + 1):
            f.write(line)
    return path
