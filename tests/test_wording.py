"""Answers that hold on wording nobody tuned for: the issue's own examples, each checked for
several facts, not one phrase (everyday words, a set asked for in other words, periods, a
pronoun into the previous answer), and the rules behind them on words of no one question."""

from __future__ import annotations

import pytest

from brief_bot.dates import Period, period_in
from brief_bot.evaluate import conversation
from brief_bot.search.everyday import is_everyday, is_familiar


def held(text: str, facts: list[str]) -> list[str]:
    return [f for f in facts if f.lower() not in text.lower()]


@pytest.mark.parametrize(("question", "facts"), [
    # "dep", "sec", "gen" shorten a glossary term: not unknown subjects.
    ("who's the dep sec gen now?", ["Malcolm Johnson", "Deputy Secretary-General"]),
    # "reckon" is how it is asked.
    ("I reckon the ITRs were signed by most countries - is that right?",
     ["89", "55", "144"]),
    ("anything I should know about the WTDC?", ["WTDC", "TIES"]),
])
def test_everyday_words_are_not_unknown_subjects(starter_bot, question: str,  # type: ignore[no-untyped-def]
                                                 facts: list[str]) -> None:
    answer = starter_bot.ask(question)
    assert not answer.abstained, answer.text
    assert held(answer.text, facts) == [], answer.text


def test_a_set_asked_for_in_other_words_is_the_set(starter_bot) -> None:  # type: ignore[no-untyped-def]
    answer = starter_bot.ask(
        "which bodies in each region coordinate positions ahead of big ITU meetings?")
    assert held(answer.text, ["CITEL", "CEPT", "APT", "ATU", "ASMG", "RCC"]) == [], answer.text


def test_a_range_of_months_narrows_the_calendar(starter_bot) -> None:  # type: ignore[no-untyped-def]
    text = starter_bot.ask("what's between March and May 2014 on the calendar?").text
    assert held(text, ["NTIA", "WTDC-14", "NETmundial", "March 2014 to May 2014"]) == [], text
    assert "October-November 2014" not in text and "January 2015" not in text


def test_part_of_a_year_narrows_the_plan(starter_bot) -> None:  # type: ignore[no-untyped-def]
    text = starter_bot.ask("what did we plan to do in the first half of 2015?").text
    assert held(text, ["January 2015", "Houlin Zhao took office", "entered into force"]) == []
    assert "2014" not in text.split("\n", 1)[1].replace("2016-01-15", "")


def test_a_pronoun_points_into_the_previous_answer(starter_bot) -> None:  # type: ignore[no-untyped-def]
    history = conversation(starter_bot,
                           ["Which groups wrote to the ITU Secretary-General ahead of PP-14?"])
    text = starter_bot.ask("What did the Secretary-General say?", history=history).text
    assert held(text, ["14 October 2014", "national delegations", "briefings"]) == [], text


def test_undated_set_of_the_period_asked_about_is_whole(starter_bot) -> None:  # type: ignore[no-untyped-def]
    text = starter_bot.ask("Please set out the key issues BB considers to be at stake at the ITU "
                           "in 2013-2015, with the importance BB attaches to each.").text
    assert held(text, ["internet governance (very high)", "Openness and transparency",
                       "multistakeholder model", "Human rights"]) == [], text
    assert "the entries for January 2013" not in text


@pytest.mark.parametrize(("text", "start", "end"), [
    ("between March and May 2014", (2014, 3), (2014, 5)),
    ("the first half of 2015", (2015, 1), (2015, 6)),
    ("from 2012 to 2015", (2012, 1), (2015, 12)),
    ("before October 2014", None, (2014, 9)),  # October itself is not before it
])
def test_periods(text: str, start: tuple[int, int] | None, end: tuple[int, int]) -> None:
    assert period_in(text, 2016) == Period(start, end)


def test_last_year_is_the_year_before_the_newest_document() -> None:
    assert period_in("what happened last year?", 2016) == Period.year(2015)


def test_everyday_and_familiar_words_by_class_not_by_question() -> None:
    # Very common English, chat and thinking verbs are everyday; "hotel" is common enough to
    # be a way of asking only when a passage is close in meaning; "zorblat" is neither.
    assert all(is_everyday(w) for w in ("reckon", "anything", "pls", "didnt", "3rd"))
    assert is_familiar("hotel") and is_familiar("forward") and not is_everyday("hotel")
    assert not is_familiar("zorblat")
