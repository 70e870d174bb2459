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


@pytest.fixture
def fake_embedder():
    from fakes import HashEmbedder

    return HashEmbedder()
