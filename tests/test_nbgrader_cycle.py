"""The whole nbgrader cycle on one machine, with nbgrader's own commands and a local exchange:

release_assignment → the student's fetch_assignment → edit → submit → the instructor's collect →
the sandboxed grader (``python -m autograder.grade``) → generate_feedback → release_feedback →
the student's fetch_feedback sees the feedback (score, no hidden tests). Also: ``nbgrader export``
gives a CSV with the grader's score, and formgrader's Autograde (in a Jupyter server) explains
that this course grades with the batch grader.

About 30 s on a quiet 2-core machine (ten nbgrader commands, one grader run).
"""
from __future__ import annotations

import csv
import getpass
import subprocess
import sys

import nbformat

import course as C

A = "activations"
NB = f"{A}.ipynb"


def test_release_fetch_submit_collect_grade_feedback(tmp_path):
    course = C.make_course(tmp_path, [A])
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(exchange)!r}\n")
    student_home = tmp_path / "student"
    student_home.mkdir()
    as_student = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dnn-learn"]

    C.nbgrader(course, "release_assignment", A, "--force")
    C.nbgrader(student_home, "fetch_assignment", A, *as_student)
    fetched = student_home / A / NB
    nb = C.fill(nbformat.read(fetched, as_version=4), C.solution_sources(A, NB))
    for cell in nb.cells:                       # one mistake: the ReLU gradient's sign flipped
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer_relu":
            cell.source += "\n\n_good_relu_backward = relu_backward\n" \
                           "def relu_backward(dout, x):\n    return -_good_relu_backward(dout, x)\n"
    nbformat.write(nb, fetched)
    C.nbgrader(student_home, "submit", A, *as_student)
    C.nbgrader(course, "collect", A)
    me = getpass.getuser()
    assert (course / "submitted" / me / A / NB).is_file()

    proc = subprocess.run([sys.executable, "-m", "autograder.grade", A, str(course / "submitted"),
                           "--course", str(course), "--seed", "3", "--no-progress"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=C.nbgrader_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout
    full = sum(C.max_points(A).values())
    got = C.scores(course, A)[me]
    assert got["test_relu"] == 0 and sum(got.values()) == full - C.max_points(A)["test_relu"], got

    C.nbgrader(course, "generate_feedback", A)
    C.nbgrader(course, "release_feedback", A)
    C.nbgrader(student_home, "fetch_feedback", A, *as_student)
    pages = list((student_home / A / "feedback").glob("*/" + NB.replace(".ipynb", ".html")))
    assert len(pages) == 1, list((student_home / A).rglob("*"))
    page = pages[0].read_text()
    assert f"{sum(got.values()):g}" in page and "HIDDEN" not in page and "hidden=True" not in page

    C.nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"))
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    assert [(r["student_id"], float(r["score"]), float(r["max_score"])) for r in rows] == \
        [(me, sum(got.values()), full)]
