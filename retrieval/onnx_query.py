"""One short text (a question) embedded through ONNX Runtime instead of PyTorch.

The embedder's transformer is exported to ONNX once (a few seconds, kept in the cache folder);
mean pooling and normalising then follow the sentence-transformers model exactly, so the vector is
the same (cosine 1.0 to 7 decimals) and an index made with PyTorch stays valid. It is about 3x
quicker for one question on 2 cores (BENCHMARKS.md, "Search"), since PyTorch's per-operation cost
dominates such a small input. Batches are not sent here: sentence-transformers sorts them by
length and is quicker for them. This module does not tokenize on its own or touch the index.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

log = logging.getLogger(__name__)

OPSET = 17


class OnnxQueryEncoder:
    """Embeds a few short texts with an ONNX export of a sentence-transformers (BERT, mean-pooled) model."""

    def __init__(self, model: Any, path: Path, max_length: int, threads: int = 2) -> None:
        import onnxruntime as ort

        self.tokenizer = model.tokenizer
        self.max_length = max_length
        if not path.exists():
            export(model, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Do not keep spinning after a question: the generator needs those cores next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        x = self.tokenizer(list(texts), return_tensors="np", padding=True, truncation=True, max_length=self.max_length)
        mask = x["attention_mask"].astype(np.int64)
        hidden = self.session.run(None, {"input_ids": x["input_ids"].astype(np.int64), "attention_mask": mask})[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def export(model: Any, path: Path) -> None:
    """Write the transformer of a sentence-transformers model to ``path`` as ONNX, atomically."""
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    sample = model.tokenizer(["Do they sell my personal data?"], return_tensors="pt")
    dynamic = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "hidden": {0: "batch", 1: "tokens"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    log.info("exporting the embedder to %s (once)", path)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes; the test checks the vectors instead
        torch.onnx.export(Hidden(model[0].auto_model.eval()), (sample["input_ids"], sample["attention_mask"]), str(tmp),
                          input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                          dynamic_axes=dynamic, opset_version=OPSET, dynamo=False)
    os.replace(tmp, path)
