"""Dates as the documents and questions write them: month names, years, and whether a text
names a period. One home for what the search and answer stages both read."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ABBREVIATIONS = tuple(m[:3].lower() for m in MONTHS)  # "jan" .. "dec"

# A month by name or abbreviation ("Sept.", "march"), for patterns compiled with re.I.
MONTH = r"(?:" + "|".join(ABBREVIATIONS) + r")[a-z]*\.?"
# The same, capitalised as in running text, for patterns that are case-sensitive.
MONTH_IN_TEXT = r"(?:" + "|".join(a.capitalize() for a in ABBREVIATIONS) + r")[a-z]*\.?"
# A year of the period the material covers (and any other year a person means).
YEAR = r"(?:19|20)\d\d"
# Any year a sentence may name, historical ones included ("founded in 1865").
ANY_YEAR = r"(?:1[89]\d\d|20\d\d)"


def month_number(word: str) -> int:
    """1..12 for a month's name or abbreviation ("Sept." -> 9)."""
    return ABBREVIATIONS.index(word[:3].lower()) + 1


def month_name(number: int) -> str:
    return MONTHS[number - 1]


def year_named(text: str, year: int) -> bool:
    """Whether lower-case `text` names `year` by itself, not inside a range ("2015-2018" is not
    2018's entry), or names a year's event by its short name ("PP-18" for 2018)."""
    return bool(re.search(rf"(?<![-–\d]){year}\b(?!\s*[-–]\s*\d)", text)
                or re.search(rf"\b[a-z]+-{year % 100:02d}\b", text))


def month_named(text: str, month: int) -> bool:
    """Whether lower-case `text` names the month (by its first three letters)."""
    return bool(re.search(rf"\b{ABBREVIATIONS[month - 1]}", text))


Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True)
class Period:
    """A stretch of months, either end open (None): "the first half of 2015", "before October
    2014", "between March and May 2014"."""

    start: Month | None
    end: Month | None

    def overlaps(self, other: Period) -> bool:
        return not ((self.end is not None and other.start is not None and other.start > self.end)
                    or (self.start is not None and other.end is not None
                        and other.end < self.start))

    def months(self, limit: int = 36) -> tuple[Month, ...]:
        """Every month of a closed period (none for an open or a very long one)."""
        if self.start is None or self.end is None:
            return ()
        found: list[Month] = []
        year, month = self.start
        while (year, month) <= self.end and len(found) < limit:
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(found) if (year, month) > self.end else ()

    @classmethod
    def year(cls, year: int, first: int = 1, last: int = 12) -> Period:
        return cls((year, first), (year, last))

    def relative(self, how: str) -> Period:
        """The open period before, after, since or until this one ("before PP-14"); its own
        first (or last) month included, as a month holds days on either side."""
        if how in ("before", "until"):
            return Period(None, self.start if how == "before" else self.end)
        return Period(self.end if how == "after" else self.start, None)

    def label(self) -> str:
        """"March 2014 to May 2014", "2013 to 2015", "before October 2014"."""
        def said(month: Month, whole: int) -> str:
            return str(month[0]) if month[1] == whole else f"{month_name(month[1])} {month[0]}"

        if self.start is None and self.end is not None:
            return f"up to {said(self.end, 12)}"
        if self.end is None and self.start is not None:
            return f"from {said(self.start, 1)}"
        if self.start is None or self.end is None:
            return ""
        whole_years = self.start[1] == 1 and self.end[1] == 12
        if whole_years and self.start[0] == self.end[0]:
            return str(self.start[0])
        if whole_years:
            return f"{self.start[0]} to {self.end[0]}"
        if self.start == self.end:
            return f"{month_name(self.start[1])} {self.start[0]}"
        return (f"{month_name(self.start[1])} {self.start[0]} to "
                f"{month_name(self.end[1])} {self.end[0]}")

    def covers_year(self, year: int) -> bool:
        """Whether every month of `year` lies in the period."""
        return ((self.start is None or self.start <= (year, 1))
                and (self.end is None or self.end >= (year, 12)))


_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11),
            "winter": (12, 14)}  # December to February of the next year
_PARTS = {"first half": (1, 6), "1st half": (1, 6), "second half": (7, 12),
          "2nd half": (7, 12), "early": (1, 4), "start": (1, 3), "beginning": (1, 3),
          "mid": (5, 8), "middle": (5, 8), "late": (9, 12), "end": (10, 12),
          "first quarter": (1, 3), "q1": (1, 3), "second quarter": (4, 6), "q2": (4, 6),
          "third quarter": (7, 9), "q3": (7, 9), "fourth quarter": (10, 12), "q4": (10, 12)}
