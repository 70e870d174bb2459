import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def real_embedder():
    from plainpolicy.settings import Settings
    from retrieval.runtime import make_embedder

    return make_embedder(Settings.load())


@pytest.fixture(scope="session")
def seed_file(tmp_path_factory) -> Path:
    """Our own questions about the seed policies as a SQuAD-style file (``seed_questions``)."""
    from seed_questions import write_seed_file

    return write_seed_file(tmp_path_factory.mktemp("seed") / "seed_questions.json")


@pytest.fixture
def fake_embedder():
    from fakes import HashEmbedder

    return HashEmbedder()
