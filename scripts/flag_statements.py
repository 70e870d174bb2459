"""Compare wordings of the summary's flag statements on the same clauses (flags only, no category
lines, so it is ~4x faster than eval-summary).

    .venv/bin/python scripts/flag_statements.py ../shared/data/tosdr_dev.json --policies 30 --out flags.jsonl

For each policy and flag topic it ranks the clauses as the summary does, and asks the meaning check
about every candidate wording below on the clauses the summary would use; then it prints, for each
wording set and support bar, the flag recall against the volunteers' labels and the opposite flags
given. Set "A" was the first wording; the summary now uses A's, except B's for policy changes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.evaluate_summary import OPPOSITE  # noqa: E402
from answering.pipeline import Pipeline  # noqa: E402
from answering.relevance import RelevanceModel  # noqa: E402
from answering.summary import TOPICS  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402

VARIANTS = {
    "A": {f.name: f.statement for t in TOPICS for f in t.flags} | {
        "changes_with_notice": "They tell you when they change the privacy policy.",
        "changes_without_notice": "They may change the privacy policy without telling you."},
    "B": {
        "sells_data": "They sell your personal data to other companies.",
        "no_sell": "They do not sell your personal data to other companies.",
        "ad_sharing": "Other companies use your data to show you targeted ads.",
        "indefinite_retention": "They may keep your data forever.",
        "limited_retention": "They delete your data after a set time or when it is no longer needed.",
        "can_delete": "You can ask them to delete your data or your account.",
        "no_delete": "You cannot ask them to delete your data.",
        "changes_with_notice": "They will let you know, for example by e-mail, when they change the privacy policy.",
        "changes_without_notice": "They can change the privacy policy at any time without telling you.",
    },
}
BARS = (0.5, 0.6, 0.7)


def collect(path: Path, out: Path, policies: int, start: int = 0) -> None:
    settings = Settings.load()
    generator = make_generator(settings)
    relevance = RelevanceModel.load()
    with open(out, "w", encoding="utf-8") as f:
        for n, (policy, questions, searcher) in enumerate(iter_policy_indexes(path, MiniLMEmbedder(), index_config(settings), settings.search)):
            if n >= start + policies:
                break
            if n < start:
                continue
            pipeline = Pipeline(searcher, generator, settings, relevance=relevance)
            rows = []
            for topic in TOPICS:
                ranked = pipeline.rank(topic.question, policy.id)
                if ranked.relevance is None or ranked.relevance.answerable < settings.min_relevance:
                    continue
                for i in ranked.chosen(settings.co_relevance):
                    e = ranked.evidence[i]
                    support = {v: {flag.name: pipeline.judge.check(VARIANTS[v][flag.name], e.context, topic.question).support
                                   for flag in topic.flags} for v in VARIANTS}
                    rows.append({"topic": topic.question, "start": e.start, "end": e.end, "text": e.text, "support": support})
            gold = [{"flag": q.raw.get("flag"), "spans": q.answers} for q in questions if q.raw.get("flag") not in (None, "other")]
            f.write(json.dumps({"title": policy.name, "clauses": rows, "gold": gold}, ensure_ascii=False) + "\n")
            f.flush()
            print(f"{n + 1} {policy.name}", file=sys.stderr)


def flags_of(rows: list[dict], variant: str, bar: float) -> list[tuple[str, float, int, int]]:
    """What the summary would flag: per topic, the flag supported best above ``bar`` and above its opposite."""
    best: dict[str, tuple[str, float, int, int]] = {}
    for r in rows:
        support = r["support"][variant]
        for name, v in support.items():
            if v >= bar and all(v > w for k, w in support.items() if k != name):
                if r["topic"] not in best or v > best[r["topic"]][1]:
                    best[r["topic"]] = (name, v, r["start"], r["end"])
    return list(best.values())


def report(out: Path) -> None:
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    print(f"{len(lines)} policies, {sum(len(p['gold']) for p in lines)} labelled flags\n")
    print("| wording | support bar | found | recall | opposite | flags given |\n|---|---|---|---|---|---|")
    for variant in VARIANTS:
        for bar in BARS:
            found = opposite = given = 0
            for p in lines:
                flags = flags_of(p["clauses"], variant, bar)
                given += len(flags)
                for g in p["gold"]:
                    found += any(name == g["flag"] and any(s < e2 and s2 < e for s2, e2 in g["spans"])
                                 for name, _, s, e in flags)
                    opposite += any(name == OPPOSITE.get(g["flag"]) for name, *_ in flags)
            total = sum(len(p["gold"]) for p in lines)
            print(f"| {variant} | {bar} | {found} | {found / total:.2f} | {opposite} | {given} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--policies", type=int, default=30)
    ap.add_argument("--start", type=int, default=0, help="skip the first N policies (to score on ones not used to choose)")
    ap.add_argument("--report-only", action="store_true", help="score an earlier --out file again")
    args = ap.parse_args()
    if not args.report_only:
        collect(args.file, args.out, args.policies, args.start)
    report(args.out)


if __name__ == "__main__":
    main()
