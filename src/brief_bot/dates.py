"""Dates as the documents and questions write them: month names, years, and whether a text
names a period. One home for what the search and answer stages both read."""

from __future__ import annotations

import re

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
