"""The grader's nouns: what a run is asked to do and what it finds, with no behaviour of its own.

* :class:`Status` — one ordered vocabulary for a submission's outcome (best first); everything
  but ``GRADED`` needs an instructor's look. The sandbox's own words (``RunResult.killed``, the
  runner's cell and item status) are mapped onto it by the three tables below, in one place.
* :class:`Submission` — what was found for one student (files, notes, timestamp, problem).
* :class:`Verdict`, :class:`Result` — what the host decided for one graded cell / one student.
* the size limits of what is read from submissions, and :class:`GradeOptions`, the typed
  options of one run (the CLI's defaults come from here, and here from :class:`sandbox.Limits`).

Every module of the grader imports its data model from here; this module imports only the
sandbox's :class:`Limits` and the text sanitiser.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from autograder.grade.sandbox import Limits
from autograder.grade.text import clean

#: Largest notebook read from a submission, and the bounds of an uploaded zip.
MAX_NOTEBOOK_BYTES = 32 << 20
MAX_ZIP_BYTES = 512 << 20
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_ENTRY_BYTES = 64 << 20


class Status(StrEnum):
    """A submission's outcome, from best to worst (the order is the declaration order). The value
    is the label the CSV, the pages, ``results.json`` and the terminal show."""

    GRADED = "graded"
    FLAGGED = "flagged"            # graded, but a backward evaluated the forward at shifted inputs
    TAMPERED = "tampered"
    SUSPICIOUS = "suspicious"      # graded, but holds solution markers or is a byte-identical copy
    TIMED_OUT = "timed out"
    OUT_OF_MEMORY = "out of memory"
    CRASHED = "crashed"
    UNPARSEABLE = "unparseable"
    MISSING = "missing"
    BAD_ID = "bad id"
    AMBIGUOUS = "ambiguous"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def worse_than(self, other) -> bool:
        return self.rank > Status(other).rank


_RANK = {s: i for i, s in enumerate(Status)}

#: The reason of a flagged item (issue 21 §4): the probe saw its backward call the learner's
#: functions at slightly shifted copies of the case's inputs, i.e. a numerical derivative.
SHIFTED = "backward evaluates the forward at shifted inputs"

#: ``sandbox.RunResult.killed`` -> the status it gives the submission
KILLED = {"timeout": Status.TIMED_OUT, "cpu": Status.TIMED_OUT, "memory": Status.OUT_OF_MEMORY,
          "disk": Status.CRASHED}
#: the runner's status of one notebook cell (``cells.jsonl``) -> the status it gives ("error" and
#: "ok" leave the submission graded: a failing cell only fails the checks that need it)
#: ("timeout": its CPU time ran out; "wall": the wall-clock backstop stopped it first — it waited,
#: or the machine was too busy to run it: the instructor is told to regrade on a quieter machine)
CELL = {"timeout": Status.TIMED_OUT, "wall": Status.TIMED_OUT, "memory": Status.OUT_OF_MEMORY}
#: the runner's status of one item's probe (``items/<item>.status.json``) -> the status it gives
ITEM = {"timeout": Status.TIMED_OUT, "wall": Status.TIMED_OUT, "memory": Status.OUT_OF_MEMORY}



def status_of(table, word):
    """The :class:`Status` a word of the sandbox's (``table``: KILLED, CELL or ITEM) gives, or
    None. The word was written by the student's process: anything but a known string is None."""
    return table.get(word) if isinstance(word, str) else None


#: Where a submission's grading time goes (CPU seconds; ``make bench`` prints the totals). The
#: sandbox's own figures come from the runner's ``done.json`` — written by the student's process,
#: so they are checked for sense and only ever used for this profile, never for a score.
PHASES = ("prepare inputs", "sandbox start", "interpreter start", "imports", "cells", "probe",
          "host verify", "gradebook write")


