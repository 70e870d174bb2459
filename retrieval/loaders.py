"""Turn a policy file (.txt, .md, .html/.htm, .pdf) into a Policy with plain text.

This module does not chunk or embed. Text from .txt/.md files is kept exactly as written, so
offsets shown to users point into the file they can open. HTML and PDF are converted to text
with maintained libraries (trafilatura, pypdf); offsets then point into that converted text,
which the index stores.
"""
from __future__ import annotations

import codecs
import logging
import re
import tomllib
import unicodedata
from pathlib import Path

from retrieval.types import Policy

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 60  # a policy's display name, as shown in the app's list
METADATA_FILE = "policies.toml"

_HEADER = re.compile(
    r"extracted and transformed from the (?P<site>[\w.-]+) privacy policy that was archived on "
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:.*?\((?P<url>https?://[^)\s]+)\))?",
    re.IGNORECASE | re.DOTALL,
)


class PolicyFileError(ValueError):
    """A policy file that cannot be read as text. The message names the file."""


def policy_id_for(path: Path) -> str:
    """A stable, URL-safe id from the file stem: ``corpus/123RF Policy.md`` -> ``123rf-policy``."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    if not slug:
        raise PolicyFileError(f"{path}: cannot make a policy id from this file name")
    return slug


def read_text(path: Path, data: bytes | None = None) -> str:
    """Plain text of one file. Raises PolicyFileError with the file name on any problem."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise PolicyFileError(f"{path.name}: unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}")
    if data is None:
        if path.stat().st_size > MAX_BYTES:
            raise PolicyFileError(f"{path.name}: larger than {MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    if not data.strip():
        raise PolicyFileError(f"{path.name}: the file is empty")
    if suffix == ".pdf":
        text = _pdf_text(path, data)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # as Windows Notepad saves "Unicode"
        try:
            raw = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise PolicyFileError(f"{path.name}: not valid UTF-16 text ({exc.reason} at byte {exc.start})") from None
        text = _html_text(path, raw) if suffix in (".html", ".htm") else raw
    else:
        if b"\x00" in data[:8192]:
            raise PolicyFileError(f"{path.name}: looks like a binary file, not text")
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PolicyFileError(f"{path.name}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
        text = _html_text(path, raw) if suffix in (".html", ".htm") else raw
    if not text.strip():
        raise PolicyFileError(f"{path.name}: no readable text found")
    return text


def _html_text(path: Path, raw: str) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(raw, include_comments=False, include_tables=True, favor_recall=True)
    except Exception as exc:  # lxml and trafilatura fail in many ways on hostile markup
        log.debug("HTML extraction failed for %s", path, exc_info=True)
        raise PolicyFileError(f"{path.name}: this HTML page could not be read ({type(exc).__name__})") from None
    if not text:
        raise PolicyFileError(f"{path.name}: no main text found in this HTML page")
    return text


def _pdf_text(path: Path, data: bytes) -> str:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PolicyFileError(f"{path.name}: the PDF is encrypted (password-protected); save a copy without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PolicyFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        first = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise PolicyFileError(f"{path.name}: not a readable PDF ({first})") from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


def load_policy(path: Path, name: str = "", data: bytes | None = None, policy_id: str = "") -> Policy:
    """Read one policy file. ``name`` defaults to the header's site or the file stem."""
    text = read_text(path, data)
    meta = _HEADER.search(text[:2000])
    url = (meta.group("url") or "") if meta else ""
    archived = meta.group("date") if meta else ""
    if not name:
        name = meta.group("site") if meta else clean_name(path.stem)
    return Policy(
        id=policy_id or policy_id_for(path), name=name, text=text,
        source_path=str(path), url=url, archived=archived,
    )


def clean_name(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """A display name from a file name: no control or format characters, spaces collapsed, cut to ``limit``."""
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
    return " ".join(kept.split())[:limit].strip() or "policy"


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file (or link, even a broken one) in the corpus folder that is not hidden or the metadata file, sorted."""
    return sorted(
        p for p in corpus_dir.iterdir()
        if (p.is_file() or p.is_symlink()) and not p.name.startswith(".") and p.name != METADATA_FILE
    )


def display_names(corpus_dir: Path) -> dict[str, str]:
    """Policy id -> display name from ``policies.toml`` in the corpus folder, if present."""
    meta = corpus_dir / METADATA_FILE
    if not meta.exists():
        return {}
    table = tomllib.loads(meta.read_text(encoding="utf-8"))
    return {pid: str(entry.get("name", pid)) for pid, entry in table.items() if isinstance(entry, dict)}


def load_corpus(corpus_dir: Path) -> tuple[list[Policy], list[str]]:
    """Every readable policy in a folder, and an error message for each file that is not."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"no corpus folder at {corpus_dir}")
    names = display_names(corpus_dir)
    policies, errors, seen = [], [], {}
    for path in corpus_files(corpus_dir):
        try:
            policy = load_policy(path, name=names.get(policy_id_for(path), ""))
        except PolicyFileError as exc:
            log.warning("skipped %s", exc)
            errors.append(str(exc))
            continue
        except OSError as exc:
            log.warning("skipped %s: %s", path.name, exc)
            errors.append(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})")
            continue
        if policy.id in seen:
            errors.append(f"{path.name}: same policy id {policy.id!r} as {seen[policy.id]}; skipped")
            continue
        seen[policy.id] = path.name
        policies.append(policy)
    return policies, errors
