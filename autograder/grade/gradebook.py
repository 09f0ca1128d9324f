"""nbgrader's gradebook, before, during and after a batch: prepared, written with nbgrader itself,
read back and checked.

nbgrader keeps doing what it does well — student records, submissions and timestamps, restoring
locked cells from the gradebook, checksums, scores, late penalties, the ``autograded/`` notebooks —
but its *Execute* step is replaced by :class:`~autograder.grade.nbgrader_hooks.InjectVerdicts`,
which puts the verdicts computed on the host into the test cells, so nbgrader's own
``SaveAutoGrades`` scores exactly what the host decided. Every student in the batch is staged, so
every graded cell of every student gets a fresh score: an unreadable or missing notebook is
staged as the released blank and scores 0 — never an old score left behind.

* before: :func:`use_own_tools`, :func:`record_submissions`;
* during: :class:`Writer`, a process of its own: :func:`sync_assignment` first, then
  :class:`_GradebookWriter` (nbgrader's autograde steps through
  :class:`~autograder.grade.autograde.Autograde`) for each result, :func:`read_scores` last;
* after: :func:`integrity`.
"""
from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import multiprocessing
import os
import queue
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc

from autograder.grade.model import Release
from autograder.grade.notebook import grade_id, is_test
from autograder.grade.text import clean, last_line, writable


class Writer:
    """The one process that reads and writes nbgrader's gradebook during a run, started with the
    run (forked before any grading thread exists):

    1. it makes sure the gradebook knows the assignment (:func:`sync_assignment`) while the
       grader opens its sandbox and draws the hidden inputs — :meth:`ready` waits for that;
    2. it stages each finished result and runs nbgrader's autograde for that student
       (:class:`_GradebookWriter`) while the sandboxes and the judging threads keep working on
       the next submissions;
    3. at :meth:`close` it reads the class's scores back (:func:`read_scores`).

    A process, not a thread: nbgrader's pipeline is pure Python and, sharing the grader's
    interpreter lock, made every other thread wait. Neither nbgrader's API nor SQLAlchemy is
    imported by the grader's own process: their imports and the gradebook's preparation (0.3 s)
    overlap the grader's start instead of preceding it (``make bench``)."""

    def __init__(self, course: Path, release: Release, staging: Path, db_url: str):
        ctx = multiprocessing.get_context("fork")
        self._inbox, self._outbox = ctx.Queue(), ctx.Queue()
        self._proc = ctx.Process(target=_writer_process, name="gradebook-writer", daemon=True,
                                 args=((course, release, staging, db_url), self._inbox, self._outbox))
        self._proc.start()
        self._open = True
        self.students: list[str] = []
        self.failures: dict[str, str] = {}              # student -> why nbgrader could not grade them
        self.fallbacks: set[str] = set()                 # ... and a fresh 0 was recorded instead
        self.logs: list[str] = []
        self.cpu: dict[str, float] = {}                  # student -> CPU seconds nbgrader took

    def ready(self) -> str:
        """Wait until the gradebook knows the assignment: '' or the one-line problem (the
        writer has then ended). nbgrader's own start (imports, configuration) is not waited
        for: it overlaps the first sandboxes; if it fails, :meth:`close` says so for every
        student."""
        report = self._receive()
        if "synced" not in report:
            self.abort()
            return f"the gradebook could not be prepared: {report.get('error', report)}"
        if report["synced"]:
            self.abort()
        return report["synced"]

    def submit(self, res, timestamp=None):
        """Record ``res`` (its submission's ``timestamp``, if any) in the gradebook."""
        self.students.append(res.student)
        self._inbox.put((res, timestamp))

    def _receive(self):
        while True:
            try:
                return self._outbox.get(timeout=1)
            except queue.Empty:
                if not self._proc.is_alive():
                    return {"error": f"the gradebook writer ended early (exit code {self._proc.exitcode})"}

    def close(self):
        """Wait for every submitted result to be written; then ``failures``, ``fallbacks``,
        ``logs`` and ``cpu`` hold what happened. Returns the scores of every student with a
        submission of the assignment (:func:`read_scores`), or None when they were not read."""
        self._inbox.put(None)
        report = self._receive()
        if report.get("started") is False:           # nbgrader could not start: its reason
            report = {"error": report["why"]}
        self._open = False
        self._proc.join(30)
        if "error" in report:          # the writer died: nobody may count as recorded
            self.failures = {s: report["error"] for s in self.students}
            return None
        self.failures, self.fallbacks = report["failures"], report["fallbacks"]
        self.logs, self.cpu = report["logs"], report["cpu"]
        return report["scores"]

    def abort(self):
        """End the writer without waiting for anything more (the run stopped): it finishes the
        step it is in (a gradebook transaction is never cut short), then exits."""
        if not self._open:
            return
        self._open = False
        self._inbox.put(_ABORT)
        self._proc.join(30)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()


