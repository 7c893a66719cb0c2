"""Meeting packs: everything the documents hold on one forum, in one cited brief.

    build     resolve the forum, build the sections, number the citations
    resolve   which forum the user's words name (the glossary, as answers read names)
    material  the documents as packs read them: units that know which forums they name
    cues      the kinds of heading and sentence each section is made of
    prose     the forum in brief, what is at stake, how we take part, risks
    structured  messages, dates and actions, lines for a delegate, who leads
    markdown  the pack as Markdown;  docx: as a Word document
    summary   the optional LLM opening, its citations checked
    score     the key file (tests/eval/packs.jsonl) and its score
"""

from .build import build_pack
from .model import Pack, PackRefused
from .summary import summariser_for

__all__ = ["Pack", "PackRefused", "build_pack", "summariser_for"]
