"""Every exercise, graded in throw-away course directories by both of the course's graders.

For each exercise (``autograder/exercises.py``; each has a mutants module in ``tests/mutants/``), every submission — the solution
(released notebook + solution code, as a student would submit it), the unmodified release, each
plausible wrong implementation and each correct-but-unusual one — is graded by the instructor's
sandboxed batch grader (``python -m autograder.grade``, which records through nbgrader's gradebook),
and a sample (solution, blank, the first mutant and the first unusual version) also by the real
``nbgrader autograde`` (every notebook in its own kernel, one after another: ~2 s each, so not for
all ~40 per assignment). Then:
* the solution scores full marks and the unmodified release 0, from both, without a crash;
* every submission's status is "graded", except the mutants that differentiate numerically
  (``mutants.numerical``): "flagged", which the grader's exit status and summary count as
  needing a look;
* each wrong implementation loses exactly the points of the test covering the function it breaks,
  and only those; correct but differently written implementations keep full marks;
* on the sample, nbgrader and the batch grader give every cell the same score.
"""
import csv
import importlib
import re

import pytest

import course
from autograder import exercises
from conftest import shared_once
from mutants import numerical

ASSIGNMENTS = exercises.names()


def _slug(name):
    return "m_" + "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in name)[:60]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Submit solution, blank, mutants and unusual versions; autograde them all in one run
    (once per session, whichever xdist worker gets there first)."""
    assignment = request.param
    info = shared_once(tmp_path_factory, f"exercises-{assignment}",
                       lambda folder: _grade_all(assignment, folder))
    return assignment, info["expected"], info["scores"], info


def _grade_all(assignment, folder):
    import subprocess
    import sys

    mutants = importlib.import_module(f"mutants.{assignment}")
    points = course.max_points(assignment)
    grader_dir = course.make_course(folder / "grader", [assignment])
    nbgrader_dir = course.make_course(folder / "nbgrader", [assignment])
    submissions, expected = {}, {}                 # student -> {notebook: nb}; student -> (name, scores)
    for notebook in course.notebooks(assignment):
        answers = course.solution_sources(assignment, notebook)
        blank = lambda: course.released(grader_dir, assignment, notebook)  # noqa: E731
        submissions.setdefault("solution", {})[notebook] = course.fill(blank(), answers)
        submissions.setdefault("blank", {})[notebook] = blank()
        for kind, table in (("mutant", mutants.MUTANTS), ("unusual", mutants.UNUSUAL)):
            for name, (item, code, *also) in table.items():
                student = _slug(name)
                submissions.setdefault(student, {})[notebook] = course.fill(blank(), answers, {f"answer_{item}": code})
                # A mutant loses its own item, plus the items it declares to depend on it.
                lost = {f"test_{i}" for i in (item, *(also[0] if also else ()))} if kind == "mutant" else set()
                expected[student] = (name, {g: (0.0 if g in lost else p) for g, p in points.items()})
    names = [*mutants.MUTANTS, *mutants.UNUSUAL]
    assert len({_slug(n) for n in names}) == len(names), "two variants share a student id"
    expected["solution"] = ("solution", dict(points))
    expected["blank"] = ("unmodified exercise", {g: 0.0 for g in points})
    sample = ["solution", "blank", _slug(next(iter(mutants.MUTANTS))), _slug(next(iter(mutants.UNUSUAL)))]

    for student, notebooks in submissions.items():
        for notebook, nb in notebooks.items():
            course.submit(grader_dir, student, assignment, notebook, nb)
            if student in sample:
                course.submit(nbgrader_dir, student, assignment, notebook, nb)
    grader = subprocess.run([sys.executable, "-m", "autograder.grade", assignment, "submitted", "--course",
                             str(grader_dir), "--no-progress"], cwd=grader_dir, env=course.nbgrader_env(),
                            capture_output=True, text=True, timeout=1800)
    proc = course.nbgrader(nbgrader_dir, "autograde", assignment, "--force", check=False)
    look = re.findall(r"\((\d+) needs? a look\)", grader.stdout + grader.stderr)
    with open(grader_dir / "grading" / assignment / "grades.csv", newline="") as f:
        statuses = {r["student_id"]: r["status"] for r in csv.DictReader(f)}
    flagged = sorted(_slug(n) for n in (*mutants.MUTANTS, *mutants.UNUSUAL) if numerical(n))
    return {"expected": expected, "scores": course.scores(grader_dir, assignment),
            "statuses": statuses, "flagged": flagged, "look": [int(n) for n in look],
            "nbgrader_scores": course.scores(nbgrader_dir, assignment), "sample": sample,
            "grader": {"returncode": grader.returncode, "stderr": grader.stderr[-5000:]},
            "proc": {"returncode": proc.returncode, "stdout": proc.stdout[-5000:]}}


def test_grading_run_does_not_crash(graded):
    """Every submission is graded; the only ones that need a look are those flagged for a
    numerical derivative (:func:`mutants.numerical`), and the exit status says so."""
    assignment, expected, scores, info = graded
    want = {s: "flagged" if s in info["flagged"] else "graded" for s in expected}
    assert info["statuses"] == want, info["grader"]["stderr"][-3000:]
    assert info["look"] == [len(info["flagged"])], info["grader"]["stderr"][-3000:]
    assert info["grader"]["returncode"] == (1 if info["flagged"] else 0), info["grader"]["stderr"][-3000:]
    assert info["proc"]["returncode"] == 0, info["proc"]["stdout"][-3000:]
    assert set(scores) == set(expected), "every submission must be in the gradebook"
    assert set(info["nbgrader_scores"]) == set(info["sample"])


def test_solution_full_marks(graded):
    _, expected, scores, info = graded
    assert scores["solution"] == expected["solution"][1]
    assert info["nbgrader_scores"]["solution"] == expected["solution"][1]


def test_unmodified_exercise_scores_zero(graded):
    _, expected, scores, info = graded
    for source in (scores, info["nbgrader_scores"]):
        assert source["blank"] == expected["blank"][1]
        assert sum(source["blank"].values()) == 0


def test_nbgrader_and_the_batch_grader_agree(graded):
    """The sample, graded by the real nbgrader autograde and by the sandboxed batch grader:
    the same score for every cell of every student."""
    _, _, scores, info = graded
    assert {s: scores[s] for s in info["sample"]} == info["nbgrader_scores"]


def test_each_mutant_loses_exactly_its_points(graded):
    assignment, expected, scores, _ = graded
    mutants = importlib.import_module(f"mutants.{assignment}")
    wrong = []
    for name in mutants.MUTANTS:
        want = expected[_slug(name)][1]
        if scores.get(_slug(name)) != want:
            wrong.append(f"{name}: got {scores.get(_slug(name))}, want {want}")
    assert not wrong, "\n".join(wrong)


def test_unusual_but_correct_keep_full_marks(graded):
    assignment, expected, scores, _ = graded
    mutants = importlib.import_module(f"mutants.{assignment}")
    wrong = [f"{n}: {scores.get(_slug(n))}" for n in mutants.UNUSUAL
             if scores.get(_slug(n)) != expected[_slug(n)][1]]
    assert not wrong, "\n".join(wrong)