#: What :meth:`Writer.abort` sends: end now, report nothing (no one will read it).
_ABORT = "abort"


def _writer_process(args, inbox, outbox):
    course, release, staging, db_url = args
    problem = sync_assignment(db_url, release)
    outbox.put({"synced": problem})
    if problem:
        return
    try:
        writer = _GradebookWriter(course, release, staging, db_url)
    except Exception as exc:             # read at close(): every student is told
        outbox.put({"started": False, "why": f"nbgrader could not start: {type(exc).__name__}: {exc}"})
        return
    gc.freeze()          # nbgrader's and SQLAlchemy's objects: out of every later collection
    while (item := inbox.get()) is not None:
        if item == _ABORT:
            return
        writer.write(*item)
    try:
        scores = read_scores(db_url, release.assignment)
    except Exception as exc:             # the grader reads them itself, and says so if it cannot
        writer.logs.append(f"== scores not read by the gradebook writer ({type(exc).__name__}: {exc})")
        scores = None
    outbox.put({"failures": writer.failures, "fallbacks": writer.fallbacks, "logs": writer.logs,
                "cpu": writer.cpu, "scores": scores})


def nbgrader_config(course: Path, staging: Path, db_url=None):
    """nbgrader's configuration for the writer: the course's own, with ``staging`` as the
    submitted folder and the verdicts injected instead of executed."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.grade.nbgrader_hooks import AUTOGRADE_PREPROCESSORS
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.submitted_directory = os.path.relpath(staging / "submitted", course)
    cfg.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
    cfg.Autograde.pre_convert_hook = None          # this IS the sandboxed path (autograder/hook.py)
    cfg.InjectVerdicts.verdicts_dir = str(staging / "verdicts")
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    return cfg


class _GradebookWriter:
    """Stages a finished result and runs nbgrader's autograde for that student
    (:class:`~autograder.grade.autograde.Autograde`), one student at a time."""

    def __init__(self, course: Path, release: Release, staging: Path, db_url=None):
        import warnings   # nbgrader and SQLAlchemy are imported in the writer process only

        from sqlalchemy.exc import SAWarning
        # nbgrader's own harmless "not in session" warnings (seen with SQLAlchemy 2.0 and 2.1)
        warnings.filterwarnings("ignore", category=SAWarning)
        from nbgrader.coursedir import CourseDirectory

        from autograder.grade.autograde import Autograde
        from autograder.grade.nbgrader_hooks import faster_nbgrader
        self.course, self.assignment, self.staging = course, release.assignment, staging
        self.release = release
        cfg = nbgrader_config(course, staging, db_url)
        faster_nbgrader()
        self.coursedir = CourseDirectory(config=cfg)
        self.autograde = Autograde(self.coursedir, cfg, self.assignment)
        self.failures: dict[str, str] = {}
        self.fallbacks: set[str] = set()
        self.cpu: dict[str, float] = {}
        self.logs: list[str] = []

    def write(self, res, timestamp=None):
        """Record ``res`` (and its submission's ``timestamp``) with nbgrader's autograde."""
        cpu = time.process_time()
        error = self._autograde(res, timestamp, blank=False)
        if error:
            # nbgrader could not grade this submission: record a fresh 0 for every cell (the
            # released blank, every verdict failed) so no older score survives; the caller
            # gives the student a status saying why.
            self.failures[res.student] = error
            if not self._autograde(res, timestamp, blank=True):
                self.fallbacks.add(res.student)
        self.cpu[res.student] = self.cpu.get(res.student, 0.0) + time.process_time() - cpu

    def _autograde(self, res, timestamp, blank):
        """Stage ``res`` and run nbgrader's autograde for it; return '' or the error."""
        try:
            shutil.rmtree(self.staging / "submitted" / res.student, ignore_errors=True)
            self._stage(res, timestamp, blank)
            out = self.autograde(res.student)
            log = out.get("log", "")
            if _noteworthy(log) or not out.get("success"):
                self.logs.append(f"== {res.student}{' (recorded as 0)' if blank else ''}\n{log}")
            if not out.get("success"):
                return last_line(out.get("error") or log or "nbgrader autograde failed")
            return ""
        except Exception as exc:                  # recorded; the integrity check reports it
            return f"{type(exc).__name__}: {exc}"

    def _stage(self, res, timestamp, blank=False):
        sdir = self.staging / "submitted" / res.student / self.assignment
        vdir = self.staging / "verdicts" / res.student
        sdir.mkdir(parents=True, exist_ok=True)
        vdir.mkdir(parents=True, exist_ok=True)
        for nb_name, verdicts in res.verdicts.items():
            # an unreadable or missing notebook is graded as the released blank: every cell 0
            src = None if blank else res.stage.get(nb_name)
            _copy_for_nbgrader(src or self.release.path(nb_name), sdir / nb_name, self.release.notebooks[nb_name])
            (vdir / f"{Path(nb_name).stem}.json").write_text(json.dumps(
                {gid: {"passed": v.passed and not blank, "text": v.text} for gid, v in verdicts.items()}))
        ts = valid_timestamp(timestamp)
        if ts:
            (sdir / "timestamp.txt").write_text(ts)
        # nbgrader's exchange matches released feedback to the student's submission by this secret
        # (submit writes it, collect keeps it, autograde/generate_feedback carry it along)
        for p in filter(None, res.stage.values()):
            secret = Path(p).parent / "submission_secret.txt"
            if secret.is_file() and not secret.is_symlink() and secret.stat().st_size < 1024:
                shutil.copyfile(secret, sdir / secret.name)
                break


def _noteworthy(log):
    """nbgrader's log for one student says something beyond routine progress."""
    return any("[ERROR]" in ln or "[WARNING]" in ln for ln in log.splitlines())


def valid_timestamp(ts):
    """``ts`` if nbgrader can read it as a submission time, else None."""
    if not ts or not isinstance(ts, str) or len(ts) > 100:
        return None
    try:
        parse_utc(ts)
    except Exception:
        return None
    return ts


def _copy_for_nbgrader(src, dst, released):
    """Copy a notebook for nbgrader in a shape nbgrader can grade. The host has already recorded
    any tampering and computed the verdicts; nbgrader only has to store them, but it rejects or
    misreads some tampered notebooks:

    * it leaves a duplicated cell with an empty ``nbgrader`` dict ("old version of the nbgrader
      metadata format") and a cell with an unknown ``grade_id`` without one ("nbgrader cell does
      not have a grade_id"), then fails that student's autograde (every cell 0): so ``nbgrader``
      metadata is kept only on cells with a released ``grade_id``, on the LAST copy of each (the
      one DeduplicateIds keeps);
    * it scores a deleted test cell 0 whatever the verdict: so released test cells missing from
      the copy are re-inserted (after the cell that precedes them in the release);
    * it fails on unexpected ``nbgrader`` metadata on a known cell (an answer cell marked as
      graded, changed points): the kept copy gets the released cell's metadata back;
    * it cannot write a lone surrogate character: those become U+FFFD. Outputs are dropped (the
      verdicts replace them)."""
    from autograder.safeio import read_regular
    from autograder.sanitize import sanitize_notebook, strip_solution_regions
    nb = nbformat.from_dict(writable(json.loads(read_regular(src).decode("utf-8"))))
    nb = nbformat.convert(nb, 4)
    by_id = {grade_id(c): c for c in released.cells if grade_id(c)}
    seen = set()
    for cell in reversed(nb.cells):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        gid = grade_id(cell)
        if gid in by_id and gid not in seen:
            seen.add(gid)
            cell.metadata["nbgrader"] = copy.deepcopy(by_id[gid].metadata["nbgrader"])
            continue
        del cell.metadata["nbgrader"]
    previous = None
    for ref in released.cells:
        gid = grade_id(ref)
        if gid and is_test(ref) and gid not in seen:
            at = next((i + 1 for i, c in enumerate(nb.cells) if previous and grade_id(c) == previous),
                      len(nb.cells))
            nb.cells.insert(at, nbformat.from_dict(copy.deepcopy(ref)))
            seen.add(gid)
        previous = gid or previous
    strip_solution_regions(nb)                    # feedback never shows a solution region
    sanitize_notebook(nb, released.metadata)      # nothing a student wrote runs in formgrader
    nbformat.write(nb, dst)


def db_url_of(course: Path, db_url=None):
    return db_url or f"sqlite:///{course / 'gradebook.db'}"


def read_scores(db_url, assignment, students=None):
    """student -> {grade_id: (score, max_score)} from the gradebook (``students=None``: every
    student with a submission of the assignment). nbgrader's own ``Grade.score`` and
    ``Grade.max_score`` (SQL expressions of nbgrader's models), selected in one query: loading
    each ``Grade`` and then its deferred ``max_score`` cost a query per grade (0.12 s for 40
    students, ``make bench``)."""
    from nbgrader.api import (Assignment, BaseCell, Grade, Gradebook, SubmittedAssignment,
                              SubmittedNotebook)
    out = {}
    with Gradebook(db_url) as gb:
        submitted = (gb.db.query(SubmittedAssignment.student_id)
                     .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                     .filter(Assignment.name == assignment))
        wanted = None if students is None else set(students)
        for (student,) in submitted:
            if wanted is None or student in wanted:
                out[student] = {}
        grades = (gb.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.score, Grade.max_score)
                  .select_from(Grade)
                  .join(BaseCell, BaseCell.id == Grade.cell_id)
                  .join(SubmittedNotebook, SubmittedNotebook.id == Grade.notebook_id)
                  .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
                  .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                  .filter(Assignment.name == assignment))
        for student, name, score, max_score in grades:
            if student in out:
                out[student][name] = (score, max_score)
    if students is not None:                 # in the order asked for, as before
        out = {s: out[s] for s in students if s in out}
    return out


