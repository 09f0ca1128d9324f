"""An instructor's first day, from a fresh clone, with a plain user's PATH (nothing activated):
the README's "For instructors" commands, run verbatim, grade a class (solution, blank, a wrong
gradient, edited locked cells), and the scores are in ``grades.csv``, in nbgrader's gradebook and
in the class view (summary linking every feedback page). Formgrader is checked in
``test_formgrader_browser.py`` on the same clone.

Cost: one fresh clone + ``make setup`` per session (~50 s CPU with pip's cache warm; 1-3 min of
wall time on a busy 2-core machine) plus one grading run (~6 s); the page checks ~10 s.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

import course as C

A = "activations"
SHOTS = Path(__file__).resolve().parent / "_output" / "instructor"


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    info = C.graded_clone(tmp_path_factory)
    for run in info["runs"]:
        assert run["rc"] in (0, 1), f"{run['command']!r} failed:\n{run['output']}"
    return info


def expected():
    full = sum(C.max_points(A).values())
    return {"alice": full, "bob": 0.0, "carol": full - C.max_points(A)["test_relu"], "dave": full}


def test_readme_is_what_runs(clone):
    cmds = clone["commands"]
    assert cmds[0].startswith("make setup") and "autograder.grade" in cmds[1] and cmds[-1].startswith("make formgrader")
    assert [r["command"] for r in clone["runs"]] == cmds[:-1]
    grade = clone["runs"][-1]
    assert grade["rc"] == 1, grade["output"]            # dave's edited locked cell needs a look
    assert "(1 needs a look)" in grade["output"] and "dave: tampered" in grade["output"], grade["output"]
    assert "error" not in grade["output"].lower(), grade["output"]


def test_scores_in_csv_and_gradebook(clone):
    course = Path(clone["clone"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grading" / A / "grades.csv"))}
    want = expected()
    assert {s: float(r["score"]) for s, r in rows.items()} == want
    assert {s: r["status"] for s, r in rows.items()} == {"alice": "graded", "bob": "graded",
                                                         "carol": "graded", "dave": "tampered"}
    assert {s: sum(v.values()) for s, v in C.scores(course, A).items()} == want
    assert all(re.match(r"\d{4}-\d\d-\d\d ", r["timestamp"]) for r in rows.values())


def test_class_view_in_a_browser(clone):
    """summary.html links every student's feedback; the feedback page names student, assignment and
    date, and says what happened to edited locked cells. Screenshots at 1366 and 390 px."""
    from test_formgrader_browser import browser
    out = Path(clone["clone"]) / "grading" / A
    log = (out / "log.txt").read_text()
    assert not re.search(r"^== (alice|bob|carol)\b", log, re.M), log[:3000]   # honest work: silence
    assert re.search(r"NEEDS A LOOK\tdave\ttampered", log) and not re.search(r"NEEDS A LOOK\t(alice|bob|carol)", log)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser() as new_page:
        for width in (1366, 390):
            page = new_page(width)
            page.goto((out / "summary.html").as_uri())
            names = page.eval_on_selector_all("table a", "els => els.map(e => e.textContent)")
            assert names == ["alice", "bob", "carol", "dave"]
            # the two class charts: inline SVG with a text alternative, drawn at a visible size
            assert page.eval_on_selector_all(
                "figure[role=img]", "fs => fs.length == 2 && fs.every(f => f.getAttribute('aria-label').length > 20"
                " && f.querySelector('svg rect') && f.querySelector('svg').getBoundingClientRect().width > 200)")
            page.screenshot(path=str(SHOTS / f"summary-{width}.png"), full_page=True)
            page.click("text=dave")
            text = page.inner_text("body")
            assert "Student dave" in text and "assignment activations" in text and "submitted 20" in text
            assert "locked cells were restored" in text and "hidden=True" not in page.content()
            page.screenshot(path=str(SHOTS / f"feedback-dave-{width}.png"), full_page=True)
