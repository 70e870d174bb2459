"""Score an ``eval-summary`` run's flags against the file's labels, at several support bars.

    .venv/bin/python scripts/summary_flags.py RUN.jsonl ../shared/data/tosdr_dev.json [--unlabelled 20]

Prints, for each bar on the meaning check's support (``min_flag_support``), the flag recall (same
flag, cited on the volunteers' span) and the opposite flags given. Run ``eval-summary`` with
``PLAINPOLICY_MIN_FLAG_SUPPORT=0.5`` to keep every flag the bar could let through. With
``--unlabelled N`` it also prints N flags no volunteer marked, with their clauses, to read by hand.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.evaluate_summary import score_flags  # noqa: E402
from answering.summary import Summary  # noqa: E402
from retrieval.evaluate import load_squad  # noqa: E402

BARS = (0.5, 0.6, 0.7, 0.8, 0.9)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("file", type=Path)
    ap.add_argument("--unlabelled", type=int, default=0)
    args = ap.parse_args()
    lines = [json.loads(line) for line in args.run.read_text(encoding="utf-8").splitlines() if line.strip()]
    policies = load_squad(args.file)[:len(lines)]
    print(f"{len(lines)} policies\n\n| support bar | labelled flags | found | recall | opposite |\n|---|---|---|---|---|")
    for bar in BARS:
        total = {"flags": 0, "found": 0, "opposite": 0}
        for raw, (policy, questions) in zip(lines, policies):
            raw = raw | {"flags": [f for f in raw["flags"] if f.get("support", 1.0) >= bar]}
            for k, v in score_flags(Summary.from_json(policy.id, raw), questions).items():
                total[k] += v
        recall = total["found"] / total["flags"] if total["flags"] else 0.0
        print(f"| {bar} | {total['flags']} | {total['found']} | {recall:.2f} | {total['opposite']} |")
    shown = 0
    for raw, (policy, questions) in zip(lines, policies):
        labelled = {q.raw.get("flag") for q in questions}
        for f in raw["flags"]:
            if shown < args.unlabelled and f["flag"] not in labelled:
                shown += 1
                print(f"\n{shown}. {policy.name}: {f['flag']} (support {f.get('support')}): {f['text']}\n   \"{f['citations'][0]['text']}\"")


if __name__ == "__main__":
    main()
