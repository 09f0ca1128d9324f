"""``python -m autograder.grade ASSIGNMENT SUBMISSIONS`` — grade a whole class safely, in parallel.

A shell: arguments -> :class:`~autograder.grade.model.GradeOptions` ->
:func:`autograder.grade.pipeline.grade_class` -> exit status.

SUBMISSIONS is nbgrader's ``submitted/`` folder (or the course folder holding it), a flat folder
of notebooks named by student, or a .zip of either. Results go to the course's nbgrader gradebook
(or ``--db``), and to ``--out`` (default ``<course>/grading/<assignment>/``): ``grades.csv``,
``feedback/<student>.html``, ``summary.html``, ``results.json`` (the class's last results) and
``log.txt`` (one section appended per run).

Exit status: 0 when every submission was graded normally; 1 when something needs a human
(missing, unparseable, tampered, timed out, crashed, out of memory, or a gradebook problem);
2 when the grader itself could not run (bad arguments, no such assignment).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# One BLAS thread in the grader's own process. Worker threads fork sandboxes (subprocess) while
# other threads draw cases and verify with NumPy; a multi-threaded OpenBLAS shuts its thread pool
# down in a fork handler, and a fork while another thread is inside a BLAS call deadlocked whole
# runs (a thread stuck drawing a large case, another stuck starting its sandbox). The workers
# already use the cores. Set before NumPy is first imported; `_single_blas_thread` covers a
# NumPy that was imported earlier (the grader called in-process).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

from autograder.grade.model import GradeOptions  # noqa: E402  (after the BLAS settings above)
from autograder.grade.pipeline import grade_class  # noqa: E402

D = GradeOptions("", Path())         # the defaults (the sandbox's limits)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m autograder.grade", description=__doc__.split("\n\n")[0])
    p.add_argument("assignment", help="assignment id, e.g. activations")
    p.add_argument("submissions", help="submitted/ folder, flat folder of notebooks, or .zip")
    p.add_argument("--course", type=Path, help="course directory (default: the repository)")
    p.add_argument("--db", help="gradebook SQLAlchemy URL (default: <course>/gradebook.db)")
    p.add_argument("--out", type=Path, help="where CSV, feedback and summary go")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--workers", type=int, default=D.workers)
    p.add_argument("--sandbox", choices=["auto", "bwrap", "rlimits"], default=D.sandbox)
    p.add_argument("--seed", type=int, help="seed of the hidden inputs (default: fresh, recorded in log)")
    p.add_argument("--timeout", type=float, default=D.timeout, help="seconds per submission (wall clock)")
    p.add_argument("--cell-timeout", type=int, default=D.cell_timeout, help="seconds per notebook cell")
    p.add_argument("--memory", type=int, default=D.memory_mib, help="MiB of address space per submission")
    p.add_argument("--name-pattern", help="regex with a 'student' group for flat folders")
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


def _single_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:            # then only the environment variables above apply
        return
    threadpool_limits(limits=1)


def options(args) -> GradeOptions:
    return GradeOptions(
        assignment=args.assignment, submissions=Path(args.submissions), course=args.course, db=args.db,
        out=args.out, students=args.student, workers=args.workers, sandbox=args.sandbox, seed=args.seed,
        timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mib=args.memory,
        name_pattern=args.name_pattern, progress=not args.no_progress)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _single_blas_thread()
    return grade_class(options(args))


if __name__ == "__main__":
    sys.exit(main())
