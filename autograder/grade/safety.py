"""Submissions that are not the student's own work in an obvious way get the status
"suspicious" (which needs an instructor's look; they are still graded):

* a notebook that holds nbgrader's solution or hidden-test markers (``BEGIN SOLUTION``,
  ``BEGIN HIDDEN TESTS``): the released notebooks never do, the instructor's always do;
* a notebook byte-identical to the instructor's (``solutions/<assignment>/``);
* a notebook byte-identical to another student's in the same batch (the untouched release
  excepted).

Notebooks are read as :mod:`autograder.safeio` reads them (no links, regular files, byte cap);
one that cannot be read is left for the batch to report as unparseable.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from autograder.safeio import Unsafe, read_regular

MARKERS = re.compile(rb"BEGIN (SOLUTION|HIDDEN TESTS)")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digests(folder: Path) -> set[str]:
    out = set()
    for p in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        try:
            out.add(_digest(read_regular(p)))
        except (Unsafe, OSError):
            pass
    return out


def flag_suspicious(subs: dict, course: Path, assignment: str, cap: int) -> int:
    """Flag every ``Submission`` of ``subs`` (student -> Submission) as described in the module
    doc; returns how many were flagged."""
    solutions = _digests(Path(course) / "solutions" / assignment) | _digests(Path(course) / "source" / assignment)
    released = _digests(Path(course) / "exercises" / assignment) | _digests(Path(course) / "release" / assignment)
    by_digest: dict[str, set[str]] = {}
    reasons: dict[str, list[str]] = {}
    for student, sub in subs.items():
        for nb_name, path in sub.files.items():
            if path is None:
                continue
            try:
                data = read_regular(path, cap)
            except (Unsafe, OSError):
                continue
            digest = _digest(data)
            if digest in solutions:
                reasons.setdefault(student, []).append(f"{nb_name} is byte-identical to the instructor's solution")
            elif MARKERS.search(data):
                reasons.setdefault(student, []).append(f"{nb_name} holds solution or hidden-test markers")
            if digest not in released:
                by_digest.setdefault(f"{nb_name}:{digest}", set()).add(student)
    for key, students in by_digest.items():
        if len(students) > 1:
            nb_name = key.split(":", 1)[0]
            for s in students:
                others = ", ".join(sorted(students - {s}))[:200]
                reasons.setdefault(s, []).append(f"{nb_name} is byte-identical to the submission of {others}")
    for student, why in reasons.items():
        subs[student].flag("suspicious", "; ".join(why))
    return len(reasons)
