"""Helpers for the tests that use the real model and a real app process: the model or a skip, and
`streamlit run app.py` on a free port, stopped whatever happens."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
ANSWER_WAIT_MS = 480_000
"""How long a browser test waits for the real model: for the app to load it, or for an answer.
A wait, not a speed check (timings go in BENCHMARKS.md): on a slow 2-core machine two answers
from one llama.cpp server took over 3 minutes."""


def require_model(path: Path) -> Path:
    """``path`` if the model file is there; else skip, or fail when PLAINPOLICY_REQUIRE_MODEL=1 (CI)."""
    if not path.is_file():
        message = f"model file {path} is missing; run `plainpolicy fetch-model` (or `make model`)"
        if os.environ.get("PLAINPOLICY_REQUIRE_MODEL") == "1":
            pytest.fail(message + " (PLAINPOLICY_REQUIRE_MODEL=1)")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("streamlit did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def streamlit_app(env: dict[str, str], log_name: str, *, healthy: bool = True) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run app.py`` on a free port with ``env`` (offline); yields its URL and process.
    Its output goes to tests/artifacts/``log_name``."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"} | env
    with open(ARTIFACTS / log_name, "w") as log:
        proc = subprocess.Popen([str(ROOT / ".venv/bin/streamlit"), "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://localhost:{port}"
            if healthy:
                wait_until_healthy(url, proc)
            yield url, proc
        finally:
            stop(proc)
