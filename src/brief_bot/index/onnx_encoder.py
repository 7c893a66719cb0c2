"""The encoder as ONNX: the same MiniLM, mean pooling and normalisation, run by onnxruntime
with the Rust tokenizer, so neither answering a question nor indexing needs torch or
sentence-transformers once the export exists (importing them is ~10 s of every run). The export
also gives each token's state, from which indexing pools its sentences' vectors at no cost
(`index.sentences.pool`)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export(model: Any, path: Path) -> None:
    """Export a loaded SentenceTransformer's transformer + pooling to `path`, atomically, and
    check that it agrees with torch before keeping it."""
    import torch

    bert = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1), out

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    sample = model.tokenizer(["an example question about the ITU"], return_tensors="pt")
    # The exporter's tracing warnings concern code paths this model does not take.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), tuple(sample[k] for k in INPUTS), str(tmp),
                          input_names=list(INPUTS), output_names=["embedding", "tokens"],
                          dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in INPUTS},
                                        "tokens": {0: "batch", 1: "tokens"}},
                          opset_version=17, dynamo=False)
    probe = "How was the WCIT internet resolution adopted?"
    want = model.encode([probe], normalize_embeddings=True, show_progress_bar=False)[0]
    got = OnnxEncoder(tmp, Path(model.tokenizer.name_or_path) / "tokenizer.json").encode(
        probe)
    if float(np.dot(want, got)) < 0.9999:
        tmp.unlink(missing_ok=True)
        raise RuntimeError("the ONNX export does not match the torch model")
    os.replace(tmp, path)


class OnnxEncoder:
    def __init__(self, path: Path, tokenizer_json: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(256)  # the model's window, as sentence-transformers

    def encode(self, text: str) -> np.ndarray:
        ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                 "token_type_ids": np.zeros_like(ids)}
        return self.session.run(["embedding"], feeds)[0][0].astype(np.float32)

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """One padded batch; callers group texts of like length so padding stays small."""
        return self.encode_batch_tokens(texts, tokens=False)[0]

    def encode_batch_tokens(self, texts: list[str], *, tokens: bool = True,
                            ) -> tuple[np.ndarray, np.ndarray | None, list[Any]]:
        """A batch's vectors, with (`tokens`) every token's state and the tokenizer's
        encodings (their character offsets)."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        names = ["embedding", "tokens"] if tokens else ["embedding"]
        found = self.session.run(names, feeds)
        return found[0].astype(np.float32), (found[1] if tokens else None), encodings
