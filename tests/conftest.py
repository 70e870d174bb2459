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
    from retrieval.embedding import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture
def fake_embedder():
    from fakes import HashEmbedder

    return HashEmbedder()
