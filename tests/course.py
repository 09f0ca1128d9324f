"""Helpers to run the real nbgrader pipeline on a throw-away course directory.

Used by the grading tests and by ``benchmarks/``: make a course from the repository's
``solutions/``, build submissions (the released notebook with the solution code filled in, then
optionally with one function redefined), autograde them with the real ``nbgrader`` command and
read the scores back from the gradebook.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


def nbgrader_env():
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"   # nbgrader calls `alembic` from PATH
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def nbgrader(course: Path, *args, check=True, timeout=900):
    """Run ``nbgrader <args>`` in ``course``; return the CompletedProcess (output in .stdout)."""
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=nbgrader_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}")
    return proc


def make_course(tmp: Path, assignments) -> Path:
    """A course directory with the repo's nbgrader config and the given assignments released."""
    course = tmp / "course"
    course.mkdir(parents=True)
    # The repository's configuration, with this directory as the course root.
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(REPO / 'autograder' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(course)!r}\n")
    for a in assignments:
        shutil.copytree(REPO / "solutions" / a, course / "solutions" / a)
        nbgrader(course, "generate_assignment", a, "--force")
    return course


def notebooks(assignment):
    return sorted(p.name for p in (REPO / "solutions" / assignment).glob("*.ipynb"))


def solution_sources(assignment, notebook) -> dict[str, str]:
    """grade_id -> source of each solution cell, with the solution markers removed."""
    nb = nbformat.read(REPO / "solutions" / assignment / notebook, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: SOLUTION_MARKERS.sub("", c.source)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def released(course: Path, assignment, notebook):
    return nbformat.read(course / "exercises" / assignment / notebook, as_version=4)


def fill(nb, answers: dict[str, str], extra: dict[str, str] | None = None):
    """Put ``answers`` (grade_id -> source) into the answer cells; append ``extra[grade_id]``
    (e.g. a redefinition of one function) to that answer cell. Returns the notebook."""
    extra = extra or {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
        if gid in extra:
            cell.source = cell.source.rstrip("\n") + "\n\n\n" + extra[gid].strip("\n") + "\n"
    return nb


def submit(course: Path, student, assignment, notebook, nb):
    d = course / "submitted" / student / assignment
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (bytes, str)):
        (d / notebook).write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, d / notebook)


def scores(course: Path, assignment) -> dict[str, dict[str, float]]:
    """student -> {grade_id: score} for every graded test cell, from the gradebook."""
    from autograder.grade.bridge import read_scores
    return {student: {gid: score for gid, (score, _) in per.items()}
            for student, per in read_scores(f"sqlite:///{course / 'gradebook.db'}", assignment).items()}


def max_points(assignment) -> dict[str, float]:
    """grade_id -> points of every graded cell of the assignment's solution notebooks."""
    out = {}
    for name in notebooks(assignment):
        nb = nbformat.read(REPO / "solutions" / assignment / name, as_version=4)
        for c in nb.cells:
            meta = c.metadata.get("nbgrader", {})
            if meta.get("grade"):
                out[meta["grade_id"]] = float(meta["points"])
    return out


def solution_namespace(assignment, notebook=None) -> dict:
    """Run the setup and solution cells of a solution notebook (not its tests) in a fresh
    namespace and return it: the instructor's reference implementation of the assignment."""
    notebook = notebook or notebooks(assignment)[0]
    nb = nbformat.read(REPO / "solutions" / assignment / notebook, as_version=4)
    ns: dict = {"__name__": f"solution_{assignment}"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("grade") and not _is_widget_cell(cell):
            exec(compile(SOLUTION_MARKERS.sub("", cell.source), f"<{assignment}:{meta.get('grade_id')}>", "exec"), ns)
    return ns


def _is_widget_cell(cell):
    return "NBGRADER_EXECUTION" in cell.source


def check_report(namespace, assignment, item, seed):
    """The hidden-case Report of one item for a namespace (in process, no printing)."""
    from autograder.checks import draw_cases, load_spec, run_probe, verify
    spec = load_spec(assignment)
    cases = draw_cases(spec.ITEMS[item], hidden=True, seed=seed)
    return verify(spec.ITEMS[item], cases, run_probe(spec.ITEMS[item], namespace, cases))


def mutant_namespace(assignment, code):
    """The solution namespace with ``code`` (a mutant or unusual version) executed on top."""
    ns = solution_namespace(assignment)
    exec(compile(code, f"<{assignment} variant>", "exec"), ns)
    return ns
