"""Questions of our own about the five seed policies, for the tests that need a question file.

``write_seed_file`` writes them as a SQuAD-style file (the format of ``eval-answers`` and
``eval-retrieval``): one policy per element, its text the policy in ``corpus/`` as it is, each
answer a span of it found by its text. The dev questions in ``../shared/data`` are not copied into
the project (they are for measuring, BENCHMARKS.md); these were written for the tests, about other
points or in other words, and nothing was tuned on them.
"""
from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# policy id -> (question, the span of the policy that answers it or None, verdict, must match, must not match)
QUESTIONS = {
    "optokingdom": [
        ("Who gets my address when I buy something?",
         "We will share your name, your phone number and your address to express company.",
         "info", [r"(express|deliver|ship|courier)"], []),
    ],
    "123rf": [
        ("Does 123RF sell my personal information?",
         "will never sell your Personal Information to any third party",
         "no", [r"\b(not|never|won't)\b"], [r"^\W*yes\b"]),
        ("Can I stop getting newsletters?",
         "You may also choose to receive or not to receive monthly newsletters",
         "yes", [r"newsletter"], [r"^\W*no\b"]),
    ],
    "paletten": [
        ("Will they give my information to others without asking me?",
         "will not disclose or provide such information to third parties without your prior permission",
         "no", [r"\b(not|never|won't)\b"], [r"^\W*yes\b"]),
    ],
    "panoramastock": [
        ("Does PanoramaStock sell my data?",
         "does not sell or lease information about its customers to third parties",
         "no", [r"\b(not|never|won't)\b"], [r"^\W*yes\b"]),
        ("Does PanoramaStock take my fingerprints?", None, "not_stated", [], []),
    ],
    "picroma": [
        ("Is my data encrypted when it is sent?",
         "SSL encryption is applied during data transmission",
         "yes", [r"(SSL|encrypt)"], [r"^\W*no\b"]),
        ("Can I get my stored data deleted?",
         "You can make us block, correct or delete your stored data at any time.",
         "yes", [r"delet"], [r"^\W*no\b"]),
    ],
}


def seed_file_data() -> dict:
    """The questions as a SQuAD-style dict, with each answer's offset into its policy's text."""
    docs = []
    for policy, questions in QUESTIONS.items():
        text = (CORPUS / f"{policy}.md").read_text(encoding="utf-8")
        qas = []
        for n, (question, span, verdict, match, not_match) in enumerate(questions):
            qa = {"id": f"{policy}-{n}", "question": question, "verdict": verdict,
                  "answer_must_match": match, "answer_must_not_match": not_match,
                  "answers": [], "is_impossible": span is None}
            if span is not None:
                qa["answers"] = [{"text": span, "answer_start": text.index(span)}]
            qas.append(qa)
        docs.append({"title": policy, "paragraphs": [{"context": text, "qas": qas}]})
    return {"version": "plainpolicy-tests", "data": docs}


def write_seed_file(path: Path) -> Path:
    """Write ``seed_file_data`` to ``path`` and return it."""
    path.write_text(json.dumps(seed_file_data(), ensure_ascii=False), encoding="utf-8")
    return path
