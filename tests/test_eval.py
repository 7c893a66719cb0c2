"""The starter question set, scored in CI: a regression in retrieval or answers fails the build."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from brief_bot.config import Settings
from brief_bot.corpus import load_document

from .conftest import ROOT

BIN = Path(sys.executable).parent / "brief-bot"
QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"


def test_question_set_shape() -> None:
    items = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    assert len(items) >= 50
    assert sum(bool(i.get("expect_abstain")) for i in items) >= 5
    for item in items:
        for source in item.get("expected_sources", []):
            assert (ROOT / "corpus" / source).is_file(), source


def test_eval_meets_the_thresholds(starter_settings: Settings) -> None:
    out = subprocess.run(
        [str(BIN), "eval", str(QUESTIONS), "--json", "--corpus", str(starter_settings.corpus),
         "--index", str(starter_settings.index), "--min-recall", "0.95", "--min-contains", "0.90",
         "--min-abstain", "1.0"], capture_output=True, text=True, timeout=600)
    result = json.loads(out.stdout)
    summary = result["summary"]
    print(json.dumps(summary))
    assert out.returncode == 0, (summary, out.stderr[-2000:])
    assert summary["recall@5"] >= 0.95 and summary["answer_contains"] >= 0.90
    assert summary["abstain_accuracy"] == 1.0
    # Every quote is really in its source (as parsed: PDF and DOCX are not plain text).
    texts: dict[str, str] = {}
    for r in result["results"]:
        for c in r["citations"]:
            if c["source"] not in texts:
                doc = load_document(starter_settings.corpus / c["source"], c["source"])
                path = starter_settings.corpus / c["source"]
                raw = path.read_text("utf-8", errors="replace") if path.suffix in (".md",
                                                                                  ".txt") else ""
                texts[c["source"]] = raw + "\n" + "\n".join(ch.text for ch in doc.chunks)
            assert c["quote"] in texts[c["source"]], (c["source"], c["quote"][:80])


def test_answers_are_grounded_and_cited(starter_bot) -> None:  # type: ignore[no-untyped-def]
    answer = starter_bot.ask("how was the WCIT internet resolution adopted?")
    assert not answer.abstained and "[1]" in answer.text
    assert answer.citations[0].source == "briefings/wcit-12-itrs.md"
    assert "temperature" in answer.text.lower()
    data = answer.to_dict()
    assert set(data) >= {"question", "answer", "abstained", "citations", "passages", "timings_ms"}
    assert {"n", "source", "title", "section", "page", "quote", "score"} <= set(
        data["citations"][0])
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert numbers == {c.n for c in answer.citations}


def test_out_of_scope_abstains(starter_bot) -> None:  # type: ignore[no-untyped-def]
    answer = starter_bot.ask("What is the capital of Australia?")
    assert answer.abstained and answer.citations == ()
    assert "does not cover" in answer.text


def test_follow_up_uses_history(starter_bot) -> None:  # type: ignore[no-untyped-def]
    first = "How many countries signed the ITRs at WCIT-12?"
    follow = starter_bot.ask("and who didn't sign?", history=[first])
    assert follow.citations and "WCIT" in follow.citations[0].title
    assert "United States" in follow.text
    # With nothing before it, the bot says what it is missing instead of guessing.
    alone = starter_bot.ask("and who didn't sign?")
    assert alone.abstained and "follow-up" in alone.text
    assert "United States" not in alone.text


def test_messages_are_quoted_verbatim_with_status(starter_bot) -> None:  # type: ignore[no-untyped-def]
    answer = starter_bot.ask("what are our agreed messages for the Plenipot?")
    assert answer.citations[0].source == "strategy/agreed-messages.md"
    assert "status: agreed" in answer.text and "2014-09-15" in answer.text


def test_superseded_ranks_below_agreed_but_stays_findable(starter_bot) -> None:  # type: ignore[no-untyped-def]
    agreed, draft = "strategy/agreed-messages.md", "strategy/messages-draft-2013.md"
    sources = [p.source for p in starter_bot.search("BB messages for PP-14", k=8)]
    assert agreed in sources
    if draft in sources:
        assert sources.index(agreed) < sources.index(draft)
    old = starter_bot.ask("what did the 2013 first draft of the messages say about "
                          "observer status?")
    assert old.citations[0].source == "strategy/messages-draft-2013.md"
    assert old.citations[0].status == "superseded"


def test_filters_apply(starter_bot) -> None:  # type: ignore[no-untyped-def]
    answer = starter_bot.ask("openness", filters={"forum": "CWG-Internet", "status": "agreed"})
    assert answer.passages and all("CWG-Internet" in p.forum for p in answer.passages)


def test_answer_types_and_sentences(starter_bot) -> None:  # type: ignore[no-untyped-def]
    from brief_bot.answer.sentences import GIVES
    from brief_bot.corpus.structure import split_sentences
    from brief_bot.types import Kind

    assert split_sentences("R.N. Jha of the DoT led the Indian delegation. The U.S. Department "
                           "of Commerce ended the contract. Mr. Kramer spoke for it.") == [
        "R.N. Jha of the DoT led the Indian delegation.",
        "The U.S. Department of Commerce ended the contract.",
        "Mr. Kramer spoke for it."]
    cases = {
        "When did the European Parliament pass it?": ("On 22 November 2012 it passed.",
                                                      "It passed a resolution."),
        "On what dates was the IGF held?": ("It met on 2-5 September 2014.", "It met in Istanbul."),
        "How long is the Last Call?": ("Last Call is a four-week period.",
                                       "Last Call is a period for comments."),
        "How many countries signed the ITRs?": ("Eighty-nine countries signed, 55 did not.",
                                                "Many countries signed them."),
        "Who led the Indian delegation?": ("The delegation was led by R.N. Jha of the DoT.",
                                           "The delegation was led by a secretary."),
        "In which city was the meeting held?": ("The meeting was held in Buenos Aires.",
                                                "the meeting was held by video."),
    }
    for question, (gives, does_not) in cases.items():
        kind = starter_bot.analyse(question).kind
        assert kind is not None, question
        assert GIVES[kind].search(gives), (question, gives)
        assert not GIVES[kind].search(does_not), (question, does_not)
    assert starter_bot.analyse("What is the CWG-Internet?").kind is Kind.DEFINITION
    # "When the texts disagree, which one...": not a date question.
    assert starter_bot.analyse("When the language versions disagree, which one is "
                               "authoritative?").kind is not Kind.DATE


STAFF = ROOT / "tests" / "eval" / "staff.jsonl"


def test_staff_question_set_shape() -> None:
    items = [json.loads(line) for line in STAFF.read_text().splitlines() if line.strip()]
    assert len(items) >= 60
    kinds = [i.get("kind") for i in items]
    assert kinds.count("out_of_scope") >= 12
    for kind in ("list", "item", "scoped", "followup", "shorthand"):
        assert kinds.count(kind) >= 5, kind
    for item in items:
        if not item.get("expect_abstain"):
            assert item["facts"] and 1 <= item["min"] <= len(item["facts"]), item["id"]


def test_staff_questions_pass_at_ninety_percent(starter_settings: Settings) -> None:
    out = subprocess.run(
        [str(BIN), "eval", str(STAFF), "--json", "--corpus", str(starter_settings.corpus),
         "--index", str(starter_settings.index), "--min-pass", "0.9"],
        capture_output=True, text=True, timeout=600)
    result = json.loads(out.stdout)
    print(json.dumps(result["summary"]))
    failed = [(r["id"], r.get("facts")) for r in result["results"] if not r["ok"]]
    assert out.returncode == 0, (result["summary"], failed)
    assert result["summary"]["pass_rate"] >= 0.9


def test_an_abstention_never_holds_the_answer() -> None:
    """The nearest-documents note of an abstention can name a file whose path holds the key
    phrase; it still holds no answer."""
    from brief_bot.evaluate import evaluate
    from brief_bot.types import Answer, Passage

    passage = Passage(chunk_id="c", source="strategy/agreed-messages.md", title="Messages",
                      section="", page=None, text="x", score=1.0, dense=0.5,
                      doc_type="messages", status="agreed", date="", forum=(),
                      audience="public")

    class Bot:
        def __init__(self, abstain: bool) -> None:
            self.abstain = abstain

        def ask(self, question: str, **_: object) -> Answer:
            text = ("The briefing material does not cover this. The closest documents it has "
                    "are: Messages (strategy/agreed-messages.md)." if self.abstain else
                    "Our agreed messages are: open the ITU [1].")
            return Answer(question=question, text=text, abstained=self.abstain)

        def search(self, question: str, **_: object) -> list[Passage]:
            return [passage]

    items = [{"id": "q", "question": "what are the agreed messages?",
              "expected_sources": ["strategy/agreed-messages.md"],
              "answer_contains": ["agreed-messages|agreed messages"],
              "facts": [["agreed-messages", "agreed messages"], ["open the ITU"]], "min": 1}]
    abstained = evaluate(Bot(True), items)  # type: ignore[arg-type]
    assert abstained["summary"]["answer_contains"] == 0.0
    assert abstained["summary"]["facts"] == 0.0 and abstained["summary"]["pass_rate"] == 0.0
    answered = evaluate(Bot(False), items)  # type: ignore[arg-type]
    assert answered["summary"]["facts"] == 1.0 and answered["summary"]["pass_rate"] == 1.0
    assert answered["results"][0]["facts"] == {"found": 2, "min": 1, "of": 2, "missing": []}


PARAPHRASE = ROOT / "tests" / "eval" / "staff_paraphrase.jsonl"
# The rewrites pass at 0.756 where the originals pass at 0.951; the goal is a gap of 0.05 or
# less. This floor keeps what has been won from slipping back while that gap is closed.
PARAPHRASE_FLOOR = 0.72


def test_staff_rewrites_keep_their_facts_and_pass(starter_settings: Settings) -> None:
    items = [json.loads(line) for line in PARAPHRASE.read_text().splitlines() if line.strip()]
    originals = {json.loads(line)["id"] for line in STAFF.read_text().splitlines()
                 if line.strip()}
    # Every staff question is rewritten twice, in other words.
    assert {i["id"].rsplit("-p", 1)[0] for i in items} == originals
    assert len(items) == 2 * len(originals)
    out = subprocess.run(
        [str(BIN), "eval", str(PARAPHRASE), "--json", "--corpus", str(starter_settings.corpus),
         "--index", str(starter_settings.index)],
        capture_output=True, text=True, timeout=900)
    result = json.loads(out.stdout)
    print(json.dumps(result["summary"]))
    assert result["summary"]["pass_rate"] >= PARAPHRASE_FLOOR, result["summary"]
