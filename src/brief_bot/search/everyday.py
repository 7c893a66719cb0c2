"""Everyday words: the ones that carry how a person asks, not what the question is about.

A question's words that no document uses are its unseen subjects ("the *wifi* password") unless
they are everyday words: words that are very common in English (by wordfreq's frequencies over
many sources: at least 5.5 on its Zipf scale, about once in 3,000 words), and the closed classes
below, which chat and speech are full of. None of these lists names a word of one question; each
is a class of English.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..dates import ABBREVIATIONS

COMMON_ZIPF = 5.5
# Words this common (about once in 10,000: "forward", "earlier", "hotel", "born") are a question's
# subject only when nothing in the documents is close to it in meaning (`Query.unseen_common`).
FAMILIAR_ZIPF = 4.0
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")  # "2nd", "4th": where in a list, not a subject
_MONTHS = frozenset(ABBREVIATIONS) | {"sept"}

# Chat shortenings and acronyms ("pls", "asap", "wdyt").
CHAT = frozenset("""pls plz thx thanks ty asap btw fyi imo imho idk tbh tbd tba lol ok okay
rn atm wdyt wrt re yr yrs ppl b4 bc cuz coz u ur r y n w/ w/o thru tho tmrw tmr tomoz eod eow
nb ps aka etc ie eg vs via pov ftw np kk hmm hi hey hello ya yeah yep nope yup""".split())
# Discourse markers, hedges and intensifiers ("actually", "roughly", "honestly").
DISCOURSE = frozenset("""actually exactly roughly honestly basically literally really quite
pretty rather somewhat kinda sorta maybe perhaps probably possibly apparently obviously
clearly simply just quick quickly briefly short shortly again anyway anyhow though still even
ever already yet currently nowadays lately recently overall generally mostly mainly
especially particularly approximately around about summary tldr""".split())
# Verbs of thinking, saying and asking ("I reckon", "remind me", "wondering").
MENTAL = frozenset("""reckon guess suppose suspect assume believe think thought wonder wondering
wondered recall remember remind reminded forget forgot forgotten figure figured understand
understood gather heard hear hearing mention mentioned ask asked asking wonder tell told
telling explain explained clarify confirm check checking double""".split())
# Nouns that stand for anything ("stuff", "the bit about").
GENERIC = frozenset("""stuff thing things bit bits lot lots kind sort type types way ways
something anything everything nothing someone anyone everyone info detail details overview
gist rundown lowdown recap deal matter question questions""".split())

# Contractions written without their apostrophe ("didnt", "whats").
CONTRACTIONS = frozenset("""dont didnt doesnt isnt arent wasnt werent wont cant couldnt shouldnt
wouldnt havent hasnt hadnt mustnt neednt whats thats theres heres whos hows wheres whens whys
im ive youre youve theyre theyve weve itll thatll shes hes lets yall""".split())

EVERYDAY = CHAT | DISCOURSE | MENTAL | GENERIC | CONTRACTIONS


@lru_cache(maxsize=4096)
def is_everyday(word: str) -> bool:
    """Whether `word` (as written) is an everyday word rather than a possible subject."""
    low = word.lower().strip("'")
    if low in EVERYDAY or _ORDINAL.fullmatch(low) or low.rstrip(".") in _MONTHS:
        return True
    from wordfreq import zipf_frequency

    return zipf_frequency(low, "en") >= COMMON_ZIPF


@lru_cache(maxsize=4096)
def is_familiar(word: str) -> bool:
    """Whether `word` is common enough in English ("forward", "hotel") that its absence from
    the documents may be a way of asking rather than a subject they lack."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower().strip("'"), "en") >= FAMILIAR_ZIPF