def combine(current: tuple[Status, str], status, reason) -> tuple[Status, str]:
    """Keep the worse of two (status, reason); a reason for the same status is appended, and a
    worse status keeps what was found before ("X; also Y: why")."""
    status = Status(status)
    old, old_reason = current
    if status.worse_than(old):
        if old != Status.GRADED and old_reason:
            reason = f"{reason}; also {old}: {old_reason}"
        return status, reason
    if reason and status == old and reason not in old_reason:
        return old, f"{old_reason}; {reason}" if old_reason else reason
    return current


@dataclass
class Release:
    """The released notebooks of an assignment (``exercises/<assignment>/``), read ONCE by the
    pipeline and handed to every stage that needs them: name -> NotebookNode."""
    assignment: str
    folder: Path
    notebooks: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.notebooks)

    def path(self, nb_name) -> Path:
        return self.folder / nb_name


class Submission:
    """One student's hand-in as found by :mod:`autograder.grade.collect`: notebook name -> file
    (``None``: missing), notes, nbgrader timestamp, and a problem found while collecting
    (``(status, reason)``; ``skip``: nothing of it is graded)."""

    def __init__(self, student):
        self.student = student
        self.files: dict[str, Path | None] = {}
        self.notes: list[str] = []          # e.g. "renamed 'x (1).ipynb' -> 'x.ipynb'"
        self.timestamp: str | None = None
        self.problem: tuple[Status, str] | None = None
        self.skip = False

    def flag(self, status, reason, skip=False):
        if self.problem is None:
            self.problem = (Status(status), reason)
        else:
            status = Status(status)
            old, old_reason = self.problem
            if status.worse_than(old):
                self.problem = (status, reason)
            elif reason not in old_reason:
                self.problem = (old, f"{old_reason}; {reason}")
        self.skip = self.skip or skip


@dataclass
class Verdict:
    """The host's decision on one graded test cell; ``text`` is what the learner reads."""
    grade_id: str
    passed: bool
    text: str


@dataclass
class Result:
    """Everything the host found for one student."""
    student: str
    status: Status = Status.GRADED
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    verdicts: dict[str, dict[str, Verdict]] = field(default_factory=dict)   # notebook -> grade_id -> verdict
    seconds: float = 0.0
    isolation: str = ""
    stage: dict[str, Path | None] = field(default_factory=dict)           # notebook -> file for nbgrader
    profile: dict[str, float] = field(default_factory=dict)              # phase -> seconds (see PHASES)

    def __post_init__(self):
        self.status = Status(self.status)

    @property
    def needs_look(self) -> bool:
        return self.status != Status.GRADED

    def worsen(self, status, reason):
        self.status, self.reason = combine((self.status, self.reason), status, clean(reason, limit=1000))

    def fail_all(self, nb_name, grade_ids, text):
        """Every graded cell of ``nb_name`` failed with ``text`` (nothing of it was judged)."""
        self.verdicts[nb_name] = {gid: Verdict(gid, False, text) for gid in grade_ids}

    def add_time(self, phase, seconds):
        self.profile[phase] = self.profile.get(phase, 0.0) + seconds


@dataclass
class GradeOptions:
    """One grader run, as the CLI (or a script) asks for it. Limits default to the sandbox's."""
    assignment: str
    submissions: Path
    course: Path | None = None
    db: str | None = None
    out: Path | None = None
    students: list[str] | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    sandbox: str = "auto"                 # "auto" | "bwrap" | "rlimits"
    seed: int | None = None
    timeout: float = Limits.wall          # seconds per submission (wall clock)
    cell_timeout: int = Limits.cell       # CPU seconds per notebook cell (and per item's probe)
    memory_mib: int = Limits.memory >> 20
    name_pattern: str | None = None
    progress: bool = True

    def limits(self) -> Limits:
        return Limits(wall=self.timeout, cell=self.cell_timeout, item=self.cell_timeout,
                      memory=self.memory_mib << 20)
