"""The embedder run through ONNX Runtime instead of PyTorch and sentence-transformers.

The embedder's transformer is exported to ONNX once (a few seconds, kept in the cache folder);
tokenizing (the model's own tokenizer.json, through the tokenizers library), mean pooling and
normalising then follow the sentence-transformers model exactly, so the vectors are the same
(cosine 1.0 to 7 decimals) and an index made either way stays valid. On 2 cores it is about 3x
quicker for a question or a few sentences, where PyTorch's per-operation cost dominates, and a
little quicker for batches (BENCHMARKS.md). This module does not choose between the two or touch
the index.
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


class OnnxEncoder:
    """Embeds texts with an ONNX export of a BERT sentence-transformers model (mean-pooled, unit length)."""

    def __init__(self, path: Path, tokenizer_file: Path, max_length: int, batch_size: int = 32, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()  # the file may ask for fixed padding; batches are padded here instead
        self.tokenizer.enable_truncation(max_length)
        self.batch_size = batch_size
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Do not keep spinning after a question: the generator needs those cores next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, row for row; texts of like length are batched together (little padding)."""
        encoded = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(encoded), 0), np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for a in range(0, len(order), self.batch_size):
            rows = order[a:a + self.batch_size]
            width = max(len(encoded[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), np.int64)
            mask = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                ids[r, :len(encoded[i].ids)] = encoded[i].ids
                mask[r, :len(encoded[i].ids)] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            if out.shape[1] != pooled.shape[1]:
                out = np.zeros((len(encoded), pooled.shape[1]), np.float32)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


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
