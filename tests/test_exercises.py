"""Every exercise, graded by the real ``nbgrader autograde`` in a throw-away course directory.

For each assignment with a mutants module in ``tests/mutants/``:
* the solution, submitted as a student would (released notebook + solution code), scores full marks;
* the unmodified released notebook scores 0 and the grading run does not crash;
* each plausible wrong implementation loses exactly the points of the test covering the function it
  breaks, and only those;
* correct but differently written implementations keep full marks.
"""
import importlib

import pytest

import course
from conftest import shared_once

ASSIGNMENTS = [a for a in course.REPO.joinpath("solutions").iterdir()
               if (course.REPO / "tests" / "mutants" / f"{a.name}.py").exists()]
ASSIGNMENTS = sorted(a.name for a in ASSIGNMENTS)


def _slug(name):
    return "m_" + "".join(ch if ch.isalnum() else "_" for ch in name)[:60]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Submit solution, blank, mutants and unusual versions; autograde them all in one run
    (once per session, whichever xdist worker gets there first)."""
    assignment = request.param
    info = shared_once(tmp_path_factory, f"exercises-{assignment}",
                       lambda folder: _grade_all(assignment, folder))
    return assignment, info["expected"], info["scores"], info["proc"]


def _grade_all(assignment, folder):
    mutants = importlib.import_module(f"mutants.{assignment}")
    course_dir = course.make_course(folder, [assignment])
    expected = {}
    points = course.max_points(assignment)
    for notebook in course.notebooks(assignment):
        answers = course.solution_sources(assignment, notebook)
        course.submit(course_dir, "solution", assignment, notebook,
                      course.fill(course.released(course_dir, assignment, notebook), answers))
        course.submit(course_dir, "blank", assignment, notebook,
                      course.released(course_dir, assignment, notebook))
        for kind, table in (("mutant", mutants.MUTANTS), ("unusual", mutants.UNUSUAL)):
            for name, (item, code, *also) in table.items():
                student = _slug(name)
                nb = course.fill(course.released(course_dir, assignment, notebook), answers,
                                 {f"answer_{item}": code})
                course.submit(course_dir, student, assignment, notebook, nb)
                # A mutant loses its own item, plus the items it declares to depend on it.
                lost = {f"test_{i}" for i in (item, *(also[0] if also else ()))} if kind == "mutant" else set()
                expected[student] = (name, {g: (0.0 if g in lost else p) for g, p in points.items()})
    expected["solution"] = ("solution", dict(points))
    expected["blank"] = ("unmodified exercise", {g: 0.0 for g in points})
    proc = course.nbgrader(course_dir, "autograde", assignment, "--force", check=False)
    return {"expected": expected, "scores": course.scores(course_dir, assignment),
            "proc": {"returncode": proc.returncode, "stdout": proc.stdout[-5000:]}}


def test_grading_run_does_not_crash(graded):
    assignment, expected, scores, proc = graded
    assert proc["returncode"] == 0, proc["stdout"][-3000:]
    assert set(scores) == set(expected), "every submission must be in the gradebook"


def test_solution_full_marks(graded):
    _, expected, scores, _ = graded
    assert scores["solution"] == expected["solution"][1]


def test_unmodified_exercise_scores_zero(graded):
    _, expected, scores, _ = graded
    assert scores["blank"] == expected["blank"][1]
    assert sum(scores["blank"].values()) == 0


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
