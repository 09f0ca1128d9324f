"""The instructor's side of the batch grader: nbgrader failures, odd text, merging, exit codes.

* one odd character (control, escape, bidi, lone surrogate) in an id, a grade id or a message
  never stops the CSV/feedback/summary writers and never appears raw in them;
* a submission nbgrader itself cannot take (unexpected nbgrader metadata on an answer cell, a lone
  surrogate in a source, a malformed ``timestamp.txt``) is still graded on its merits — and when
  nbgrader fails anyway, the student gets an explicit status and a fresh 0, never an older score;
* ``--student X`` merges into the class's ``grades.csv`` and ``summary.html``;
* the printed "N need a look" always agrees with the exit code.

About 40 s on a quiet 2-core machine (one throw-away course, five grader runs).
"""
from __future__ import annotations

import csv
import json
import re

import nbformat
import pytest

import course as C
from autograder.grade import cli, gradebook, reports
from autograder.grade.model import Result, Verdict

A = "activations"
NB = f"{A}.ipynb"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ODD = "x\x1b[31mred\x07\u202eevil\ud800\r\n"


def test_writers_clean_every_text(tmp_path):
    """~1 s. Odd text everywhere: nothing raw reaches the CSV, the pages or a terminal line."""
    res = Result(f"s{ODD}", status="crashed", reason=f"why {ODD}", notes=[f"note {ODD}"])
    res.verdicts = {NB: {f"test_{ODD}": Verdict(f"test_{ODD}", False, f"message {ODD}\nline 2"),
                         "test_ok": Verdict("test_ok", True, "fine")}}
    scores = {res.student: {f"test_{ODD}": (0.0, 2.0), "test_ok": (1.0, 1.0)}}
    info = {res.student: {"timestamp": f"2026 {ODD}", "graded_at": "now"}}
    reports.write_csv(tmp_path / "g.csv", A, [res], scores, info)
    reports.write_feedback(tmp_path / "f.html", A, res, scores, info[res.student])
    reports.write_summary(tmp_path / "s.html", A, [res], scores, {"sandbox": ODD}, info)
    for name in ("g.csv", "f.html", "s.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not RAW.search(text.replace("\r\n", "\n")), name
    rows = list(csv.reader(open(tmp_path / "g.csv", encoding="utf-8")))
    assert rows[1][3:5] == ["1", "3"] and "\\x1b" in rows[1][0]
    assert not RAW.search(reports.clean(ODD)) and "\\u202e" in reports.clean(ODD)
    assert reports._csv_cell("=cmd()").startswith("'")


def _solution():
    nb = C.fill(nbformat.read(C.REPO / "exercises" / A / NB, as_version=4), C.solution_sources(A, NB))
    return json.loads(nbformat.writes(nb))


def _put(course, student, doc=None, timestamp=None):
    d = course / "submitted" / student / A
    d.mkdir(parents=True, exist_ok=True)
    if doc is not None:
        doc = dict(doc, cells=[*doc["cells"], {"cell_type": "markdown", "metadata": {},
                                               "source": f"(handed in by {student})"}])
        (d / NB).write_text(json.dumps(doc))      # json escapes keep a lone surrogate as \ud800
        # one line of its own: byte-identical copies of a classmate's notebook are "suspicious"
    if timestamp is not None:
        (d / "timestamp.txt").write_text(timestamp)


def _grade(course, capsys, *extra):
    rc = cli.main([A, str(course / "submitted"), "--course", str(course), "--seed", "7",
                   "--no-progress", "--workers", "2", *extra])
    err = capsys.readouterr().err
    look = int(re.search(r"\((\d+) needs? a look\)", err).group(1))
    assert (rc == 0) == (look == 0), err              # the summary line never contradicts the exit code
    out = course / "grading" / A
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    return rc, err, rows, C.scores(course, A)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = C.make_course(tmp_path_factory.mktemp("instructor"), [A])
    (course / "gradebook.db").unlink()            # the grader must create the assignment itself
    sol = _solution()
    _put(course, "alice", sol)
    _put(course, "bob", _solution())
    odd_meta = _solution()
    for cell in odd_meta["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            meta.update(grade=True, points=99, locked=True)      # an answer cell claiming points
    _put(course, "meta", odd_meta)
    surrogate = _solution()
    surrogate["cells"].insert(3, {"cell_type": "markdown", "metadata": {}, "source": "my notes \ud800 odd"})
    surrogate["metadata"]["title"] = "\udcff"
    _put(course, "surrogate", surrogate)
    _put(course, "badtime", _solution(), timestamp="not a date \x1b[2J")
    _put(course, "blank", json.loads((C.REPO / "exercises" / A / NB).read_text()))
    return course


def test_nbgrader_trouble_is_graded_on_merit(graded, capsys):
    rc, err, rows, scores = _grade(graded, capsys)
    full = sum(C.max_points(A).values())
    for s in ("alice", "bob", "meta", "surrogate", "badtime"):
        assert rows[s]["status"] == "graded" and float(rows[s]["score"]) == full, (s, rows[s], err)
        assert sum(scores[s].values()) == full, s
    assert "timestamp.txt is not a date" in rows["badtime"]["reason"] and "\x1b" not in rows["badtime"]["reason"]
    assert rows["blank"]["status"] == "graded" and float(rows["blank"]["score"]) == 0
    assert rc == 0, err
    log = (graded / "grading" / A / "log.txt").read_text()
    assert "WARNING" not in log and "ERROR" not in log, log[:2000]   # silent about honest work


def test_nbgrader_failure_is_a_status_and_a_fresh_zero(graded, capsys, monkeypatch):
    """alice had full marks; nbgrader now fails on her submission: 0 everywhere, status says why,
    the rest of the class stays in the CSV and the summary (``--student`` merges)."""
    _grade(graded, capsys)
    real = gradebook._copy_for_nbgrader

    def broken(src, dst, released):
        real(src, dst, released)
        if "exercises" not in str(src) and "alice" in str(dst):
            doc = json.loads(dst.read_text())
            doc["cells"][0]["metadata"]["nbgrader"] = {"grade": "yes"}   # nbgrader rejects this
            dst.write_text(json.dumps(doc))
    monkeypatch.setattr(gradebook, "_copy_for_nbgrader", broken)
    rc, err, rows, scores = _grade(graded, capsys, "--student", "alice")
    assert rc == 1 and "alice: crashed" in err, err
    assert rows["alice"]["status"] == "crashed" and "nbgrader could not record" in rows["alice"]["reason"]
    assert float(rows["alice"]["score"]) == 0 and sum(scores["alice"].values()) == 0
    assert set(rows) == {"alice", "bob", "meta", "surrogate", "badtime", "blank"}     # merged
    assert float(rows["bob"]["score"]) == sum(C.max_points(A).values())
    summary = (graded / "grading" / A / "summary.html").read_text()
    for s in rows:
        assert f"href='feedback/{s}.html'" in summary
    page = (graded / "grading" / A / "feedback" / "alice.html").read_text()
    assert "alice" in page and "nbgrader could not record" in page


def test_stops_before_grading_when_nbgrader_is_missing(graded, capsys, monkeypatch, tmp_path):
    """No alembic next to the interpreter: one line, exit 2, nobody graded."""
    monkeypatch.setattr(gradebook.shutil, "which", lambda name: None)
    db = graded / "gradebook.db"          # absent when this test is the first on its xdist worker
    before = db.exists() and db.stat().st_mtime_ns
    rc = cli.main([A, str(graded / "submitted"), "--course", str(graded), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "make setup" in err, err
    assert not (tmp_path / "o").exists() and (db.exists() and db.stat().st_mtime_ns) == before
