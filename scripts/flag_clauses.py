"""Which clauses should the summary's flag check read, and how should their topic be asked?
Measured against the volunteers' flags (ToS;DR dev), without writing answers.

    .venv/bin/python scripts/flag_clauses.py ../shared/data/tosdr_dev.json --policies 16 --out clauses.jsonl [--named]
    .venv/bin/python scripts/flag_clauses.py - --out clauses.jsonl --report-only   # score it again

For each policy and flag topic it ranks the clauses as the summary does (with ``--named``, the
topic question names the company: "Does Acme sell my personal data?") and asks the meaning check
about each flag statement (``answering.summary.TOPICS``) on *every* evidence clause, noting which
the summary reads (``Ranked.chosen``), each clause's combined relevance and the topic's "does any
clause answer?" score. The report scores rules on those numbers: read the chosen clauses, or
all, or the others only when the chosen ones give the topic no flag ("fallback", the best one);
with bars on the clause's relevance and on the topic's answerability, and a margin by which a
flag's support must beat its opposite's (the first rule, bars 0 and the shipped ``flag_margin``:
the summary as it is).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.evaluate_summary import flag_totals, policy_pipelines  # noqa: E402
from answering.summary import FLAGS, TOPICS, Cited, FlagLine, Summary, supported_flags  # noqa: E402
from generation import make_generator  # noqa: E402
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import Question  # noqa: E402

# (clauses read, clause relevance bar, topic answerable bar, margin over the opposite flag)
RULES = [("chosen", 0.0, 0.0, Settings().flag_margin)] + [(which, clause, topic, margin) for which in ("chosen", "all", "fallback")
                                        for clause in (0.0, 0.2, 0.4) for topic in (0.0, 0.3, 0.5)
                                        for margin in (0.0, 0.1, 0.2)]


def named(question: str, name: str) -> str:
    """The topic question about ``name``, as a person would ask it: "Does Acme sell my personal
    data?" for "Do they sell my personal data?" (a question without "they" is left as it is)."""
    question = re.sub(r"\b[Dd]o they\b", lambda m: ("Does " if m.group(0)[0] == "D" else "does ") + name, question, count=1)
    return re.sub(r"\bthey\b", name, question, count=1)


def collect(path: Path, out: Path, policies: int, start: int = 0, name_them: bool = False) -> None:
    settings = Settings.load()
    with open(out, "w", encoding="utf-8") as f:
        for n, (policy, questions, pipeline) in enumerate(policy_pipelines(path, MiniLMEmbedder(), make_generator(settings),
                                                                           settings, start, policies), start + 1):
            rows = []
            for topic in TOPICS:
                question = named(topic.question, policy.name) if name_them else topic.question
                ranked = pipeline.rank(question, policy.id)
                if ranked.relevance is None:
                    continue
                chosen = ranked.chosen(settings.co_relevance)
                for i, e in enumerate(ranked.evidence):
                    support = {flag.name: pipeline.judge.check(flag.statement, e.context, question).support
                               for flag in topic.flags}
                    rows.append({"topic": topic.question, "start": e.start, "end": e.end, "text": e.text,
                                 "chosen": i in chosen, "relevance": ranked.relevance.clauses[i],
                                 "answerable": ranked.relevance.answerable, "support": support})
            gold = [{"flag": q.raw.get("flag"), "spans": q.answers} for q in questions if q.raw.get("flag") not in (None, "other")]
            f.write(json.dumps({"title": policy.name, "clauses": rows, "gold": gold}, ensure_ascii=False) + "\n")
            f.flush()
            print(f"{n} {policy.name}", file=sys.stderr)


def summary_of(policy: dict, rule: tuple[str, float, float, float], bar: float, min_relevance: float) -> Summary:
    """The flags the summary would give under ``rule`` (which clauses, clause bar, topic bar,
    margin) and support bar ``bar``, as ``answering.summary.topic_flag`` gives them."""
    which, clause_bar, topic_bar, margin = rule
    found: dict[str, list[tuple[float, str, Cited]]] = {}
    others: dict[str, list[tuple[float, str, Cited]]] = {}  # from clauses the summary does not read now
    for r in policy["clauses"]:
        if r["answerable"] < max(min_relevance, topic_bar) or r["relevance"] < clause_bar:
            continue
        if which == "chosen" and not r["chosen"]:
            continue
        for name, v in supported_flags(r["support"], bar, margin):
            into = others if which == "fallback" and not r["chosen"] else found
            into.setdefault(r["topic"], []).append((v, name, Cited(r["start"], r["end"], r["text"])))
    for topic, rows in others.items():  # "fallback": the best other clause, for a topic the chosen ones leave without a flag
        if topic not in found:
            found[topic] = [max(rows, key=lambda x: x[0])]
    flags = []
    for rows in found.values():
        rows.sort(key=lambda x: -x[0])
        v, name, _ = rows[0]
        flags.append(FlagLine(name, FLAGS[name].statement, FLAGS[name].red, v, tuple(c for _, n, c in rows if n == name)))
    return Summary(policy["title"], policy["title"], (), tuple(flags), 0.0)


def report(out: Path) -> None:
    settings = Settings.load()
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    questions = [[Question("q", "", tuple(map(tuple, g["spans"])), {"flag": g["flag"]}) for g in p["gold"]] for p in lines]
    print(f"{len(lines)} policies, {sum(len(p['gold']) for p in lines)} labelled flags, support bar {settings.min_flag_support}\n")
    print("| clauses read | clause relevance ≥ | topic answerable ≥ | margin over the opposite | found | recall | opposite | flags given |\n|---|---|---|---|---|---|---|---|")
    for rule in dict.fromkeys(RULES):
        total = flag_totals((summary_of(p, rule, settings.min_flag_support, settings.min_relevance), qs)
                            for p, qs in zip(lines, questions))
        recall = total["found"] / total["flags"] if total["flags"] else 0.0
        print(f"| {rule[0]} | {rule[1]} | {rule[2]} | {rule[3]} | {total['found']} | {recall:.2f} | {total['opposite']} | {total['given']} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--policies", type=int, default=28)
    ap.add_argument("--start", type=int, default=0, help="skip the first N policies (to score on ones not used to choose)")
    ap.add_argument("--report-only", action="store_true", help="score an earlier --out file again")
    ap.add_argument("--named", action="store_true", help="ask each topic question with the company's name (\"Does Acme sell ...?\")")
    args = ap.parse_args()
    if not args.report_only:
        collect(args.file, args.out, args.policies, args.start, args.named)
    report(args.out)


if __name__ == "__main__":
    main()
