"""What the app can ask of plainpolicy, in one small object: ``Assistant``.

It lists the policies, answers questions (through ``answering.pipeline``), names the model
that answers, and adds a user's policy file or pasted text to the persisted index. One
Assistant is shared by every browser session of the app, so it lets only one reply be
generated at a time and one policy be added at a time.

This module draws no UI, and holds no retrieval, prompt or answer-checking logic of its own.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import threading
from pathlib import Path
from typing import Callable, Iterator, Sequence

import plainpolicy  # noqa: F401  (sets OMP_WAIT_POLICY before torch, faiss or llama.cpp load)
from answering.pipeline import AnswerStream, Pipeline
from answering.runtime import load_pipeline
from answering.summary import LineReady, Progress as SummaryProgress, Summary, summarize
from answering.summary_cache import SummaryCache
from answering.turns import TurnQueue
from generation import Generator, Message
from generation.base import GenerationError, Scorer
from plainpolicy.settings import Settings
from retrieval.index import IndexDamagedError, IndexMismatchError, IndexMissingError, add_policy
from retrieval.loaders import MAX_BYTES, MAX_NAME_CHARS, PolicyFileError, load_policy
from retrieval.runtime import index_config, index_corpus
from retrieval.search import Searcher
from retrieval.types import Policy

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Assistant:
    """The app's view of plainpolicy: policies, questions and answers, added policies."""

    def __init__(self, pipeline: Pipeline, settings: Settings, notice: str = "") -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.notice = notice  # what happened at start-up that the person should know (an index rebuilt)
        self.turns = TurnQueue()  # sessions take turns at the model, a whole question at a time
        self._adding = threading.Lock()
        self._summaries = SummaryCache(settings.index_dir / "summaries", pipeline.generator.name,
                                       shipped=settings.corpus_dir / "summaries")

    @classmethod
    def load(cls, settings: Settings) -> "Assistant":
        """Load the index, the embedder and the model back end named by ``settings``.

        A missing, damaged or out-of-date index is rebuilt from the corpus folder first (keeping
        the uploaded policies whose text can still be read), and ``notice`` says so.
        """
        try:
            return cls(load_pipeline(settings, wrap=OneAtATime), settings)
        except (IndexMissingError, IndexDamagedError, IndexMismatchError) as exc:
            log.warning("rebuilding the index: %s", exc)
            report = index_corpus(settings)
            if not report.policies:
                raise
            why = report.recovered or str(exc).split(". Build it with")[0]
            notice = (f"{why}. It was rebuilt from {settings.corpus_dir} ({report.policies} policies"
                      f"{'; ' + str(len(report.errors)) + ' files could not be read' if report.errors else ''}).")
            return cls(load_pipeline(settings, wrap=OneAtATime), settings, notice=notice)

    @property
    def backend_name(self) -> str:
        return self.pipeline.generator.name

    def policies(self) -> list[tuple[str, str]]:
        """(id, display name) of every policy in the index, sorted by name."""
        return sorted(((pid, p.name) for pid, p in self.pipeline.policies.items()),
                      key=lambda item: (item[1].casefold(), item[0]))

    def policy(self, policy_id: str) -> Policy:
        return self.pipeline.policies[policy_id]

    def policy_text(self, policy_id: str) -> str:
        return self.pipeline.policies[policy_id].text

    def scope(self, question: str, policy_id: str | None) -> str | None:
        """The policy the question will be searched in; None means all of them."""
        return self.pipeline.scope(question, policy_id)

    def ask(self, question: str, policy_id: str | None = None) -> AnswerStream:
        """The answer stream; callers that share the model take a turn first (``turns.turn()``)."""
        return self.pipeline.ask(question, policy_id)

    def cached_summary(self, policy_id: str) -> Summary | None:
        """The policy's summary if it was made before for this text and model, else None."""
        return self._summaries.get(self.policy(policy_id))

    def summary(self, policy_id: str, progress: SummaryProgress | None = None,
                on_line: LineReady | None = None) -> Summary:
        """The policy's summary (``answering.summary``): from the cache beside the index, or made
        now (about a minute on 2 cores; ``on_line`` gets each line as it is made) and stored there."""
        policy = self.policy(policy_id)
        found = self._summaries.get(policy)
        if found is None:
            found = summarize(self.pipeline, policy_id, progress, on_line)
            self._summaries.put(policy, found)
        return found

    def warm_up(self) -> None:
        """Have the model read the fixed start of its prompt (instructions and worked example)
        once, so the first real question does not wait for it: llama.cpp keeps what it has read
        and reuses it for every later prompt that starts the same way."""
        try:
            self.pipeline.searcher.warm()  # the keyword index over every policy, for "All policies"
            self.pipeline.warm_up()
            keep = getattr(self.pipeline.generator, "keep_prompt_states", None)
            if keep is not None:  # so the next start brings this reading back instead of redoing it
                keep()
        except Exception:  # a failed warm-up only costs time; a real question will report the problem
            log.warning("warm-up failed", exc_info=True)

    def start_warm_up(self) -> threading.Thread:
        thread = threading.Thread(target=self.warm_up, name="plainpolicy-warm-up", daemon=True)
        thread.start()
        return thread

    def add_policy(self, name: str = "", filename: str = "", data: bytes | None = None,
                   text: str | None = None, progress: Progress | None = None) -> Policy:
        """Index an uploaded file (``filename`` and ``data``) or pasted ``text`` as a new policy.

        ``name`` is the display name: required for pasted text; for a file it defaults to the
        site named in the file's header, else the file name. The id is made from the name and
        never replaces another policy. Raises ``ValueError`` (``PolicyFileError`` for files that
        cannot be read) with a message meant for the user; the index is then unchanged.
        """
        policy = self._read_policy(" ".join(name.split()), filename, data, text)
        with self._adding:
            known = self.pipeline.policies
            if any(p.name.casefold() == policy.name.casefold() for p in known.values()):
                raise ValueError(f'There is already a policy called "{policy.name}". Please choose another name.')
            policy = dataclasses.replace(policy, id=_unique_id(policy.name, known))
            searcher = self.pipeline.searcher
            report = add_policy(self.settings.index_dir, policy, searcher.embedder, index_config(self.settings),
                                progress=progress, dense=self.settings.dense, current=searcher.index)
            index = report.index
            self.pipeline.searcher = Searcher(index, searcher.embedder, searcher.settings, searcher.expand_query)
        log.info("added policy %s (%s, %d characters)", policy.id, policy.name, len(policy.text))
        return index.policies[policy.id]

    def _read_policy(self, name: str, filename: str, data: bytes | None, text: str | None) -> Policy:
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(f"Please use a shorter name (at most {MAX_NAME_CHARS} characters).")
        if text is not None:
            if not name:
                raise ValueError("Please give the pasted policy a name, for example the company's name.")
            if not text.strip():
                raise ValueError("Please paste the text of the policy.")
            filename, data = "pasted.txt", text.encode("utf-8")
        if data is None or not filename:
            raise ValueError("Please choose a policy file, or paste the policy's text.")
        path = Path(Path(filename).name)
        if len(data) > MAX_BYTES:
            raise PolicyFileError(f"{path.name}: larger than {MAX_BYTES // 2**20} MB")
        # The id is chosen later, from the final name; this placeholder only has to be valid.
        return load_policy(path, name=name, data=data, policy_id="new")