def integrity(db_url, assignment, results, scores):
    """Problems found in the gradebook after the batch (empty list = consistent); ``scores``:
    what :func:`read_scores` returned for these students."""
    problems = []
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):]
        with sqlite3.connect(path) as con:
            check = con.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            problems.append(f"sqlite integrity_check: {check}")
    for res in results:
        per = scores.get(res.student)
        if per is None:
            problems.append(f"{res.student}: no submission in the gradebook")
            continue
        for verdicts in res.verdicts.values():
            for gid, v in verdicts.items():
                if gid not in per:
                    problems.append(f"{res.student}: no grade for {gid}")
                    continue
                score, max_score = per[gid]
                want = max_score if v.passed else 0.0
                if score is None or abs(score - want) > 1e-9:
                    problems.append(f"{res.student}: {gid} is {score}, the verdict says {want}")
    return problems


# ---------------------------------------------------------------------------- before grading
def use_own_tools():
    """nbgrader runs helpers such as ``alembic`` from PATH: put this interpreter's bin folder
    first, so the grader works from a plain shell without an activated virtualenv. Returns a
    one-line error when a helper is missing, else ''."""
    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p]])
    if not shutil.which("alembic"):
        return f"nbgrader's `alembic` is not installed next to {sys.executable}: run `make setup`"
    return ""


