"""Generate replies with a local Hugging Face model through transformers (a slower back end).

``TransformersGenerator`` takes either a model folder (config, tokenizer and weights) or a
single ``.gguf`` file, which transformers dequantizes to float32 on load; the latter lets us
compare the very same model under both back ends (see ``generation.bench``). Generation runs in
a worker thread and its text arrives through a ``TextIteratorStreamer``; decoding is greedy.

This module does not download anything (everything loads with ``local_files_only=True``),
does not quantize, and does not use a GPU. ``torch`` and ``transformers`` are imported only
when a generator is made.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterator

from generation.base import GenerationError, Message
from generation.stops import stop_at

log = logging.getLogger(__name__)


class TransformersGenerator:
    """Streams chat replies from a local transformers model folder or GGUF file."""

    def __init__(self, model_dir_or_file: Path | str) -> None:
        path = Path(model_dir_or_file).expanduser()
        if not path.exists():
            raise FileNotFoundError(
                f"model {path} not found; pass a local Hugging Face model folder or a .gguf file"
            )
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if path.is_file():  # a GGUF file: transformers reads and dequantizes it
            where: dict[str, Any] = {"pretrained_model_name_or_path": path.parent,
                                     "gguf_file": path.name}
            label = f"{path.stem} (dequantized)"
        else:
            where = {"pretrained_model_name_or_path": path}
            label = path.name
        log.info("loading %s with transformers (this is slow and needs a lot of memory)", path)
        self._tokenizer = AutoTokenizer.from_pretrained(**where, local_files_only=True)
        self._model = AutoModelForCausalLM.from_pretrained(
            **where, local_files_only=True, dtype=torch.float32
        )
        self._model.eval()
        self.path = path
        self.name = f"{label} via transformers"

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        return stop_at(self._generate(messages, max_tokens, stop), stop)

    def _generate(
        self, messages: list[Message], max_tokens: int, stop: list[str] | None
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancelled = threading.Event()

        class _Cancelled(StoppingCriteria):  # ends generate() when the reader goes away
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

        failure: list[BaseException] = []
        pad_id = self._tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self._tokenizer.eos_token_id

        def work() -> None:
            try:
                with torch.inference_mode():
                    self._model.generate(
                        **inputs,
                        max_new_tokens=max_tokens,
                        do_sample=False,
                        streamer=streamer,
                        stopping_criteria=StoppingCriteriaList([_Cancelled()]),
                        stop_strings=[s for s in stop or [] if s] or None,
                        tokenizer=self._tokenizer,
                        pad_token_id=pad_id,
                    )
            except BaseException as exc:  # re-raised in the reading thread below
                failure.append(exc)
                streamer.end()  # unblocks the reader

        thread = threading.Thread(target=work, name="transformers-generate", daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if piece:  # the streamer often hands out "" while a word is incomplete
                    yield piece
        finally:
            cancelled.set()
            thread.join()
        if failure:
            raise GenerationError(f"transformers generation failed: {failure[0]!r}") from failure[0]
