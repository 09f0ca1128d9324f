"""nbgrader's ``autograde`` for one student, with nbgrader's own parts, driven directly.

``nbgrader autograde`` (its ``Autograde`` converter) does, per student: record the student and the
submission (with its timestamp) in the gradebook, copy the submission's other files and the
course's own files into ``autograded/``, then run each notebook through two nbconvert passes —
the *sanitize* preprocessors (clear outputs, restore locked cells and points from the gradebook,
check the metadata), the notebook written to disk and read back, then the *autograde*
preprocessors (here :class:`~autograder.grade.nbgrader_hooks.InjectVerdicts` instead of
executing, then nbgrader's ``SaveAutoGrades``, late penalties, metadata check) — and write the
result read-only.

:class:`Autograde` does the same steps with nbgrader's own preprocessors and ``Gradebook`` API, in
memory: one gradebook session for the records, each notebook read once, no intermediate file,
no deep copies between passes. Two preprocessors get their rows in fewer queries
(:class:`OverwriteCells`, :class:`SaveAutoGrades`: same per-cell code, rows read per notebook
instead of per cell). The gradebook write went from 82 to 33 ms of CPU per student in ``make
bench`` (40 submissions of activations). ``tests/grade/test_autograde.py`` checks that it leaves
the gradebook and the ``autograded/`` folder byte for byte as ``NbGraderAPI.autograde`` does,
for plain, tampered, late, manually graded and re-graded submissions and one with a deleted
test cell.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader import preprocessors as nbgrader_pp


class Autograde:
    """``autograde(student)`` for one assignment of one course (nbgrader's ``CourseDirectory``
    and configuration, as ``NbGraderAPI`` would use them)."""

    def __init__(self, coursedir, config, assignment):
        from nbgrader.converters.autograde import Autograde as Converter
        from traitlets.utils.importstring import import_item

        self.coursedir, self.assignment = coursedir, assignment
        # nbgrader's converter, configured as `nbgrader autograde` would be: for its traits
        # (permissions, files not to overwrite, preprocessor lists) and as the preprocessors' parent
        self.converter = Converter(coursedir=coursedir, config=config)
        classes = [import_item(pp) if isinstance(pp, str) else pp
                   for pp in [*self.converter.sanitize_preprocessors, *self.converter.autograde_preprocessors]]
        self.preprocessors = [FASTER.get(cls, cls)(parent=self.converter) for cls in classes]
        self.log = self.converter.log

    def _path(self, directory, student):
        return Path(self.coursedir.format_path(directory, student, self.assignment))

    def __call__(self, student) -> dict:
        """Autograde ``student``'s staged submission: ``{"success": bool, "log": str[, "error": str]}``
        as ``NbGraderAPI.autograde`` returns it."""
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        self.log.addHandler(handler)
        try:
            self._autograde(student)
            return {"success": True, "log": buffer.getvalue()}
        except Exception as exc:
            import traceback
            shutil.rmtree(self._path(self.coursedir.autograded_directory, student), ignore_errors=True)
            self.log.error("There was an error processing assignment %s for student %s", self.assignment, student)
            return {"success": False, "log": buffer.getvalue(),
                    "error": "".join(traceback.format_exception(exc))}
        finally:
            self.log.removeHandler(handler)

    def _autograde(self, student):
        from nbgrader.api import Gradebook
        from nbgrader.utils import find_all_files

        cd, a = self.coursedir, self.assignment
        if cd.student_id_exclude and student in cd.student_id_exclude.split(","):
            self.log.warning("Skipping %s: excluded by CourseDirectory.student_id_exclude", student)
            return                                      # as nbgrader's converter skips them
        source = self._path(cd.submitted_directory, student)
        dest = self._path(cd.autograded_directory, student)
        if dest.exists():                               # --force
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        # the submission's other files, then the course's own files over them (nbgrader's order)
        master = Path(cd.format_path(cd.source_directory, ".", a))
        keep = {os.path.join(master, x) for x in self.converter.exclude_overwriting.get(a, [])}
        for root, files in ((source, find_all_files(str(source), cd.ignore + ["*.ipynb"])),
                            (master, set(find_all_files(str(master), cd.ignore + ["*.ipynb"])) - keep)):
            for filename in files:
                path = dest / os.path.relpath(filename, root)
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.exists():
                    path.unlink()
                shutil.copy(filename, path)

        timestamp = cd.get_existing_timestamp(str(source))
        with Gradebook(cd.db_url, cd.course_id) as gb:
            name_student(gb, student)
            gb.find_assignment(a)                       # raises MissingEntry: not in the gradebook
            if timestamp:
                submission = gb.update_or_create_submission(a, student, timestamp=timestamp)
                if submission.total_seconds_late > 0:
                    self.log.warning("%s is %s seconds late", submission, submission.total_seconds_late)
            else:
                gb.update_or_create_submission(a, student)
            notebooks = [nb.name for nb in gb.find_assignment(a).notebooks]

        for name in sorted(notebooks):
            path = source / f"{name}.ipynb"
            if not path.exists():
                raise FileNotFoundError(f"no submitted file {path}")     # the writer stages every notebook
            nb = nbformat.read(path, as_version=4)
            resources = {"unique_key": name, "output_files_dir": f"{name}_files",
                         "nbgrader": {"student": student, "assignment": a, "notebook": name,
                                      "db_url": cd.db_url}}
            for pp in self.preprocessors:
                nb, resources = pp(nb, resources)
            # validated once, as nbconvert's exporter validates it (``relax_add_props``), then
            # written as nbformat.writes writes it (without validating it a second time)
            nbformat.validate(nb, relax_add_props=True)
            text = nbformat.versions[4].writes_json(nb)
            (dest / f"{name}.ipynb").write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

        mode = int(str(self.converter.permissions), 8)
        for dirname, _, filenames in os.walk(dest):
            for filename in filenames:
                os.chmod(os.path.join(dirname, filename), mode)


def name_student(gb, student):
    """Create ``student`` in the gradebook (nbgrader's ``create_student``) with their id as last
    name, so formgrader's lists show "alice" rather than "None, None"; names an instructor
    entered are kept."""
    from nbgrader.api import MissingEntry
    try:
        st = gb.find_student(student)
    except MissingEntry:
        gb.add_student(student, last_name=student, first_name="")
        return
    if st.last_name is None and st.first_name is None:
        gb.update_or_create_student(student, last_name=student, first_name="")


# ---------------------------------------------------------------------------- two preprocessors
# nbgrader's own OverwriteCells and SaveAutoGrades, with their per-cell logic unchanged: only
# where they get their gradebook rows from differs. nbgrader's versions make one query per cell
# (plus one commit per cell in SaveAutoGrades) — half of a student's autograde. Here the
# assignment's cells are read once per run and a notebook's grades and comments in one query,
# and SaveAutoGrades commits once per notebook.

class _Snapshot:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class _Cells:
    """The released cells of one notebook, read once: ``find_source_cell`` and
    ``find_graded_cell`` as nbgrader's ``Gradebook`` answers them (the attributes
    OverwriteCells reads), MissingEntry included."""

    def __init__(self, gb, notebook, assignment):
        nb = gb.find_notebook(notebook, assignment)
        self.source = {c.name: _Snapshot(name=c.name, cell_type=c.cell_type, locked=c.locked,
                                         checksum=c.checksum, source=c.source) for c in nb.source_cells}
        self.graded = {c.name: _Snapshot(name=c.name, max_score=c.max_score)
                       for c in [*nb.grade_cells, *nb.task_cells]}
        self.where = f"{assignment}/{notebook}"

    def find_source_cell(self, name, notebook, assignment):
        from nbgrader.api import MissingEntry
        if name not in self.source:
            raise MissingEntry(f"No such source cell: {self.where}/{name}")
        return self.source[name]

    def find_graded_cell(self, name, notebook, assignment):
        from nbgrader.api import MissingEntry
        if name not in self.graded:
            raise MissingEntry(f"No such graded cell: {self.where}/{name}")
        return self.graded[name]


class _Deferred:
    def commit(self):
        """SaveAutoGrades commits after every cell: the notebook is committed once, at its end."""


class _SubmittedCells:
    """One student's grades and comments of one notebook, read in one query each:
    ``find_grade`` and ``find_comment`` as nbgrader's ``Gradebook`` answers them."""

    db = _Deferred()

    def __init__(self, gb, notebook, assignment, student):
        from nbgrader.api import BaseCell, Comment, Grade
        sub = gb.find_submission_notebook(notebook, assignment, student)
        self.grades = dict(gb.db.query(BaseCell.name, Grade).join(Grade.cell).filter(Grade.notebook_id == sub.id))
        self.comments = dict(gb.db.query(BaseCell.name, Comment).join(Comment.cell)
                             .filter(Comment.notebook_id == sub.id))
        self.where = f"{assignment}/{notebook}/{student}"

    def find_grade(self, name, notebook, assignment, student):
        from nbgrader.api import MissingEntry
        if name not in self.grades:
            raise MissingEntry(f"No such grade: {self.where}/{name}")
        return self.grades[name]

    def find_comment(self, name, notebook, assignment, student):
        from nbgrader.api import MissingEntry
        if name not in self.comments:
            raise MissingEntry(f"No such comment: {self.where}/{name}")
        return self.comments[name]