def sync_assignment(db_url, release: Release):
    """Make sure the gradebook knows the assignment and each notebook's graded cells as released
    in ``exercises/`` (nbgrader's own ``SaveCells``, as ``generate_assignment`` would record
    them). Entries that already match are left alone (they may hold the hidden tests' source that
    ``make exercises`` recorded). Returns a one-line error, or ''."""
    from nbgrader.api import Gradebook, MissingEntry
    assignment = release.assignment
    try:
        with Gradebook(db_url) as gb:
            try:
                stored = {nb.name: {g.name: g.max_score for g in nb.grade_cells}
                          for nb in gb.find_assignment(assignment).notebooks}
            except MissingEntry:
                gb.add_assignment(assignment)
                stored = {}
        for nb_name, released in release.notebooks.items():
            nb = copy.deepcopy(released)              # SaveCells may touch what it is given
            want = {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader.get("points", 0))
                    for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
            if stored.get(Path(nb_name).stem) == want:
                continue
            from nbgrader.preprocessors import SaveCells      # nbconvert: imported only when needed
            SaveCells().preprocess(nb, {"nbgrader": {"notebook": Path(nb_name).stem,
                                                     "assignment": assignment, "db_url": db_url}})
    except Exception as exc:
        return (f"the gradebook {db_url} could not be prepared for {assignment!r} from the released "
                f"notebooks ({type(exc).__name__}: {last_line(exc)})")
    return ""


