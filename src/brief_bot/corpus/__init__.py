"""The corpus stage: find the documents, parse each format (in a sandboxed child process when
indexing), read their metadata, and split them into chunks that fit the embedding model.

    files      walk the corpus folder, hash each file with its sidecar
    formats    one loader per extension (`markup`: Markdown, HTML; `office`: PDF, DOCX)
    parsed     what a loader gives (`Parsed`, `Section`), `SkipFile`, `Limits`, text decoding
    sandbox    parsing in a child process with time and memory limits
    metadata   front matter and sidecars to `DocMeta`
    chunking   sections to `Chunk`s; `document_from`, `load_document`
"""

from .chunking import (
    CHUNKER_VERSION,
    Chunk,
    Document,
    document_from,
    load_document,
    model_text,
    split_parsed,
)
from .files import (
    SIDECAR_SUFFIX,
    content_hash,
    discover,
    file_hash,
    is_document_path,
    oversize_key,
    sidecar_path,
    walk,
)
from .formats import load_bytes
from .metadata import DocMeta
from .parsed import DEFAULT_LIMITS, Limits, Parsed, Section, SkipFile, decode_text

__all__ = [
    "CHUNKER_VERSION", "DEFAULT_LIMITS", "SIDECAR_SUFFIX", "Chunk", "DocMeta", "Document",
    "Limits", "Parsed", "Section", "SkipFile", "content_hash", "decode_text", "discover",
    "document_from", "file_hash", "is_document_path", "load_bytes", "load_document",
    "model_text", "oversize_key", "sidecar_path", "split_parsed", "walk",
]
