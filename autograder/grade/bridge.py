"""Writing the host's verdicts into nbgrader's gradebook with nbgrader itself.

nbgrader keeps doing what it does well — student records, submissions and timestamps, restoring
locked cells from the gradebook, checksums, scores, late penalties, the ``autograded/`` notebooks —
but its *Execute* step is replaced by :class:`InjectVerdicts`, which fills each test cell's outputs
with the verdict computed on the host (stdout text when passed, an error output when failed), so
nbgrader's own ``SaveAutoGrades`` scores exactly what the host decided. Every student in the batch
is staged, so every graded cell of every student gets a fresh score: an unreadable or missing
notebook is staged as the released blank and scores 0 — never an old score left behind.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import sqlite3
import threading
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

AUTOGRADE_PREPROCESSORS = [
    "autograder.grade.bridge.InjectVerdicts",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


class InjectVerdicts(Preprocessor):
    """Set every test cell's outputs from ``<verdicts_dir>/<student>/<notebook>.json``."""

    enabled = Bool(True)           # nbconvert preprocessors are off unless enabled
    verdicts_dir = Unicode("", help="folder of verdict files written by the batch grader").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.verdicts_dir) / info["student"] / f"{info['notebook']}.json"
        verdicts = json.loads(path.read_text()) if path.exists() else {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if not (meta.get("grade") and not meta.get("solution")):
                continue
            v = verdicts.get(meta.get("grade_id"), {"passed": False, "text": "not graded"})
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=v["text"] + "\n"))
            if not v["passed"]:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="CheckFailed", evalue=v["text"].splitlines()[0][:300],
                    traceback=["CheckFailed: see the checks above"]))
        return nb, resources


class Writer:
    """The single writer to the gradebook: a thread that stages each finished result and runs
    nbgrader's autograde for that student (through ``NbGraderAPI``, in this process), while the
    sandboxes keep working on the next submissions."""

    def __init__(self, course: Path, assignment, staging: Path, released_paths: dict,
                 timestamps: dict, db_url=None):
        import warnings

        from nbgrader.apps.api import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        # nbgrader's own harmless "not in session" warnings (seen with SQLAlchemy 2.0 and 2.1)
        warnings.filterwarnings("ignore", category=SAWarning)
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        self.course, self.assignment, self.staging = course, assignment, staging
        self.released_paths, self.timestamps = released_paths, timestamps
        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        cfg.CourseDirectory.root = str(course)
        cfg.CourseDirectory.submitted_directory = os.path.relpath(staging / "submitted", course)
        cfg.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
        cfg.InjectVerdicts.verdicts_dir = str(staging / "verdicts")
        if db_url:
            cfg.CourseDirectory.db_url = db_url
        self.api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
        self.failures: dict[str, str] = {}
        self._ids: dict = {}                             # notebook -> released NotebookNode
        self.logs: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="gradebook-writer", daemon=True)
        self._thread.start()

    def submit(self, res):
        self._queue.put(res)

    def close(self):
        self._queue.put(None)
        self._thread.join()

    def _loop(self):
        while (res := self._queue.get()) is not None:
            try:
                self._stage(res)
                out = self.api.autograde(self.assignment, res.student, force=True, create=True)
                self.logs.append(f"== {res.student}\n{out.get('log', '')}")
                if not out.get("success"):
                    self.failures[res.student] = (out.get("error") or "nbgrader autograde failed")[-2000:]
            except Exception as exc:                  # recorded; the integrity check reports it
                self.failures[res.student] = f"{type(exc).__name__}: {exc}"

    def _released(self, nb_name):
        if nb_name not in self._ids:
            self._ids[nb_name] = nbformat.read(self.released_paths[nb_name], as_version=4)
        return self._ids[nb_name]

    def _stage(self, res):
        sdir = self.staging / "submitted" / res.student / self.assignment
        vdir = self.staging / "verdicts" / res.student
        sdir.mkdir(parents=True, exist_ok=True)
        vdir.mkdir(parents=True, exist_ok=True)
        for nb_name, verdicts in res.verdicts.items():
            # an unreadable or missing notebook is graded as the released blank: every cell 0
            src = res.stage.get(nb_name) or self.released_paths[nb_name]
            _copy_for_nbgrader(src, sdir / nb_name, self._released(nb_name))
            (vdir / f"{Path(nb_name).stem}.json").write_text(json.dumps(
                {gid: {"passed": v.passed, "text": v.text} for gid, v in verdicts.items()}))
        if self.timestamps.get(res.student):
            (sdir / "timestamp.txt").write_text(self.timestamps[res.student])


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


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
      the copy are re-inserted (after the cell that precedes them in the release)."""
    nb = nbformat.read(src, as_version=4)
    known = {_grade_id(c) for c in released.cells} - {None}
    seen, changed = set(), False
    for cell in reversed(nb.cells):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        gid = _grade_id(cell)
        if gid in known and gid not in seen:
            seen.add(gid)
            continue
        del cell.metadata["nbgrader"]
        changed = True
    previous = None
    for ref in released.cells:
        gid = _grade_id(ref)
        meta = ref.metadata.get("nbgrader", {})
        if gid and meta.get("grade") and not meta.get("solution") and gid not in seen:
            at = next((i + 1 for i, c in enumerate(nb.cells) if previous and _grade_id(c) == previous),
                      len(nb.cells))
            nb.cells.insert(at, nbformat.from_dict(ref))
            seen.add(gid)
            changed = True
        previous = gid or previous
    if changed:
        nbformat.write(nb, dst)
    else:
        shutil.copyfile(src, dst)


def db_url_of(course: Path, db_url=None):
    return db_url or f"sqlite:///{course / 'gradebook.db'}"


def read_scores(db_url, assignment, students=None):
    """student -> {grade_id: (score, max_score)} from the gradebook (``students=None``: every
    student with a submission of the assignment)."""
    from nbgrader.api import Gradebook, MissingEntry
    out = {}
    with Gradebook(db_url) as gb:
        if students is None:
            students = [sub.student.id for sub in gb.assignment_submissions(assignment)]
        for student in students:
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            per = out.setdefault(student, {})
            for nb in sub.notebooks:
                for g in nb.grades:
                    per[g.name] = (g.score, g.max_score)
    return out


def integrity(db_url, assignment, results):
    """Problems found in the gradebook after the batch (empty list = consistent)."""
    problems = []
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):]
        with sqlite3.connect(path) as con:
            check = con.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            problems.append(f"sqlite integrity_check: {check}")
    scores = read_scores(db_url, assignment, [r.student for r in results])
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
