"""The index stage: embeddings, the vector and keyword stores, and index generations.

    writer      `update`, the writer: incremental updates into a new generation, verified, switched
    scan        reads the corpus for an update (hashes, parses what changed)
    generations the pointer, manifests, the writer's lock, pruning
    store       Chroma (embedded or server);  keyword  bm25s;  glossary  the corpus's jargon
    embedding   the model (sentence-transformers, its ONNX export in `onnx_encoder`)
    reader      the read side: the serving generation as a `Snapshot`, its outline of sections
    catalog     status and the list of indexed documents, for the doors
    progress    progress reports on long work

The doors use `update`, `status`, `documents` and the errors below, nothing deeper. Names are
loaded when first used, so importing the package costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "update": "writer", "UpdateReport": "writer",
    "status": "catalog", "documents": "catalog",
    "IndexStateError": "generations", "NoIndexError": "generations",
    "DamagedIndexError": "generations", "read_pointer": "generations",
    "current_generation": "generations", "read_chunks": "generations",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(import_module(f".{module}", __name__), name)
