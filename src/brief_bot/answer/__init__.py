"""The answer stage: the analysed question and ranked passages in, a cited answer (or an
honest abstention) out. It reads no index and no search: only the values in `types`.

    compose    the extractive composer and the fallback between composers
    sets       whole lists, tables and runs of sections (small-to-big)
    extract    the sentences that answer, within a word budget
    sentences  sentence and list splitting of passage text
    scoring    how much of the question a text holds
    llm        the optional composer, for a server the user brings
"""

from .compose import ExtractiveComposer, FallbackComposer

__all__ = ["ExtractiveComposer", "FallbackComposer"]
