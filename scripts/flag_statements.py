"""Compare wordings of the summary's flag statements on the same clauses (flags only, no category
lines, so it is ~4x faster than eval-summary).

    .venv/bin/python scripts/flag_statements.py ../shared/data/tosdr_dev.json --policies 30 --out flags.jsonl
    .venv/bin/python scripts/flag_statements.py - --out flags.jsonl --report-only   # score it again

For each policy and flag topic it ranks the clauses as the summary does, and asks the meaning check
about every candidate wording below on the clauses the summary would use; then it prints, for each
wording set and support bar, the flag recall against the volunteers' labels and the opposite flags
given. Set "A" was the first wording; "now" is what the summary ships (A's, with its own wording for policy
changes); "previous", what it shipped until the thirty-first session (A's, with B's for policy changes).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.evaluate_summary import flag_totals, policy_pipelines  # noqa: E402
from answering.summary import FLAGS, TOPICS, Cited, FlagLine, Summary, supported_flags  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import Question  # noqa: E402

VARIANTS = {
    "A": {name: f.statement for name, f in FLAGS.items()} | {  # the first wording
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
VARIANTS["previous"] = VARIANTS["A"] | {k: v for k, v in VARIANTS["B"].items() if k.startswith("changes")}  # shipped until the thirty-first session
VARIANTS["now"] = {name: f.statement for name, f in FLAGS.items()}  # what answering.summary ships
BARS = (0.5, 0.55, 0.6, 0.7)
MARGIN = Settings().flag_margin


def collect(path: Path, out: Path, policies: int, start: int = 0) -> None:
    settings = Settings.load()
    with open(out, "w", encoding="utf-8") as f:
        for n, (policy, questions, pipeline) in enumerate(policy_pipelines(path, MiniLMEmbedder(), make_generator(settings),
                                                                           settings, start, policies), start + 1):
            rows = []
            for topic in TOPICS:
                ranked = pipeline.rank(topic.question, policy.id)
                if ranked.relevance is None or ranked.relevance.answerable < settings.min_relevance:
                    continue
                for i in ranked.chosen(settings.co_relevance):
                    e = ranked.evidence[i]
                    # A wording that two sets share is asked once, in the order the sets name them.
                    statements = dict.fromkeys(VARIANTS[v][flag.name] for v in VARIANTS for flag in topic.flags)
                    checked = {st: pipeline.judge.check(st, e.context, topic.question).support for st in statements}
                    support = {v: {flag.name: checked[VARIANTS[v][flag.name]] for flag in topic.flags} for v in VARIANTS}
                    rows.append({"topic": topic.question, "start": e.start, "end": e.end, "text": e.text, "support": support})
            gold = [{"flag": q.raw.get("flag"), "spans": q.answers} for q in questions if q.raw.get("flag") not in (None, "other")]
            f.write(json.dumps({"title": policy.name, "clauses": rows, "gold": gold}, ensure_ascii=False) + "\n")
            f.flush()
            print(f"{n} {policy.name}", file=sys.stderr)


def summary_of(policy: dict, variant: str, bar: float) -> Summary:
    """What the summary would flag with wording ``variant`` and support bar ``bar``: per topic,
    the flag supported best (above ``bar``, and above its opposite by the shipped ``flag_margin``),
    cited to every clause that supports it (as ``answering.summary.topic_flag`` does)."""
    found: dict[str, list[tuple[float, str, Cited]]] = {}
    for r in policy["clauses"]:
        for name, v in supported_flags(r["support"][variant], bar, MARGIN):
            found.setdefault(r["topic"], []).append((v, name, Cited(r["start"], r["end"], r["text"])))
    flags = []
    for rows in found.values():
        rows.sort(key=lambda x: -x[0])
        v, name, _ = rows[0]
        flags.append(FlagLine(name, VARIANTS[variant][name], FLAGS[name].red, v, tuple(c for _, n, c in rows if n == name)))
    return Summary(policy["title"], policy["title"], (), tuple(flags), 0.0)


def report(out: Path) -> None:
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    questions = [[Question("q", "", tuple(map(tuple, g["spans"])), {"flag": g["flag"]}) for g in p["gold"]] for p in lines]
    print(f"{len(lines)} policies, {sum(len(p['gold']) for p in lines)} labelled flags\n")
    print("| wording | support bar | found | recall | opposite | flags given |\n|---|---|---|---|---|---|")
    for variant in VARIANTS:
        if any(variant not in r["support"] for p in lines for r in p["clauses"]):
            continue  # a file collected before this wording was added
        for bar in BARS:
            total = flag_totals((summary_of(p, variant, bar), qs) for p, qs in zip(lines, questions))
            recall = total["found"] / total["flags"] if total["flags"] else 0.0
            print(f"| {variant} | {bar} | {total['found']} | {recall:.2f} | {total['opposite']} | {total['given']} |")


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
