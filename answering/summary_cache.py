"""Summaries kept on disk beside the index, one JSON file per policy, so a summary is made once.

A file is named by the policy id and a key made from the policy text, the model's name and
``VERSION`` (raise it when the summary questions, flags, prompts, relevance weights or search change). A
summary whose policy text changed is not found, and writing the new one removes the old file.
Summaries of the seed policies are shipped in ``corpus/summaries/`` (made by ``make summaries``),
read-only: they are used when their key matches, so a fresh machine has them without making them.

This module does not make summaries (``answering.summary`` does).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from answering.summary import Summary
from retrieval.types import Policy

log = logging.getLogger(__name__)

# "2" was used by an experiment that was not kept (BENCHMARKS.md, fifteenth session); "5": a reply that
# fails the checks, from a clause unlikely to answer, is "Not mentioned", not a quote (min_quote_relevance);
# "6": a flag must beat its opposite by flag_margin; "7": the worked example's clauses numbered [3] and [4]; "8": a list item is cited with its lead-in;
# "9": the keyword search adds the words of the learned table (retrieval/expansion.json); "10": a list lead-in may
# end in ":-"; "11": a second clause is checked from 0.6 of the best score (co_relevance); "12": the policy-change
# flags' wording (posting the new version is not notice), and abstain_below 0.2
VERSION = "12"


class SummaryCache:
    def __init__(self, folder: Path, model_name: str, shipped: Path | None = None) -> None:
        self.folder = Path(folder)
        self.model_name = model_name
        self.shipped = shipped  # read-only summaries made ahead of time, tried second

    def key(self, policy: Policy) -> str:
        h = hashlib.sha256(f"{VERSION}\n{self.model_name}\n{policy.text}".encode("utf-8"))
        return h.hexdigest()[:16]

    def path(self, policy: Policy, folder: Path | None = None) -> Path:
        return (folder or self.folder) / f"{policy.id}.{self.key(policy)}.json"

    def get(self, policy: Policy) -> Summary | None:
        for folder in (self.folder, self.shipped):
            if folder is None:
                continue
            path = self.path(policy, folder)
            try:
                return Summary.from_json(policy.id, json.loads(path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                continue
            except (ValueError, KeyError, TypeError) as exc:  # a damaged file is made again, not fatal
                log.warning("ignoring damaged summary file %s: %s", path, exc)
        return None

    def put(self, policy: Policy, summary: Summary) -> None:
        """Write atomically (a crash leaves the old file or the new one, never half of one), and
        remove the policy's summaries of other texts or models."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(policy)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".summary-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(summary.to_json(), f, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a summary is no secret
        os.replace(tmp, path)
        for old in self.folder.glob(f"{policy.id}.*.json"):
            if old != path and old.name.count(".") == 2:
                old.unlink(missing_ok=True)
