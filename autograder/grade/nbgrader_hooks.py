"""What nbgrader calls back into (by name, from its configuration), and the patches that make it
cheaper to call once per student.

* :class:`InjectVerdicts` — the batch grader's autograde step (``AUTOGRADE_PREPROCESSORS``, set by
  :mod:`autograder.grade.gradebook`): fills each test cell's outputs with the verdict computed on
  the host (stdout text when passed, an error output when failed), so nbgrader's own
  ``SaveAutoGrades`` scores exactly what the host decided.
* :func:`grade_in_sandbox` and :class:`UseBatchGrader` — formgrader's *Autograde* button
  (``autograder/nbgrader_config.py``): the sandboxed grader runs for that student, in a
  subprocess, instead of the student's code running in the Jupyter server's kernel.
* :func:`faster_nbgrader` — costs nbgrader pays again for every student, removed in the grader's
  writer process only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Unicode

from autograder.grade.text import last_line

AUTOGRADE_PREPROCESSORS = [
    "autograder.grade.nbgrader_hooks.InjectVerdicts",
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
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if not (is_grade(cell) and not is_solution(cell)):
                continue
            v = verdicts.get(cell.metadata.nbgrader.get("grade_id"), {"passed": False, "text": "not graded"})
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=v["text"] + "\n"))
            if not v["passed"]:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="CheckFailed", evalue=v["text"].splitlines()[0][:300],
                    traceback=["CheckFailed: see the checks above"]))
        return nb, resources


_HANDOFF: dict = {}          # (assignment, student) -> what the sandboxed grader said
_ROOTS: dict = {}            # (assignment, student) -> the course folder it graded in


def grade_in_sandbox(course_root, assignment, student, notebooks=None):
    """formgrader's *Autograde* button (nbgrader's ``pre_convert_hook`` in a Jupyter server): grade
    that student with the sandboxed batch grader — gradebook, ``autograded/`` and the class view
    — instead of running their code in the server's own kernel. :class:`UseBatchGrader` then
    hands the notebook the grader stored to nbgrader unchanged."""
    key = (assignment, student)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "autograder.grade", assignment, str(Path(course_root) / "submitted"),
             "--course", str(course_root), "--student", student, "--no-progress"],
            cwd=course_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=3600)
        folder = Path(course_root) / "autograded" / student / assignment
        for f in folder.glob("*"):               # nbgrader rewrites these files next
            f.chmod(0o644)
        _HANDOFF[key] = (proc.returncode in (0, 1), proc.stdout.strip())
        _ROOTS[key] = str(course_root)
    except Exception as exc:                     # nbgrader only logs a failing hook: hand it over
        _HANDOFF[key] = (False, f"{type(exc).__name__}: {exc}")


class UseBatchGrader(Preprocessor):
    """formgrader's Autograde, second half: the notebook the sandboxed grader stored, or an error
    that says what happened and what to run."""

    enabled = Bool(True)
    course_root = Unicode("").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        a, s = info.get("assignment", "ASSIGNMENT"), info.get("student", "STUDENT")
        ok, output = _HANDOFF.get((a, s), (False, "the sandboxed grader did not run"))
        self.log.info("sandboxed grader for %s/%s:\n%s", a, s, output)
        root = _ROOTS.get((a, s), self.course_root)
        path = Path(root) / "autograded" / s / a / f"{info.get('notebook')}.ipynb"
        if not ok or not path.exists():
            raise RuntimeError(
                f"This course grades in a sandbox with `.venv/bin/python -m autograder.grade {a} submitted "
                f"--student {s}` (run it in the course folder); it did not finish here: "
                + last_line(output))
        return nbformat.read(path, as_version=4), resources


def faster_nbgrader():
    """Costs nbgrader pays again for every student, removed in the grader's writer process only
    (same results, checked by ``tests/grade/test_autograde.py``; with
    :mod:`autograder.grade.autograde` the writer's CPU per student went 0.21 s -> 0.023 s):

    * its metadata check calls ``jsonschema.validate(cell_metadata, schema)`` for every cell,
      which checks the schema itself and builds a validator each time: each schema is compiled
      once with ``fastjsonschema`` (what nbformat validates notebooks with; a failure is still
      jsonschema's ``ValidationError``, with fastjsonschema's message), 12 % of the writer's CPU;
      and each ``MetadataValidator()`` (one per notebook, and one per locked cell restored) reads
      and parses its schema file again: each file is read once, so the schema is the same
      object and its validator is found again;
    * every ``Gradebook(...)`` (several per student) makes a new SQLAlchemy engine — so every
      query is compiled afresh — checks that every table exists (twice) and that the course row
      exists, and its ``close`` drops the connection: one engine per database URL for the
      process, the tables and the course checked once per database, the connection kept."""
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as common
    if getattr(api, "_dnn_faster", False):
        return
    import fastjsonschema
    import jsonschema

    validators = {}

    class _CachedJsonschema:
        ValidationError = jsonschema.ValidationError

        @staticmethod
        def validate(instance, schema, *args, **kwargs):
            if id(schema) not in validators:           # the schema is kept: its id stays unique
                jsonschema.validators.validator_for(schema).check_schema(schema)
                validators[id(schema)] = (schema, fastjsonschema.compile(schema))
            try:
                validators[id(schema)][1](instance)
            except fastjsonschema.JsonSchemaException as exc:
                raise jsonschema.ValidationError(exc.message) from None

        def __getattr__(self, name):
            return getattr(jsonschema, name)

    common.jsonschema = _CachedJsonschema()

    schemas = {}

    def schema_read_once(self):
        # nbgrader's own __init__, with the parsed file kept (it never changes a schema)
        path = os.path.join(common.root, "v{:d}.json".format(self.schema_version))
        if path not in schemas:
            with open(path) as fh:
                schemas[path] = json.loads(fh.read())
        self.schema = schemas[path]

    common.BaseMetadataValidator.__init__ = schema_read_once

    engines = {}
    make_engine, create_all = api.create_engine, api.Base.metadata.create_all

    def shared_engine(url, **kwargs):
        if url not in engines:
            engines[url] = make_engine(url, **kwargs)
        return engines[url]

    def create_missing_tables(bind=None, **kwargs):
        # one query for the table names instead of one per table (a new database still gets all)
        if not set(api.Base.metadata.tables) <= set(api.inspect(bind).get_table_names()):
            create_all(bind=bind, **kwargs)

    api.create_engine = shared_engine
    api.Base.metadata.create_all = create_missing_tables

    # what every Gradebook(...) checks again (the tables exist, the course row exists: three
    # queries and a commit) is checked once per database and course; close() keeps the shared
    # engine's idle connection instead of opening a new one for the next Gradebook
    checked, init = set(), api.Gradebook.__init__

    def checked_once(self, db_url, course_id="default_course", authenticator=None):
        if (db_url, course_id) not in checked:
            init(self, db_url, course_id, authenticator)
            checked.add((db_url, course_id))
            return
        self.engine = api.create_engine(db_url, echo=False, future=True)
        self.db = api.scoped_session(api.sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.course_id, self.authenticator = course_id, authenticator

    def close(self):
        self.db.remove()

    api.Gradebook.__init__ = checked_once
    api.Gradebook.close = close
    api._dnn_faster = True
