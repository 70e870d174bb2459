"""Re-rate the evidence clauses saved by ``scripts/relevance_data.py`` with another relevance
prompt, so that ways of asking can be compared on the same clauses without searching again.

The template is a text file with ``{question}``, ``{policy}`` and ``{clause}``, shown after the
cached instructions (``answering.pipeline.preamble``); the rating is P("1") / (P("0") + P("1")),
as ``ModelJudge.relevance`` reads it. The output has the same lines with ``relevance`` replaced,
ready for ``scripts/relevance_fit.py``.

Usage: .venv/bin/python scripts/relevance_rerate.py DUMP.jsonl OUT.jsonl --template FILE [--every 2]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from answering.pipeline import preamble  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--template", type=Path, required=True)
    ap.add_argument("--every", type=int, default=1, help="only every N-th question (the first, the N+1-th, ...)")
    args = ap.parse_args()
    template = args.template.read_text(encoding="utf-8").strip()
    scorer = make_generator(Settings.load())
    rows = [json.loads(line) for line in args.dump.read_text(encoding="utf-8").splitlines()][::args.every]
    with args.out.open("w", encoding="utf-8") as out:
        for row in tqdm(rows, unit="question"):
            rated = []
            for clause in row["clauses"]:
                turn = template.format(question=row["question"], policy="company's", clause=clause)
                no, yes = scorer.choice_probs(preamble() + [{"role": "user", "content": turn}], ["0", "1"])
                rated.append(round(yes / ((no + yes) or 1.0), 4))
            out.write(json.dumps({**row, "relevance": rated}) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
