"""The search stage: the question analysed once (`analyse`, a `types.Query`), then hybrid
retrieval (dense + BM25, fused by reciprocal rank) with metadata filters (`retrieve`).
`history` reads any door's chat history."""

from .analyse import analyse
from .reading import names_in
from .retrieve import HybridRetriever, fuse

__all__ = ["HybridRetriever", "analyse", "fuse", "names_in"]