class OneAtATime:
    """A Generator that streams one reply at a time, for a model shared by several sessions
    (a llama.cpp model must not be used from two threads at once). The thread whose reply is
    streaming may score other prompts while its reply is paused (the pipeline checks the first
    sentence before the rest is written); other threads wait until the reply ends."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.name = generator.name
        self._lock = threading.Lock()  # not an RLock: an abandoned stream may be closed by another thread
        self._streaming: int | None = None  # the thread whose reply holds the lock
        if isinstance(generator, Scorer):  # the meaning check asks the same model, under the same lock
            self.choice_probs = self._choice_probs
        if hasattr(generator, "keep_prompt_states"):
            self.keep_prompt_states = self._keep_prompt_states

    def _keep_prompt_states(self) -> None:
        with self._lock:
            self.generator.keep_prompt_states()

    def _choice_probs(self, messages: list[Message], options: Sequence[str]) -> list[float]:
        if self._streaming == threading.get_ident():  # this thread's own reply is paused: the lock is its
            return self.generator.choice_probs(messages, options)
        with self._lock:
            return self.generator.choice_probs(messages, options)

    def stream(self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        if self._streaming == threading.get_ident():  # it would wait for itself for ever
            raise GenerationError("a second reply was started while this thread's first one is still open")
        with self._lock:  # released when the reply ends, or when an abandoned stream is closed
            self._streaming = threading.get_ident()
            try:
                yield from self.generator.stream(messages, max_tokens=max_tokens, stop=stop)
            finally:
                self._streaming = None


def load_assistant() -> Assistant:
    """The app's Assistant, configured by ``PLAINPOLICY_*`` environment variables, with the model
    warmed up in the background. The app calls this once per process; tests replace it."""
    assistant = Assistant.load(Settings.load())
    assistant.start_warm_up()
    return assistant


def _unique_id(name: str, taken: dict[str, Policy]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "policy"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
