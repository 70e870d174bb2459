"""Where to put ``abstain_below``: the best evidence similarity of answerable and unanswerable
questions in SQuAD-style files, with no model involved (the model is never asked below it).

Usage: .venv/bin/python scripts/calibrate_abstain.py [--every N] FILE [FILE ...]
(--every N looks at every Nth question only, for speed.)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.evidence import select_evidence  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402


def main(paths: list[str], every: int = 1) -> None:
    settings = Settings.load()
    embedder = MiniLMEmbedder()
    answerable, unanswerable = [], []
    for path in paths:
        for policy, questions, searcher in iter_policy_indexes(Path(path), embedder, index_config(settings), settings.search):
            for n, q in enumerate(questions):
                if n % every:
                    continue
                hits = searcher.search(q.text, policy_id=policy.id, k=20)
                _, sim = select_evidence(q.text, hits, searcher.index.policies, settings.evidence_sentences, embedder.encode)
                (answerable if q.answers else unanswerable).append(float(sim.max(initial=0.0)))
    a = np.array(answerable)
    print(f"answerable: {len(a)} questions; best-evidence similarity quantiles "
          + ", ".join(f"p{p}={np.percentile(a, p):.3f}" for p in (1, 5, 10, 25, 50)))
    for t in (0.2, 0.25, 0.3, 0.35, 0.4):
        print(f"abstain_below={t}: {np.mean(a < t):.1%} of answerable questions would abstain before the model is asked")
    print("unanswerable:", ", ".join(f"{x:.3f}" for x in unanswerable) or "none")


if __name__ == "__main__":
    args = sys.argv[1:]
    every = int(args.pop(0)) if args[:1] == ["--every"] and args.pop(0) else 1
    main(args, every)