class OverwriteCells(nbgrader_pp.OverwriteCells):
    """nbgrader's OverwriteCells, reading the released cells once per run (:class:`_Cells`)."""

    def preprocess(self, nb, resources):
        if self.add_missing_cells:                    # not this course's setting: nbgrader's own
            return super().preprocess(nb, resources)
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.db_url = info["notebook"], info["assignment"], info["db_url"]
        key = (self.db_url, self.assignment_id, self.notebook_id)
        cache = self.__dict__.setdefault("_cells", {})
        if key not in cache:
            with Gradebook(self.db_url) as gb:
                cache[key] = _Cells(gb, self.notebook_id, self.assignment_id)
        self.gradebook = cache[key]
        return Preprocessor.preprocess(self, nb, resources)


class SaveAutoGrades(nbgrader_pp.SaveAutoGrades):
    """nbgrader's SaveAutoGrades: one query for the notebook's grades, one for its comments,
    one commit (:class:`_SubmittedCells`)."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        with Gradebook(self.db_url) as gb:
            self.gradebook = _SubmittedCells(gb, self.notebook_id, self.assignment_id, self.student_id)
            nb, resources = Preprocessor.preprocess(self, nb, resources)
            gb.db.commit()
        return nb, resources


#: nbgrader's preprocessor -> the same with fewer queries (used by :class:`Autograde`)
FASTER = {nbgrader_pp.OverwriteCells: OverwriteCells, nbgrader_pp.SaveAutoGrades: SaveAutoGrades}
