"""What kind of text a heading or a sentence is: the words documents use for the pack's kinds of
section ("What is at stake", "Why it matters to civil society", "Open questions", "Roles",
"Three lines for a delegate", "Route 1: National delegations") and for the sentences that belong
in them (a question, BB's view, a pending decision, a route in).

These are kinds of section, never facts: which sentences a pack holds is decided by the
documents' headings, lists and metadata read through them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A heading's kind, first match wins (so "Why national delegations matter" is a route, and
# "Why it matters to civil society" a stake).
HEADING_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("meta", re.compile(r"^(about|status of) th(is|e) (document|briefing|report|note|draft|"
                        r"guide|road-?map|glossary|timeline|messages)|^how to read|^status\b|"
                        r"^purpose\b", re.I)),
    ("lines", re.compile(r"\blines?\b|talking points|what to say", re.I)),
    ("roles", re.compile(r"^roles?\b|\broles\b|who leads|\bcontacts?\b", re.I)),
    ("timeline", re.compile(r"\btimeline\b|\bcalendar\b|\bmilestones\b|\bschedule\b", re.I)),
    ("risks", re.compile(r"\brisks?\b|open questions?|\bquestions\b|\bconcerns?\b|caution|"
                         r"\blimits\b|did not work|\bwatch\b", re.I)),
    ("measures", re.compile(r"\bmeasur|\bindicators?\b|review points|\bsuccess\b|"
                            r"collects? the data|lessons are captured", re.I)),
    ("actions", re.compile(r"should do|recommend|\bactions?\b|next steps|practical steps|"
                           r"\blessons\b", re.I)),
    ("routes", re.compile(r"\broutes?\b|take part|\bways\b|\bjoin|delegations?\b|membership|"
                          r"consultations?\b|\bengage|particip", re.I)),
    ("stakes", re.compile(r"stake|\bmatters? (to|for)\b|important|\bwhy\b|\bissues?\b|"
                          r"what it means", re.I)),
    ("brief", re.compile(r"summary|background|overview|\babout\b|in brief|history|outcomes?|"
                         r"what happened|what (it|the [\w-]+) is|who takes part", re.I)),
)

STAKE = re.compile(r"\bmatters?\s+(to|for)\s+civil society|at stake|important (to|for) civil "
                   r"society|why it matters|(shape|shapes|decide|decides) how", re.I)
# BB's own judgement, as the documents mark it.
BB_VIEW = re.compile(r"^\W*(in\s+)?BB'?s\s+(view|position|analysis|assessment|concern|reading|"
                     r"understanding)\b|^\W*BB\s+(sees|expects|concludes|considers)\b|"
                     r"\bin BB'?s (view|reading|analysis)\b", re.I)
ACTION = re.compile(r"^\W*(BB|civil society)\s+(should|will|must|asks?|calls? on)\b|"
                    r"^\W*BB's\s+(recommend|action|plan)", re.I)
# A decision still to come at the forum, said of the forum (not of BB).
# (Lower case: "May 2013" is a month.)
PENDING = re.compile(r"\b(will|may|(is|are) (to|expected to|due to)|falls? to)\b")
RISK = re.compile(r"\brisks?\b|\bconcerns?\b|uncertain|open questions?|open issue|remains? "
                  r"open\b(?! to)|left open|as reported|should be checked|check(ed)? (\w+ ){0,3}"
                  r"(against|before)|may return|\breopen|fragile|\bthreat|\bdanger|watch for",
                  re.I)
# A way in for civil society: the routes the issue names (delegations, consultations,
# membership) and the open doors the documents describe.
ROUTE = re.compile(r"\bnational delegations?\b|\bdelegations? to\b|\bplaces? on\b|"
                   r"\b(online|open|public|physical) (\w+ )?consultations?\b|consultation "
                   r"meetings?|sector members?(hip)?\b|\bacademia members?|\bassociates?\b|"
                   r"experts? group|comment page|on-site briefings?|open to all stakeholders|"
                   r"\btake part\b|\bjoin(s|ing)?\b|\bchannels\b|\bbrief (friendly|national)|"
                   r"participat\w* in\b", re.I)
ROLE = re.compile(r"\b(lead|leads|liaison|contact|drafter|analyst|responsible|presence|author|"
                  r"reviewer|owner|officer|coordinator|focal point)\b", re.I)
META = re.compile(r"^\W*(about this \w+\s+)?(this|the present)\s+([\w-]+\s+){0,2}(document|"
                  r"section|report|briefing|paper|note|guide|page|timeline|road-?map|glossary|narrative|draft)"
                  r"\b|^\W*(sections|the other sections)\b", re.I)
# A sentence that leans on the one before it ("For example, ...", "The Council did so in 2015").
DEPENDS = re.compile(r"^\W*(for example|for instance|in short|instead|however|but|also|so|thus|"
                     r"therefore|this|these|that|those|it|its|they|their|such|both|the same|the "
                     r"other|all other|here|there)\b|\b(did|does|do) so\b", re.I)
DATED = re.compile(r"\b(1[89]|20)\d\d\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\b", re.I)
_GIVES = re.compile(r"\d|\b(" + "|".join(_MONTHS) + r")[a-z]*\b", re.I)


def heading_kind(headings: Sequence[str]) -> str:
    """The kind of the deepest heading that has one ("Outcomes > Elections" is "brief")."""
    for heading in reversed(headings):
        for kind, pattern in HEADING_KINDS:
            if pattern.search(heading):
                return kind
    return ""


def is_question(text: str) -> bool:
    return text.rstrip(" *_]").endswith("?") or bool(re.search(r"\?\s*(\[|$)", text))


def gives_facts(text: str) -> bool:
    """A sentence with a date, number or month: the "when, where, how many" of a brief."""
    return bool(_GIVES.search(text))


def when(text: str) -> tuple[int, int]:
    """(year, month) of the first date in `text`; month 0 when only the year is given."""
    year = DATED.search(text)
    if not year:
        return (0, 0)
    month = _MONTH.search(text[:year.start()] or text)
    return (int(year.group(0)), _MONTHS.index(month.group(1).lower()) + 1 if month else 0)
