"""One table from ``plainpolicy eval-answers`` runs: per file and per verdict, the share of
questions answered right, abstained on, given the opposite verdict, and with a gold clause cited;
then invented details, reading grade, longest answer and speed per file.

Usage: .venv/bin/python scripts/eval_table.py RUN.jsonl [RUN.jsonl ...] [--sweep 0.3,0.4,0.5]

``--sweep`` also shows what the same runs give if "the policy doesn't say" started at other
``min_relevance`` values (the combined "some clause answers" score of ``answering.relevance``,
logged in each line's notes; for runs made before it, the judge's rating of the best clause).
That is exact for the answers that were not abstained on, since min_relevance only decides
whether the model is asked.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from answering.guards import unsupported_tokens  # noqa: E402
from answering.readability import fk_grade, word_count  # noqa: E402

_RELEVANCE = re.compile(r"^relevance \[(.*)\]$")
_ANSWERABLE = re.compile(r"\banswerable ([0-9.]+)$")


def best_relevance(row: dict) -> float | None:
    """The score ``min_relevance`` was compared with, from the line's notes."""
    notes = row.get("notes", [])
    for note in notes:
        if m := _ANSWERABLE.search(note):
            return float(m.group(1))
    for note in notes:
        if m := _RELEVANCE.match(note):
            return max(float(x) for x in m.group(1).split(",") if x.strip())
    return None


def at_threshold(row: dict, t: float | None) -> dict:
    """The row as it would be with ``min_relevance = t`` (None: as it was run)."""
    if t is None:
        return row
    share = best_relevance(row)
    if share is None:  # abstained before the judge was asked (weak evidence) or no question
        return row
    if share < t:
        return {**row, "abstained": True, "right": row["verdict"] == "not_stated", "opposite": False, "gold_cited": False}
    if row["abstained"]:  # abstained at a higher threshold: the answer was not made
        return {**row, "unknown": True}
    return row


def table(path: Path, t: float | None) -> list[str]:
    rows = [at_threshold(json.loads(line), t) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("verdict") or "answerable", []).append(r)
    answerable = [r for r in rows if r.get("verdict") != "not_stated"]
    if len(groups) > 1 and answerable:
        groups["all answerable"] = answerable
    for verdict, rs in groups.items():
        n = len(rs)
        unknown = sum(bool(r.get("unknown")) for r in rs)
        share = lambda key: f"{sum(bool(r.get(key)) for r in rs) / n:.2f}"  # noqa: E731
        out.append(f"| {path.stem} | {verdict} | {n} | {share('right')} | {share('abstained')} | "
                   f"{sum(bool(r.get('opposite')) for r in rs)} | {share('gold_cited')} |" + (f" ({unknown} unknown)" if unknown else ""))
    return out


def extras(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    shown = [r for r in rows if not r["abstained"]]
    prose = [re.sub(r"\s*\[\d+\]", "", r["answer"]) for r in shown]
    invented = sum(bool(unsupported_tokens(p, [c["text"] for c in r["citations"]])) for p, r in zip(prose, shown))
    grade = statistics.mean(fk_grade(p) for p in prose) if prose else float("nan")
    return (f"| {path.stem} | {len(rows)} | {invented} | {grade:.2f} | {max((word_count(p) for p in prose), default=0)} | "
            f"{statistics.median(r['first_token_seconds'] for r in rows):.2f} | {statistics.median(r['seconds'] for r in rows):.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--sweep", default="", help="comma-separated min_relevance values to replay")
    args = ap.parse_args()
    for t in [None] + [float(x) for x in args.sweep.split(",") if x]:
        print(f"\n{'as run' if t is None else f'min_relevance = {t}'}\n")
        print("| file | verdict | questions | right | abstained | opposite verdict | gold clause cited |")
        print("|---|---|---|---|---|---|---|")
        for path in args.runs:
            print("\n".join(table(path, t)))
    print("\n| file | questions | answers with invented details | mean FK grade | longest answer (words) | median first text (s) | median full answer (s) |")
    print("|---|---|---|---|---|---|---|")
    for path in args.runs:
        print(extras(path))


if __name__ == "__main__":
    main()
