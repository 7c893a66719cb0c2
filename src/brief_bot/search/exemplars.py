"""Worded examples of each shape of question, for deciding a question's shape by meaning.

They are written for any organisation's briefing documents, not from this corpus or from any
question file: generic subjects ("the group", "the project", "the meeting") in the many ways
people ask. A question takes the shape of its nearest examples (`search.shape_by_meaning`).
"""

from __future__ import annotations

from ..types import Kind, Shape

LIST = """What are all the options we have?
List every step in the process.
Which groups are involved, and what does each do?
Give me the full set of recommendations.
What are the main points, one by one?
Run me through all of our proposals.
Name each of the committees.
What are the stages, in order?
Which countries are on the list?
What are the risks we identified?
What are the key issues at stake?
Remind me of the goals, all of them.
What lessons did we draw?
Who holds each role on the team?
What indicators do we track?
Which routes can we take?
What milestones are on the plan?
What are our asks for the meeting?
Which organisations are members?
bullet points of the main takeaways pls
what r the steps, quickly
all the principles we agreed, as a list
what's on the checklist?
the different channels we use - which ones?
What outcomes came out of the conference?
What changed between the two versions?""".splitlines()

ITEM = """What does the third one say?
What is item two about?
Tell me about the second option.
What does point 5 ask for?
What's the last recommendation?
Which of the groups covers the region in the south?
What does our proposal on funding ask for?
What is the first step?
the 4th principle - what is it again?
What exactly does that one ask?
What does rule number six cover?
Which one of the goals is about access?""".splitlines()

SECTION = """Why does this forum matter to us?
What is our approach to the negotiations?
How should we engage from now on?
Explain our strategy for the review.
What is at stake for people like us?
How will we know whether it worked?
How have we engaged so far, and how well did it go?
What should we do about the vote?
Is this meeting important for us, and why?
How can we push for more openness?
What is the background to the dispute?
What does our plan say about the next year?
whats our take on the new rules?
give me the gist of the strategy
how do we make sure the decisions stick?""".splitlines()

FACTS: dict[Kind, list[str]] = {
    Kind.DATE: """When did the meeting take place?
What date was the agreement signed?
When does the new rule come into force?
When is the next review?
What year was the organisation founded?
when does she start in the job?""".splitlines(),
    Kind.PERSON: """Who was elected chair?
Who leads the delegation?
Who wrote the letter?
Who is the current head of the agency?
who got the top job?
Which person signed on our behalf?""".splitlines(),
    Kind.NUMBER: """How many countries signed?
How much does membership cost?
What share of the votes did it get?
How many members does the council have?
how many resolutions were adopted?
What was the fee per unit?""".splitlines(),
    Kind.PLACE: """Where was the conference held?
In which city is the headquarters?
Where does the group meet?
which country hosted it?""".splitlines(),
    Kind.DEFINITION: """What is the council?
What does the abbreviation stand for?
What is meant by enhanced cooperation?
Define the term multistakeholder.
whats the working group?""".splitlines(),
}

PERIOD = """What happened in March?
What's on the calendar for next year?
What was going on between January and June?
What do we have planned for the autumn?
Which events took place last year?
anything coming up in the spring?
What did we do in the first half of the year?""".splitlines()

FACT = """How was the resolution adopted?
What did the meeting decide about access?
Did the proposal pass?
What happened to the amendment?
Can we attend the sessions?
Is the consultation open to everyone?
What did the secretary say in reply?
Why did they refuse to sign?""".splitlines()


def labelled() -> list[tuple[str, Shape, Kind | None]]:
    """Every example with its shape (and the kind of fact, for fact questions)."""
    rows: list[tuple[str, Shape, Kind | None]] = []
    rows += [(q, Shape.LIST, None) for q in LIST]
    rows += [(q, Shape.ITEM, None) for q in ITEM]
    rows += [(q, Shape.SECTION, None) for q in SECTION]
    rows += [(q, Shape.PERIOD, None) for q in PERIOD]
    rows += [(q, Shape.FACT, None) for q in FACT]
    rows += [(q, Shape.FACT, kind) for kind, qs in FACTS.items() for q in qs]
    return rows