_PART = "|".join(sorted((re.escape(p) for p in (*_PARTS, *_SEASONS)), key=len, reverse=True))
_MONTH_RANGE = re.compile(rf"\b(?:between\s+|from\s+)?({MONTH})\s*(?:-|–|to|and|until|till|"
                          rf"through)\s*({MONTH})\s+({YEAR})\b", re.I)
_PART_OF = re.compile(rf"\b({_PART})(?:\s+of)?[\s-]+(?:the\s+year\s+)?({YEAR})\b", re.I)
_OPEN = re.compile(rf"\b(before|until|till|up\s+to(?:\s+and\s+including)?|by|prior\s+to|"
                   rf"after|since|from|following)\s+(?:\d{{1,2}}\s+)?(?:({MONTH})\s+)?"
                   rf"({YEAR})\b", re.I)
_RELATIVE = re.compile(r"\b(last|this|next|previous|past|coming)\s+year\b", re.I)
# "between 2012 and 2015", "from 2012 thru 2015": whole years.
_YEAR_RANGE = re.compile(rf"\b(?:between|from)?\s*({YEAR})\s*(?:-|–|to|and|through|thru|until|"
                         rf"till)\s*({YEAR})\b", re.I)
# "from the start of 2015 to the end of that year": the whole year, said at length.
_WHOLE_YEAR = re.compile(rf"\b(?:start|beginning)\s+of\s+({YEAR})\s+(?:to|until|through)\s+"
                         rf"(?:the\s+)?end\s+of\s+(?:that\s+year|the\s+year|\1)\b", re.I)


def period_in(text: str, horizon: int | None = None) -> Period | None:
    """The period a question is limited to, when it names one other than a whole year or a
    single month (those the year and month scope read): a range of months, a part or season
    of a year, an open end ("before October 2014", "since 2013"), or a year relative to the
    material's newest year `horizon` ("last year")."""
    if m := _WHOLE_YEAR.search(text):
        return Period.year(int(m.group(1)))
    if (m := _YEAR_RANGE.search(text)) and int(m.group(1)) < int(m.group(2)):
        return Period((int(m.group(1)), 1), (int(m.group(2)), 12))
    if m := _MONTH_RANGE.search(text):
        year = int(m.group(3))
        return Period((year, month_number(m.group(1))), (year, month_number(m.group(2))))
    if m := _PART_OF.search(text):
        part, year = m.group(1).lower(), int(m.group(2))
        first, last = _PARTS.get(part) or _SEASONS[part]
        end = (year + 1, last - 12) if last > 12 else (year, last)
        return Period((year, first), end)
    if m := _OPEN.search(text):
        year = int(m.group(3))
        month = month_number(m.group(2)) if m.group(2) else None
        if m.group(1).lower() in ("after", "since", "from", "following"):
            return Period((year, month or 1) if m.group(1).lower() != "after"
                          else (year, month + 1) if month and month < 12 else (year + 1, 1),
                          None)
        inclusive = "including" in m.group(1).lower() or m.group(1).lower() in ("by",)
        end = (year, month or 12) if inclusive else (
            (year, month - 1) if month and month > 1 else (year - 1, 12))
        return Period(None, end)
    if horizon is not None and (m := _RELATIVE.search(text)):
        shift = {"last": -1, "previous": -1, "past": -1, "this": 0, "next": 1,
                 "coming": 1}[m.group(1).lower()]
        return Period.year(horizon + shift)
    return None


_LABEL = re.compile(rf"(?:\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+)?(?:({MONTH})\s*(?:(?:[-–]|to)\s*"
                    rf"(?:\d{{1,2}}\s+)?({MONTH})\s*)?)?({YEAR})", re.I)


def period_of(label: str) -> Period | None:
    """The months a dated entry's label spans: "January 2015", "March-April 2014",
    "14-16 May 2013", "2013"."""
    m = _LABEL.search(label)
    if m is None:
        return None
    year = int(m.group(3))
    if m.group(1):
        first = month_number(m.group(1))
        last = month_number(m.group(2)) if m.group(2) else first
        return Period((year, first), (year, last))
    return Period.year(year)
