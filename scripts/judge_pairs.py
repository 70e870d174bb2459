"""Build the labelled pair set for choosing a meaning check (``answering.judge``), from the dev files.

Nothing from the dev files is stored in the project: the pairs are made from ``../shared/data``
each time, into a JSON-lines file you name (keep it outside the repository, e.g. under /tmp).

Two kinds of pair, each with a real policy sentence as the clause:

* ``support``: a plain statement and a clause, labelled ``supported`` / ``contradicted`` /
  ``unrelated``. From every answerable ToS;DR question: the volunteers' point as a plain
  statement with its quoted clause (supported), the opposite statement with the same clause
  (contradicted), the statement with a random sentence of the same policy that is not a
  quote for that point (unrelated), and the opposite statement with the sentence nearest the
  question that is not a quote for that point (unstated: on the same topic, and a consistent
  policy does not say the opposite of its own point; "They honor Do Not Track" against a clause
  that only says what Do Not Track is; some of these sentences contradict the statement, which
  leaves it unsupported all the same). The statements are written per ToS;DR case below.
* ``answers``: a question and a clause, labelled ``yes`` / ``no``. Every answerable ToS;DR
  question with its quoted clause (yes) and with a random other sentence of its policy (no);
  every unanswerable one (``not_stated``) with the sentence that search ranks first (no: made by
  keyword absence, the policy says nothing on it); and every 10th PolicyQA question with the
  sentence that holds its gold span (yes) and a random sentence of another segment (no).

Usage: .venv/bin/python scripts/judge_pairs.py OUT.jsonl
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import plainpolicy  # noqa: E402,F401
from plainpolicy.settings import Settings  # noqa: E402
from retrieval.embedding import MiniLMEmbedder  # noqa: E402
from retrieval.evaluate import iter_policy_indexes, load_squad  # noqa: E402
from retrieval.runtime import index_config  # noqa: E402
from retrieval.sentences import split_sentences  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

# ToS;DR case title -> (the point as an answer would say it, its opposite)
STATEMENTS = {
    "The service can sell or otherwise transfer your personal data as part of a bankruptcy proceeding or other type of financial transaction.":
        ("If the company is sold or merges, your data can be passed to the new owner.",
         "If the company is sold or merges, your data will never be passed to the new owner."),
    "The service may use tracking pixels, web beacons, browser fingerprinting, and/or device fingerprinting on users.":
        ("They use web beacons, pixels or similar tools to track you.",
         "They do not use web beacons, pixels or similar tools to track you."),
    "There is a date of the last update of the terms":
        ("The policy says when it was last updated.", "The policy does not say when it was last updated."),
    "This service ignores the Do Not Track (DNT) header and tracks users anyway even if they set this header.":
        ("They do not respond to your browser's Do Not Track setting.", "They honor your browser's Do Not Track setting."),
    "This service is only available to users over a certain age":
        ("You must be over a minimum age to use the service.", "There is no minimum age to use the service."),
    "Blocking first party cookies may limit your ability to use the service":
        ("If you block cookies, parts of the service may not work.", "Blocking cookies does not affect how the service works."),
    "This service does not sell your personal data":
        ("They do not sell your personal data.", "They sell your personal data."),
    "This service uses third-party cookies for statistics":
        ("They use other companies' cookies to measure how the service is used.",
         "They do not use any analytics cookies from other companies."),
    "You can request access and deletion of personal data":
        ("You can ask to see and delete your personal data.", "You cannot ask them to delete your personal data."),
    "You can opt out of promotional communications":
        ("You can unsubscribe from their marketing messages.", "You cannot stop their marketing messages."),
    "This service does not track you":
        ("They do not track you.", "They track you across other websites."),
    "You have the right to leave this service at any time":
        ("You can close your account at any time.", "You cannot close your account."),
    "This service gathers information about you through third parties":
        ("They get information about you from other companies.", "They never get information about you from other companies."),
    "You can delete your content from this service":
        ("You can delete what you have posted.", "You cannot delete what you have posted."),
    "Your personal data is given to third parties":
        ("They share your personal data with other companies.", "They never share your personal data with anyone."),
    "Your data may be processed and stored anywhere in the world":
        ("Your data may be stored in other countries.", "Your data never leaves your country."),
    "This service allows you to retrieve an archive of your data":
        ("You can get a copy of your data.", "You cannot get a copy of your data."),
    "This service collects your IP address for location use":
        ("They use your IP address to work out where you are.", "They do not collect your IP address."),
    "This service may keep personal data after a request for erasure for business interests or legal obligations":
        ("They may keep some data after you ask them to delete it.", "They delete all your data as soon as you ask."),
    "The service uses your personal data to employ targeted third-party advertising":
        ("Your data is used for targeted ads from other companies.", "Your data is never used for ads."),
    "Users should revisit the terms periodically, although in case of material changes, the service will notify":
        ("They will tell you about big changes to the policy.", "They will not tell you when the policy changes."),
    "The service may change its terms at any time, but the user will receive notification of the changes.":
        ("They will tell you when they change the policy.", "They can change the policy without telling you."),
    "This service may use your personal information for marketing purposes":
        ("They may use your information for marketing.", "They never use your information for marketing."),
    "Terms may be changed any time at their discretion, without notice to the user":
        ("They can change the policy without telling you directly.", "They will always e-mail you before changing the policy."),
    "The service promises to inform and/or notify users regarding government inquiries that may involve users' personal data":
        ("They will tell you if the authorities ask for your data.", "They will not tell you if the authorities ask for your data."),
    "The service does not share user information with third parties":
        ("They do not share your information with other companies.", "They share your information with other companies."),
    "The user is informed about security practices":
        ("They take steps to keep your data secure.", "They take no steps to keep your data secure."),
    "This service employs third-party cookies, but with opt-out instructions":
        ("They use other companies' cookies, and you can opt out.", "You cannot opt out of their cookies."),
    "This service tracks which web page referred you to it":
        ("They record which website you came from.", "They do not record which website you came from."),
    "This service reserves the right to disclose your personal information without notifying you":
        ("They may disclose your information without telling you.", "They always tell you before disclosing your information."),
    "When the service wants to change its terms, users are notified a week or more in advance.":
        ("They tell you about changes some time before they take effect.", "Changes take effect at once, without notice."),
    "The service uses your personal data for advertising":
        ("They use your data for advertising.", "They never use your data for advertising."),
}


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text) if 40 <= b - a <= 400]


def _overlaps(sentence: str, quotes: list[str]) -> bool:
    return any(sentence in q or q in sentence or sentence[:60] in q for q in quotes)


def _nearest(searcher, policy_id: str, question: str, sentences: list[str]) -> str | None:
    """The first of ``sentences`` that overlaps a chunk search returns for ``question``."""
    for hit in searcher.search(question, policy_id=policy_id, k=8):
        found = next((s for s in sentences if _overlaps(s, [hit.chunk.text])), None)
        if found:
            return found
    return None


def build(rng: random.Random) -> list[dict]:
    pairs: list[dict] = []
    settings = Settings.load()
    embedder = MiniLMEmbedder()
    for policy, questions, searcher in iter_policy_indexes(DATA / "tosdr_dev.json", embedder,
                                                          index_config(settings), settings.search):
        sentences = _sentences(policy.text)
        for q in questions:
            quotes = [policy.text[a:b] for a, b in q.answers]
            others = [s for s in sentences if not _overlaps(s, quotes)]
            if not q.answers:
                hits = searcher.search(q.text, policy_id=policy.id, k=1)
                if hits:
                    top = next((s for s in sentences if hits[0].chunk.text in s), hits[0].chunk.text)
                    pairs.append({"kind": "answers", "question": q.text, "clause": top, "label": "no", "source": "not_stated"})
                continue
            clause = quotes[0][:400]
            pairs.append({"kind": "answers", "question": q.text, "clause": clause, "label": "yes", "source": "tosdr"})
            if others:
                pairs.append({"kind": "answers", "question": q.text, "clause": rng.choice(others), "label": "no", "source": "tosdr"})
            said = STATEMENTS.get(q.raw.get("case", ""))
            if said:
                pairs.append({"kind": "support", "statement": said[0], "clause": clause, "question": q.text, "label": "supported"})
                pairs.append({"kind": "support", "statement": said[1], "clause": clause, "question": q.text, "label": "contradicted"})
                if others:
                    pairs.append({"kind": "support", "statement": said[0], "clause": rng.choice(others), "question": q.text, "label": "unrelated"})
                near = _nearest(searcher, policy.id, q.text, others)
                if near:
                    pairs.append({"kind": "support", "statement": said[1], "clause": near, "question": q.text, "label": "unstated"})
    for policy, questions in load_squad(DATA / "policyqa_dev.json"):
        sentences = _sentences(policy.text)
        for n, q in enumerate(questions):
            if n % 10 or not q.answers:
                continue
            a, b = q.answers[0]
            holding = [s for s in split_sentences(policy.text) if s[0] <= a < s[1]]
            if not holding:
                continue
            clause = policy.text[holding[0][0]:max(holding[0][1], b)][:400]
            pairs.append({"kind": "answers", "question": q.text, "clause": clause, "label": "yes", "source": "policyqa"})
            far = [s for s in sentences if abs(policy.text.find(s) - a) > 3000]
            if far:
                pairs.append({"kind": "answers", "question": q.text, "clause": rng.choice(far), "label": "no", "source": "policyqa"})
    return pairs


def main(out: str) -> None:
    pairs = build(random.Random(0))
    with open(out, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    kinds = {}
    for p in pairs:
        key = (p["kind"], p["label"], p.get("source", ""))
        kinds[key] = kinds.get(key, 0) + 1
    for key, n in sorted(kinds.items()):
        print(*key, n)


if __name__ == "__main__":
    main(sys.argv[1])
