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
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|\Z)", re.M)


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
    from autograder.grade.gradebook import read_scores
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


# ---------------------------------------------------------------------------- a fresh clone
def plain_env(**extra) -> dict:
    """The environment of a plain user's shell: no virtualenv on PATH, none activated."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("PYTEST")}
    keep = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and not (Path(p).parent / "pyvenv.cfg").exists()]
    env["PATH"] = os.pathsep.join(keep)
    env.update(extra)
    return env


def readme_commands(section="For instructors") -> list[str]:
    """The lines of the first ```sh block under the README heading ``## <section>``."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    block = body.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def start_jupyter(command: str, cwd: Path, env: dict, timeout=240):
    """Start a long-running Jupyter command (e.g. ``make formgrader``) in its own process group;
    return ``(proc, base_url, token)`` once it prints its URL. Stop it with :func:`stop`."""
    import select
    import time
    proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    pattern = re.compile(r"(http://(?:localhost|127\.0\.0\.1):\d+)/\S*\?token=(\w+)")
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            m = pattern.search(line)
            if m:
                threading_drain(proc)
                return proc, m.group(1), m.group(2)
    stop(proc)
    raise AssertionError(f"{command!r} printed no URL:\n{''.join(seen)[-3000:]}")


def threading_drain(proc):
    """Keep reading a server's output so it never blocks on a full pipe."""
    import threading
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()


def stop(proc):
    """End a process started by :func:`start_jupyter` and its children (its own group)."""
    import signal
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wrong_relu():
    """A plausible mistake appended to the ReLU answer: the gradient's sign flipped."""
    return {"answer_relu": "_good_relu_backward = relu_backward\n"
                           "def relu_backward(dout, x):\n    return -_good_relu_backward(dout, x)\n"}


def a_class(course: Path, assignment="activations"):
    """Submissions in ``course/submitted``: alice (the solution), bob (the blank release), carol
    (ReLU gradient sign flipped), dave (the solution with the locked intro cell edited)."""
    nb_name = f"{assignment}.ipynb"
    rel = lambda: nbformat.read(course / "exercises" / assignment / nb_name, as_version=4)  # noqa: E731
    answers = solution_sources(assignment, nb_name)
    tampered = fill(rel(), answers)
    tampered.cells[0].source += "\n\nI edited the instructions."
    for student, nb in {"alice": fill(rel(), answers), "bob": rel(),
                        "carol": fill(rel(), answers, wrong_relu()), "dave": tampered}.items():
        submit(course, student, assignment, nb_name, nb)


def graded_clone(tmp_path_factory) -> dict:
    """Once per test session: a fresh ``git clone`` of the repository, the README's instructor
    commands run verbatim with a plain user's PATH (``make setup``, then the grader on a class in
    ``submitted/``). Returns the clone's path, the commands and the grader's exit code/output."""
    from conftest import shared_once

    def produce(folder: Path):
        import time
        clone = folder / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=300)
        commands = readme_commands()
        env = plain_env()
        runs = []
        for command in commands:
            if command.startswith("make formgrader"):
                continue                               # a server: the browser tests start it
            if "autograder.grade" in command:
                a_class(clone)
            start = time.monotonic()
            proc = subprocess.run(["bash", "-c", command], cwd=clone, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=3600)
            runs.append({"command": command, "rc": proc.returncode, "output": proc.stdout[-6000:],
                         "seconds": round(time.monotonic() - start, 1)})
            if proc.returncode not in (0, 1):
                break
        return {"clone": str(clone), "commands": commands, "runs": runs}
    return shared_once(tmp_path_factory, "instructor-clone", produce)


def grade_solution_blank_and(tmp_path, assignment, cell, code, student="numerical"):
    """The sandboxed batch grader (``python -m autograder.grade``, seed 7) on three submissions of
    ``assignment``: the solution, the blank notebook, and the solution with answer cell ``cell``
    replaced by ``code`` (as ``student``). Returns (grades.csv rows by student, nbgrader's scores by
    student, the assignment's points)."""
    import csv
    course_dir = make_course(tmp_path, [assignment])
    nb_name = notebooks(assignment)[0]
    answers = solution_sources(assignment, nb_name)
    submit(course_dir, "solution", assignment, nb_name, fill(released(course_dir, assignment, nb_name), answers))
    submit(course_dir, "blank", assignment, nb_name, released(course_dir, assignment, nb_name))
    submit(course_dir, student, assignment, nb_name,
           fill(released(course_dir, assignment, nb_name), answers, {cell: code}))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", assignment, str(course_dir / "submitted"),
                           "--course", str(course_dir), "--seed", "7", "--workers", "2", "--timeout", "90",
                           "--cell-timeout", "10", "--no-progress", "--out", str(out)],
                          cwd=course_dir, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(out / "grades.csv") as f:
        status = {r["student_id"]: r for r in csv.DictReader(f)}
    return status, scores(course_dir, assignment), max_points(assignment)
