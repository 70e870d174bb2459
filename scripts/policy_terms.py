"""Count, for each word (stemmed, stop words out, as ``retrieval.keywords.tokenize`` makes them),
how many privacy policies use it, and write ``answering/policy_terms.json``: the table
``answering.relevance`` weighs a question's words by ("collect" and "information" are in nearly
every policy and say little; "health" and "fingerprint" are in few and say much).

Only counts are written, no policy text, and only words that at least ``--min-policies``
policies use (a word missing from the table counts as used by none). The policies are those of
the SQuAD-style files given (each ``data`` element one policy, as ``eval-answers`` reads them) and
the files of ``corpus/``.

Usage: .venv/bin/python scripts/policy_terms.py ../shared/data/tosdr_dev.json \
           ../shared/data/policyqa_dev.json [--min-policies 2] [--corpus corpus] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from answering.relevance import TERMS  # noqa: E402
from retrieval.evaluate import load_squad  # noqa: E402
from retrieval.keywords import tokenize  # noqa: E402
from retrieval.loaders import load_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path, help="SQuAD-style files of policies")
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--min-policies", type=int, default=2)
    ap.add_argument("--out", type=Path, default=TERMS)
    args = ap.parse_args()
    if args.min_policies < 1:
        ap.error("--min-policies must be at least 1")
    texts = {p.text for f in args.files for p, _ in load_squad(f)}  # a policy in two files counts once
    texts |= {p.text for p in load_corpus(args.corpus)[0]}
    counts = Counter(w for t in texts for w in set(tokenize(t)))
    kept = {w: n for w, n in sorted(counts.items()) if n >= args.min_policies}
    args.out.write_text(json.dumps({"policies": len(texts), "min_policies": args.min_policies,
                                 "made_from": [str(f) for f in args.files] + [str(args.corpus)],
                                 "policies_using": kept}, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(kept)} words from {len(texts)} policies")


if __name__ == "__main__":
    main()
