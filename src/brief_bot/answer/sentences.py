"""What a sentence holds, for choosing answer sentences: whether it is about the document
itself, leans on the sentence before it, answers another question's "yes", or gives the kind of
thing asked for. (Splitting text into sentences and lists is `corpus.structure`.)"""

from __future__ import annotations

import re

from ..dates import ANY_YEAR, MONTH_IN_TEXT
from ..types import Kind

# A sentence about the document itself, a lead-in ending in ":" or a placeholder restates the
# question rather than answering it.
META = re.compile(r"^\W*(about this \w+\s+)?(this|the present)\s+(document|section|report|"
                  r"briefing|paper|note|guide|page|timeline|road-?map)\b|PLACEHOLDER|:\**\s*$|\?",
                  re.I)
# A sentence that cannot stand alone: it answers or continues the one before it.
DEPENDENT = re.compile(r"^\W*(still|however|but|yet|also|so|thus|therefore|then|instead|"
                       r"otherwise|likewise|similarly|moreover|furthermore|besides|indeed|"
                       r"for now|in that case|in this case|this|these|that|those|it|its|they|"
                       r"their|them|such|he|she|his|her|both|neither|either|yes|no|the same|"
                       r"the other|the latter|the former|here|there)\b", re.I)
# A bare yes or no inside a sentence answers a question asked elsewhere (often the heading).
YES_NO = re.compile(r"\b(yes|no)\s*[:;,]", re.I)

_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                 r"forty|fifty|hundred|thousand|million|billion|half|third|quarter|dozen")
# What a sentence that answers each kind of question (`query.KINDS`) contains. A sentence with
# the question's words *and* the kind of thing asked for is the likely answer; the term match
# alone often prefers a sentence that restates the question.
GIVES: dict[Kind, re.Pattern[str]] = {
    Kind.DATE: re.compile(rf"\b{ANY_YEAR}\b|\b{MONTH_IN_TEXT}\s+\d|\b\d{{1,2}}\s*{MONTH_IN_TEXT}"),
    Kind.DURATION: re.compile(rf"\b(\d+|{_NUMBER_WORDS})[\s-]+(hour|day|week|month|year)s?\b",
                           re.I),
    Kind.NUMBER: re.compile(rf"\d|\b({_NUMBER_WORDS})\b|per\s?cent", re.I),
    # Two capitalised words (or initials and a name) inside the sentence: "Houlin Zhao",
    # "R.N. Jha".
    Kind.PERSON: re.compile(r"(?<=[\s(,])(?:[A-Z]\.\s?)+[A-Z][a-z]+|(?<=[\s(,])[A-Z][a-z]+\s+"
                         r"(?:[A-Z]\.\s)?[A-Z][a-z]+"),
    Kind.PLACE: re.compile(r"(?<=[\s(,])[A-Z][a-z]{2,}"),
}