def record_submissions(course: Path, assignment, subs: dict):
    """Keep a copy of each submission in the course's ``submitted/<student>/<assignment>/`` (as
    nbgrader's ``zip_collect`` does), with a ``timestamp.txt``, so formgrader lists them and
    nbgrader's ``generate_feedback``/``release_feedback`` find them. Submissions graded from
    that very folder are left as they are, except that a missing ``timestamp.txt`` is written
    (the notebook's modification time)."""
    from autograder.safeio import Unsafe, copy_regular
    root = (course / "submitted").resolve()
    for student, sub in subs.items():
        files = [p for p in sub.files.values() if p is not None]
        if not files:
            continue
        dst = root / student / assignment
        if any(Path(p).resolve().is_relative_to(root) for p in files) and \
                not all(Path(p).resolve().parent == dst for p in files):
            continue                       # already in submitted/ under another (unsafe) name:
            #                                a copy under the safe id would be a second submission
        if not all(Path(p).resolve().parent == dst for p in files):
            shutil.rmtree(dst, ignore_errors=True)
            dst.mkdir(parents=True)
            for nb_name, p in sub.files.items():
                if p is not None:
                    try:
                        copy_regular(p, dst / nb_name)     # never through a link
                    except Unsafe:
                        pass                   # the batch grades it "unparseable", with the reason
        elif sub.timestamp:
            continue                       # nbgrader's own folder with its timestamp: untouched
        ts = valid_timestamp(sub.timestamp)
        if sub.timestamp and not ts:
            sub.notes.append(f"timestamp.txt is not a date ({clean(sub.timestamp[:40])!r}); "
                             "the file's time was used")
        if not ts:
            mtime = max(Path(p).stat().st_mtime for p in files)
            ts = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            sub.timestamp = ts
        (dst / "timestamp.txt").write_text(ts)
